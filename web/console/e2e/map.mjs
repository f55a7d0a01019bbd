// The map: without a tile service the visits are still plotted, with a scale; a visit whose photo was taken far away
// is marked, and clicking it opens the visit.
import { args, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-map]')
  await page.waitForSelector('.leaflet-control-scale')
  await page.waitForFunction(() => document.querySelector('[data-test=map-counts]')?.textContent?.includes('走访 2 次'))
  check((await page.textContent('[data-test=map-counts]')).includes('有证据疑点 1 次'), 'one visit is flagged')
  check((await page.locator('.leaflet-tile').count()) === 0, 'no tiles are fetched without a tile service')
  await shot(page, '01-map')
  await page.locator('path.visit-flagged').click()
  await page.waitForSelector('[data-test=map-open-visit]')
  await page.click('[data-test=map-open-visit]')
  await page.waitForURL(new RegExp(`/visits/${args.flagged}`))
  await page.waitForSelector('[data-test=cooperative-name]')
  noProblems(page)
})
