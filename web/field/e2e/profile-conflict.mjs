// The app and a Rust phone (`hezuo-field`'s SDK) change the same field of a cooperative's profile while both are
// offline (issue 17, test 3): when both have synced, the server keeps both values as a conflict; nothing is lost.
import { scenario, newPage, step, shot, noProblems, base, password, args } from '../../console/e2e/browser.mjs'

scenario(async browser => {
  const page = await newPage(browser, { phone: true })
  await page.goto(`${base}/field/`)
  await page.fill('[data-test=username] input', args.username)
  await page.fill('[data-test=password] input', password)
  await page.click('[data-test=sign-in]')
  await page.waitForSelector('[data-test=coop]', { timeout: 30000 })
  await page.waitForFunction(() => document.querySelector('[data-test=unsent]')?.textContent?.includes('待上传 0'), null, { timeout: 30000 })

  await page.context().setOffline(true)
  await page.fill('[data-test=search] input', args.cooperative)
  await page.click(`[data-test=coop]:has-text("${args.cooperative}")`)
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
