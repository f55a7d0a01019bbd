// Bulk approval: the selected visits (one of which was returned to the counsellor: its outcome says why not), then
// every visit that matches the filters and awaits me, after a confirmation.
import { args, base, check, newPage, noProblems, report, scenario, shot, signIn } from './browser.mjs'

const outcomeSummary = (page) => page.textContent('[data-test=bulk-summary]')

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.township)
  await page.goto(`${base}/console/reviews?state=all`)
  await page.waitForSelector('[data-test=queue] .el-table__row')
  check((await page.locator('[data-test=queue] .el-table__row').count()) === 4, 'four visits')

  for (const id of args.selected) {
    const row = page.locator('[data-test=queue] .el-table__row', { has: page.locator(`a[href$="/visits/${id}"]`) })
    await row.locator('.el-checkbox').click()
  }
  await page.click('[data-test=bulk-selected]')
  await page.waitForSelector('[data-test=bulk-summary]')
  const first = await outcomeSummary(page)
  report('selected', first)
  check(first.includes('已通过 1 条') && first.includes('未通过 1 条'), `one approved, one not: ${first}`)
  await shot(page, '01-bulk-selected')
  await page.click('[data-test=bulk-outcomes] .el-dialog__footer button')

  await page.click('[data-test=bulk-matching]')
  await page.waitForSelector('.el-message-box')
  check((await page.textContent('.el-message-box')).includes('2'), 'the confirmation names how many')
  await page.click('.el-message-box .el-button--primary')
  await page.waitForFunction(() => document.querySelector('[data-test=bulk-summary]')?.textContent?.includes('已通过 2 条'))
  await shot(page, '02-bulk-matching')
  noProblems(page)
})
