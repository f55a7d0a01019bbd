// A clean-up decision with a case: the county reviewer finds the cooperative the engine classified from an approved
// visit, reads the flag and its evidence, confirms with a reason, opens the disposal case, starts an action with a due
// date that has passed, and finds the case among those with overdue actions.
import { args, base, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-cleanup]')
  await page.waitForSelector('[data-test=cleanup-list] .el-table__row')
  const row = await page.textContent('[data-test=cleanup-list] .el-table__row')
  check(row.includes(args.cooperative) && row.includes(args.stateZh), `the cooperative and its state are listed: ${row}`)
  await page.click('[data-test=cleanup-list] .el-table__row')
  await page.waitForSelector('[data-test=flag]')
  check((await page.textContent('[data-test=flag]')).includes(args.flag), 'the flag is named with its evidence')
  await shot(page, '01-classification')

  await page.fill('[data-test=decision-reason]', args.reason)
  await page.click('[data-test=decide-submit]')
  await page.waitForSelector('[data-test=decision]')
  check((await page.textContent('[data-test=decision]')).includes(args.reason), 'the decision and its reason are shown')
  await page.click('[data-test=open-case]')
  await page.waitForSelector('[data-test=case] .el-table__row')

  await page.locator('[data-test=case] .el-table__row').first().locator('.el-select').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '进行中' }).click()
  await page.waitForFunction(() => document.querySelector('[data-test=case] .el-table__row .el-select')?.textContent?.includes('进行中'))
  const due = page.locator('[data-test=case] .el-table__row').first().locator('.el-date-editor input')
  await due.fill(args.pastDue)
  await due.press('Enter')
  await page.waitForSelector('[data-test=overdue]')
  await shot(page, '02-case')

  await page.goto(`${base}/console/cleanup?tab=cases&overdue=true`)
  await page.waitForSelector('[data-test=cases] .el-table__row')
  check((await page.textContent('[data-test=cases] .el-table__row')).includes(args.cooperative), 'the case is among the overdue')
  await shot(page, '03-overdue-cases')
  noProblems(page)
})
