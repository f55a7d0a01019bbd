// What `bench-field` measures in Chromium (see tests/src/bin/bench_field.rs): the install's weight and a reopen with
// the app installed, both through a byte-counting proxy; the batch sync's bytes and round trips for 10 new visits and
// for a reconnect holding every document unchanged (only /api/v1/sync goes through a second proxy); and the time to
// save a visit in a document that holds 50 visits.
import { scenario, newPage, step, report, check, base, password, args } from '../../console/e2e/browser.mjs'

const idle = page => page.waitForFunction(() => document.querySelector('[data-test=unsent]')?.textContent?.includes('待上传 0') && !document.body.textContent.includes('同步中…'), null, { timeout: 120000 })

async function syncNowCounting(page) {
  let requests = 0
  const count = request => {
    if (request.url().endsWith('/api/v1/sync')) requests++
  }
  page.on('request', count)
  await page.click('[data-test=tab-outbox]')
  await page.click('[data-test=sync]')
  await page.waitForFunction(() => !document.querySelector('[data-test=sync] .van-loading'), null, { timeout: 120000 })
  await idle(page)
  page.off('request', count)
  return requests
}

scenario(async browser => {
  // The install, through the counting proxy: the page, its files, and everything the service worker keeps.
  const installing = await newPage(browser, { phone: true })
  await step('install-start')
  await installing.goto(`${args.installBase}/field/`)
  await installing.evaluate(() => navigator.serviceWorker.ready)
  await installing.waitForLoadState('networkidle')
  await step('installed')
  await installing.reload()
  await installing.waitForSelector('[data-test=sign-in]')
  await installing.waitForLoadState('networkidle')
  await step('reopened')

  const page = await newPage(browser, { phone: true })
  await page.route('**/api/v1/sync', route => route.continue({ url: `${args.syncBase}/api/v1/sync` }))
  await page.goto(`${base}/field/`)
  await page.fill('[data-test=username] input', args.username)
  await page.fill('[data-test=password] input', password)
  await page.click('[data-test=sign-in]')
  await page.waitForSelector('[data-test=coop]', { timeout: 60000 })
  await idle(page)
  await syncNowCounting(page)

  for (const name of args.cooperatives) {
    await page.click('[data-test=tab-coops]')
    await page.fill('[data-test=search] input', name)
    await page.click(`[data-test=coop]:has-text("${name}")`)
    await page.click('[data-test=new-visit]')
    await page.click('[data-test="meta.visit_type"] >> text=摸底排查')
    await page.fill('[data-test=notes] textarea', args.notes)
    await page.waitForFunction(() => document.querySelector('[data-test=saved]')?.textContent === '已保存在手机')
    await page.goBack()
    await page.waitForSelector('[data-test=new-visit]')
  }
  await step('drafts-ready')
  report('upload_round_trips', await syncNowCounting(page))
  await step('uploaded')
  await syncNowCounting(page)
  await step('before-reconnect')
  report('reconnect_round_trips', await syncNowCounting(page))
  await step('reconnected')

  // Saving in a document with 50 visits: each keystroke-sized change is one commit.
  await page.click('[data-test=tab-coops]')
  await page.fill('[data-test=search] input', args.busy)
  await page.click(`[data-test=coop]:has-text("${args.busy}")`)
  const visits = await page.locator('[data-test=visit]').count()
  check(visits >= 50, `the document holds 50 visits (${visits})`)
  await page.click('[data-test=new-visit]')
  await page.click('[data-test="meta.visit_type"] >> text=日常联系')
  for (let i = 0; i < args.saves; i++) {
    await page.fill('[data-test=notes] textarea', `${args.notes}（第${i}次修改）`)
    await page.waitForFunction(() => document.querySelector('[data-test=saved]')?.textContent === '已保存在手机')
  }
  const durations = await page.evaluate(() => performance.getEntriesByName('hezuo-commit').map(e => e.duration))
  report('commit_ms', durations.slice(-args.saves))
})
