// The app and a Rust phone (`hezuo-field`'s SDK) change the same field of a cooperative's profile while both are
// offline (issue 17, test 3): when both have synced, the server keeps both values as a conflict; nothing is lost.
import { scenario, step, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone, openCooperative } from './field.mjs'

scenario(async browser => {
  const page = await signedInPhone(browser, args.username)

  await page.context().setOffline(true)
  await openCooperative(page, args.cooperative)
  await page.click('[data-test=edit-profile]')
  await page.fill('[data-test="profile.contact_phone"] input', args.phone)
  await page.waitForFunction(() => document.querySelector('[data-test=saved]')?.textContent === '已保存在手机')
  await shot(page, '1-profile-offline')
  // Meanwhile the other phone changes the same field and syncs.
  await step('edited')

  await page.context().setOffline(false)
  await page.evaluate(() => window.dispatchEvent(new Event('online')))
  await page.click('[data-test=tab-outbox]')
  await page.waitForSelector('[data-test=all-synced]', { timeout: 30000 })
  await step('synced')
  noProblems(page)
})
