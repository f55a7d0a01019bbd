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
    const shown = [row.region_name, row.metric_zh, String(row.target)]
    if (row.actual != null) shown.push(String(row.actual), `${row.attainment_pct}%`)
    for (const value of shown) {
      check(rows[i].includes(value), `row ${i} shows ${value}: ${rows[i]}`)
    }
  }
  await page.waitForSelector('[data-test=target-chart] canvas')
  await shot(page, '02-targets')

  // A metric hezuo cannot count: its figure is entered with its source, and the row then shows both.
  const entered = api.findIndex((row) => row.entered)
  check(entered >= 0, 'an entered metric is listed')
  const row = page.locator('[data-test=targets] .el-table__body .el-table__row').nth(entered)
  check((await row.textContent()).includes('未填报'), 'nothing entered yet')
  await row.locator('[data-test=enter-value]').click()
  await page.waitForSelector('[data-test=entry-form]')
  await page.locator('[data-test=entry-form] .el-date-editor input').fill(args.month)
  await page.keyboard.press('Enter')
  await page.fill('[data-test=entry-value] input', '3')
  await page.fill('[data-test=entry-source]', '区供销社11月统计月报')
  await shot(page, '03-entry')
  await page.click('[data-test=entry-save]')
  await page.waitForSelector('[data-test=entry-form]', { state: 'detached' })
  await page.waitForFunction(
    (i) => document.querySelectorAll('[data-test=targets] .el-table__body .el-table__row')[i]?.textContent.includes('区供销社11月统计月报'),
    entered,
  )
  const shown = await row.textContent()
  check(shown.includes('3') && shown.includes(`${args.month}`), `the entered figure and its month are shown: ${shown}`)
  await shot(page, '04-entered')
  noProblems(page)
})
