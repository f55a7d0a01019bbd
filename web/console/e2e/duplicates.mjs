// A duplicate: a counsellor registered "new" a cooperative that was already in the register (same credit code). The
// county reviewer finds the pair and merges it into the registered one; the visit moves over.
import { args, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-conflicts]')
  await page.click('#tab-duplicates')
  await page.waitForSelector('[data-test=duplicates] .el-table__row')
  const row = await page.textContent('[data-test=duplicates] .el-table__row')
  check(row.includes(args.found) && row.includes(args.registered), `the pair is listed: ${row}`)
  await shot(page, '01-duplicates')
  await page.click('[data-test=duplicates] .el-table__row [data-test=merge]')
  await page.waitForSelector('.el-message-box')
  check((await page.textContent('.el-message-box')).includes(args.registered), 'the confirmation names the survivor')
  await page.click('.el-message-box .el-button--primary')
  await page.waitForSelector('text=已合并，转入 1 条走访')
  // The list reloads after the message: wait for it rather than count at once.
  await page
    .waitForFunction(() => document.querySelectorAll('[data-test=duplicates] .el-table__row').length === 0, null, { timeout: 10000 })
    .catch(() => undefined)
  check((await page.locator('[data-test=duplicates] .el-table__row').count()) === 0, 'the pair left the open list')
  noProblems(page)
})
