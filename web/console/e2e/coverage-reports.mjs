// Coverage and the monthly reporting cycle: the county supervisor sees coverage that matches the API and names a
// cooperative's counsellor; the township writes and files last month's report (its text shown as text, never as
// HTML); the county acknowledges it.
import { args, base, check, newPage, noProblems, scenario, shot, signIn, signOut } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-coverage]')
  await page.waitForSelector('[data-test=coverage-total]')
  const api = await (await page.request.get(`${base}/api/v1/coverage`)).json()
  const total = await page.textContent('[data-test=coverage-total]')
  check(total.includes(String(api.total.cooperatives)), `the total shows ${api.total.cooperatives} cooperatives: ${total}`)
  await page.waitForSelector('[data-test=coverage-due] .el-table__row')
  const due = await (await page.request.get(`${base}/api/v1/coverage/cooperatives?status=overdue&limit=50`)).json()
  const rows = await page.$$eval('[data-test=coverage-due] .el-table__body .el-table__row', (trs) => trs.map((tr) => tr.textContent))
  check(rows.length === due.items.length, `one row per overdue cooperative (${rows.length} vs ${due.items.length})`)
  check(rows[0].includes(due.items[0].name), `soonest due first: ${rows[0]}`)
  await shot(page, '01-coverage')

  // Name the counsellor of the first cooperative due.
  await page.locator('[data-test=coverage-due] [data-test=assign]').first().click()
  await page.waitForSelector('[data-test=assign-form]')
  await page.click('[data-test=assign-counsellor]')
  await page.locator('.el-select-dropdown__item', { hasText: args.counsellor }).first().click()
  await shot(page, '02-assign')
  await page.click('[data-test=assign-save]')
  await page.waitForSelector('[data-test=assign-form]', { state: 'detached' })
  await page.goto(`${base}/console/reviews`)
  await page.waitForSelector('[data-test=sign-out]')
  await signOut(page)

  // The township writes and files last month's report.
  await signIn(page, args.township)
  await page.goto(`${base}/console/reports?month=${args.month}`)
  await page.waitForSelector('[data-test=report-units] .el-table__row')
  await page.locator('[data-test=report-units] .el-table__row', { hasText: args.townshipName }).locator('[data-test=open-report]').click()
  await page.waitForSelector('[data-test=report-narrative]')
  await page.fill('[data-test=report-narrative]', args.narrative)
  await page.click('[data-test=add-case]')
  await page.locator('[data-test=report-drawer] .case input').first().fill('绿源果蔬规范提升')
  await page.locator('[data-test=report-drawer] .case textarea').first().fill('指导建立成员账户。')
  await shot(page, '03-write')
  await page.click('[data-test=report-file]')
  await page.waitForFunction(() => document.querySelector('[data-test=report-status]')?.textContent.includes('已报送'))
  const shown = await page.textContent('[data-test=report-text]')
  check(shown.includes(args.narrative), `the filed text is shown as text: ${shown}`)
  check((await page.locator('[data-test=report-drawer] b').count()) === 0, 'no markup from the text')
  await shot(page, '04-filed')
  // Leave the page, drawer and all, before signing out: a closing drawer's animation would stand over the header.
  await page.goto(`${base}/console/reviews`)
  await page.waitForSelector('[data-test=sign-out]')
  await signOut(page)

  // The county acknowledges it.
  await signIn(page, args.county)
  await page.goto(`${base}/console/reports?month=${args.month}`)
  await page.waitForSelector('[data-test=report-units] .el-table__row')
  await page.locator('[data-test=report-units] .el-table__row', { hasText: args.townshipName }).locator('[data-test=open-report]').click()
  await page.waitForSelector('[data-test=report-acknowledge]')
  await page.click('[data-test=report-acknowledge]')
  await page.waitForFunction(() => document.querySelector('[data-test=report-status]')?.textContent.includes('已确认'))
  await shot(page, '05-acknowledged')
  noProblems(page)
})
