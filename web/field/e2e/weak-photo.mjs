// A photo upload over a 256 kbit/s link with 600 ms round trips that drops midway (issue 17, test 2): the phone's
// uploads go through the suite's WeakLink (the page's own requests are routed there unchanged), the test cuts the
// link while the photo is on its way, and the app resumes from the offset the server confirms.
import { scenario, newPage, step, shot, noProblems, base, args } from '../../console/e2e/browser.mjs'
import { signIn, openCooperative } from './field.mjs'

scenario(async browser => {
  const page = await newPage(browser, { phone: true })
  // A dropped link is what this scenario is about: the failed request it causes is expected, not a defect.
  page.on('requestfailed', () => {})
  await page.route('**/api/v1/uploads**', route => {
    const url = new URL(route.request().url())
    route.continue({ url: `${args.link}${url.pathname}${url.search}` })
  })
  await page.goto(`${base}/field/`)
  await signIn(page, args.username)
  await openCooperative(page, args.cooperative)
  await page.click('[data-test=new-visit]')
  await page.click('[data-test="meta.visit_type"] >> text=日常联系')
  await page.setInputFiles('[data-test=camera]', [args.photo])
  await page.waitForFunction(() => document.querySelectorAll('[data-test=photo] img').length === 1, null, { timeout: 30000 })
  const bytes = Number(await page.getAttribute('[data-test=photo]', 'data-bytes'))
  await page.click('[data-test=submit]')
  await page.waitForSelector('[data-test=new-visit]')
  // The visit syncs, then the photo starts over the weak link; the test cuts it midway.
  await step('uploading', { bytes })
  await page.click('[data-test=tab-outbox]')
  await page.waitForSelector('[data-test=all-synced]', { timeout: 90000 })
  await shot(page, 'resumed')
  const errors = page.problems.filter(p => !/ERR_CONNECTION|ERR_EMPTY_RESPONSE|Failed to load resource|network/i.test(p))
  page.problems = errors
  noProblems(page)
})
