// Figures for bench-console: what the first load of the console transfers (compressed, as Chromium counts it), and
// how long a page of 200 queue rows takes from navigation to the rows on screen, with the API call's share.
import { args, base, newPage, report, scenario, shot, signIn } from './browser.mjs'

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Bytes transferred for every response of a page load (bodies as sent, so compressed, plus headers). */
function countTransfer(page) {
  const responses = []
  page.on('requestfinished', (request) => responses.push(request))
  return async () => {
    let body = 0
    let headers = 0
    for (const request of responses) {
      const sizes = await request.sizes()
      body += sizes.responseBodySize
      headers += sizes.responseHeadersSize
    }
    return { requests: responses.length, body, headers }
  }
}

await scenario(async (browser) => {
  // First load: a browser that has never seen the console opens the sign-in page.
  const cold = await newPage(browser)
  const signInTransfer = countTransfer(cold)
  await cold.goto(`${base}/console/sign-in`, { waitUntil: 'networkidle' })
  report('sign_in', await signInTransfer())

  // Then signs in and lands on the queue: everything a reviewer's first visit costs.
  const firstVisit = countTransfer(cold)
  await signIn(cold, args.username)
  await cold.waitForSelector('[data-test=queue] .el-table__row')
  await cold.waitForLoadState('networkidle')
  report('first_queue', await firstVisit())

  // 200 rows, again and again (scripts cached, as on a reviewer's machine).
  const page = await newPage(browser)
  await signIn(page, args.username)
  const totals = []
  const api = []
  for (let i = 0; i < args.rounds; i++) {
    await page.goto(`${base}/console/sign-in`)
    const started = Date.now()
    await page.goto(`${base}/console/reviews?state=all&limit=200`)
    await page.waitForFunction(() => document.querySelectorAll('[data-test=queue] .el-table__body .el-table__row').length === 200)
    totals.push(Date.now() - started)
    const call = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/v1/reviews?'))
        .map((e) => Math.round(e.duration))
        .pop(),
    )
    api.push(call ?? 0)
  }
  report('rows_200', { totals, api, median_total: median(totals), median_api: Math.round(median(api)) })
  await page.goto(`${base}/console/reviews?limit=20&sort=-visit_date`)
  await page.waitForSelector('[data-test=queue] .el-table__row')
  await shot(page, 'queue', { fullPage: false })
})
