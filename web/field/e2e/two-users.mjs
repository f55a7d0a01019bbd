// One phone, two counsellors: signing out with work still on the phone asks first and keeps it; the next user sees
// none of it; the first user, back, finds the work and it syncs.
import { scenario, check, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone, signIn, openCooperative } from './field.mjs'

scenario(async browser => {
  const page = await signedInPhone(browser, args.first)
  await page.context().setOffline(true)
  await openCooperative(page, args.cooperative)
  await page.click('[data-test=new-visit]')
  await page.fill('[data-test=notes] textarea', args.notes)
  await page.waitForFunction(() => document.querySelector('[data-test=saved]')?.textContent === '已保存在手机')

  await page.click('[data-test=tab-me]')
  await page.click('[data-test=sign-out]')
  await page.waitForSelector('.van-dialog')
  check((await page.textContent('.van-dialog')).includes('还没有上传'), 'signing out warns about unsent work')
  await shot(page, '1-warning')
  await page.click('.van-dialog__cancel')
  check(await page.isVisible('[data-test=sign-out]'), 'choosing to sync first keeps the user signed in')
  await page.click('[data-test=sign-out]')
  await page.click('.van-dialog__confirm')
  await page.waitForSelector('[data-test=sign-in]')

  await page.context().setOffline(false)
  await signIn(page, args.second)
  const text = await page.textContent('body')
  check(!text.includes(args.cooperative), `the second user sees none of the first user's cooperatives`)
  check(text.includes('待上传 0'), 'and none of their unsent work')
  await shot(page, '2-second-user')
  await page.click('[data-test=tab-me]')
  await page.click('[data-test=sign-out]')
  await page.waitForSelector('[data-test=sign-in]')

  await signIn(page, args.first)
  await page.click('[data-test=tab-outbox]')
  await page.waitForSelector('[data-test=all-synced]', { timeout: 30000 })
  noProblems(page)
})
