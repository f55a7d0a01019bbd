// A counsellor's day with no signal (issue 17, test 1): sign in and pull, go offline, record a visit with two camera
// photos, reload while offline (the app opens from its service worker; the draft and the photos are still there),
// submit, come back online: the visit reaches the server in one sync, the photos follow, a supervisor sees both.
import { scenario, step, check, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone, openCooperative } from './field.mjs'

const unsent = async page => Number((await page.textContent('[data-test=unsent]')).replace(/\D/g, ''))

scenario(async browser => {
  const page = await signedInPhone(browser, args.username, { geolocation: { latitude: 29.8712, longitude: 121.4421, accuracy: 15 } })
  await page.evaluate(() => navigator.serviceWorker.ready)
  await shot(page, '1-cooperatives')

  await page.context().setOffline(true)
  await openCooperative(page, args.cooperative)
  await page.click('[data-test=new-visit]')
  await page.waitForSelector('[data-test=section-meta]')
  await page.click('[data-test="meta.visit_type"] >> text=摸底排查')
  await page.fill('[data-test=notes] textarea', args.notes)
  await page.click('[data-test=section-membership] .van-collapse-item__title')
  await page.fill('[data-test="membership.members_total"] input', '126')
  await page.setInputFiles('[data-test=camera]', args.photos)
  await page.waitForFunction(() => document.querySelectorAll('[data-test=photo] img').length === 2, null, { timeout: 30000 })
  await page.waitForFunction(() => document.querySelector('[data-test=saved]')?.textContent === '已保存在手机')
  await shot(page, '2-visit-offline')
  const visitUrl = page.url()

  // Offline, the app opens again from its service worker, with the draft.
  await page.reload()
  await page.waitForSelector('[data-test=section-meta]', { timeout: 20000 })
  check((await page.inputValue('[data-test=notes] textarea')) === args.notes, 'the draft survives a reload offline')
  await page.click('[data-test=section-membership] .van-collapse-item__title')
  check((await page.inputValue('[data-test="membership.members_total"] input')) === '126', 'every field of the draft survives')
  check(page.url() === visitUrl, 'the same visit')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=photo] img').length === 2, null, { timeout: 10000 })
  check((await page.textContent('[data-test=photos]')).includes('待上传'), 'the photos wait for a link')
  await page.click('[data-test=submit]')
  await page.waitForSelector('[data-test=new-visit]')
  check((await unsent(page)) === 3, 'one cooperative and two photos wait for a link')
  await page.click('[data-test=tab-outbox]')
  await page.waitForSelector('[data-test=outbox-item]')
  await shot(page, '3-outbox-offline')

  await page.context().setOffline(false)
  await page.evaluate(() => window.dispatchEvent(new Event('online')))
  await page.waitForSelector('[data-test=all-synced]', { timeout: 30000 })
  check((await unsent(page)) === 0, 'everything is on the server')
  await shot(page, '4-synced')
  await step('synced')
  noProblems(page)
})
