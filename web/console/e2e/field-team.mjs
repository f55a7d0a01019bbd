// The field team: the county reviewer sees the counsellor's phones and last sync, the visit whose photos have not
// all arrived, the document the server put on hold with the reason, and revokes a lost phone.
import { args, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-team]')
  await page.waitForSelector('[data-test=counsellors] .el-table__row')
  const row = page.locator('[data-test=counsellors] > .el-table__inner-wrapper .el-table__body > tbody > .el-table__row', { hasText: args.counsellor })
  const text = await row.textContent()
  check(text.includes(args.counsellor), `the counsellor is listed: ${text}`)
  check((await row.locator('a').textContent()).trim() === '1', 'one visit is missing photos')
  const holds = await page.textContent('[data-test=holds]')
  check(holds.includes(args.holdReason), `the hold and its reason are shown: ${holds}`)
  check(!holds.includes('解除'), 'only administrators release holds')
  await row.locator('.el-table__expand-icon').click()
  await page.waitForSelector('[data-test=devices] .el-table__row')
  check((await page.locator('[data-test=devices] .el-table__row').count()) === 2, 'both phones are listed')
  await shot(page, '01-team')
  await page.locator('[data-test=devices] .el-table__row [data-test=revoke]').first().click()
  await page.waitForSelector('.el-message-box')
  await page.click('.el-message-box .el-button--primary')
  await page.waitForSelector('text=设备已停用')
  await page.waitForFunction(() => document.querySelector('[data-test=devices]')?.textContent?.includes('手机丢失'))
  check((await page.locator('[data-test=devices] [data-test=revoke]').count()) === 1, 'one phone is left to revoke')
  await shot(page, '02-revoked')
  noProblems(page)
})
