// Targets: the administrator imports district targets (one row is a quota on founding new cooperatives, which the
// plan forbids: it is refused and shown with its row number and reason); the page then shows the same numbers as
// the API, in the table and the chart.
import { args, base, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.admin)
  await page.click('[data-test=nav-targets]')
  await page.waitForSelector('[data-test=targets-page]')
  await page.fill('[data-test=import-source]', '市农业农村局 2026 年目标')
  await page.setInputFiles('[data-test=import-file]', {
    name: 'targets.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(args.csv, 'utf8'),
  })
  await page.waitForSelector('[data-test=import-errors] .el-table__row')
  const refused = await page.textContent('[data-test=import-errors] .el-table__row')
  check(refused.includes(String(args.refusedRow)), `the refused row's number is shown: ${refused}`)
  check((await page.textContent('[data-test=import-summary]')).includes('未导入 1'), 'one row was not imported')
  await shot(page, '01-import')

  await page.waitForSelector('[data-test=targets] .el-table__row')
  const api = await (await page.request.get(`${base}/api/v1/targets/progress?year=${args.year}`)).json()
  check(api.length > 0, 'the API has progress rows')
  const rows = await page.$$eval('[data-test=targets] .el-table__body .el-table__row', (trs) => trs.map((tr) => tr.textContent))
  check(rows.length === api.length, `one table row per API row (${rows.length} vs ${api.length})`)
  for (const [i, row] of api.entries()) {
    for (const value of [row.region_name, row.metric_zh, String(row.target), String(row.actual), `${row.attainment_pct}%`]) {
      check(rows[i].includes(value), `row ${i} shows ${value}: ${rows[i]}`)
    }
  }
  await page.waitForSelector('[data-test=target-chart] canvas')
  await shot(page, '02-targets')
  noProblems(page)
})
