// A stale decision: while the reviewer reads a visit, the counsellor's phone changes it. Approving what was read is
// refused, the page says so and shows the new content, and the reviewer approves what is there now.
import { args, check, newPage, noProblems, scenario, shot, signIn, step, base } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.township)
  await page.goto(`${base}/console/visits/${args.visit}`)
  await page.waitForSelector('[data-test=visit-notes]')
  check((await page.textContent('[data-test=visit-notes]')) === args.before, 'the notes as first submitted')

  await step('phone-edits')
  await page.click('[data-test=approve]')
  await page.waitForSelector('[data-test=stale]')
  await page.waitForFunction((after) => document.querySelector('[data-test=visit-notes]')?.textContent === after, args.after)
  await shot(page, '01-stale')

  await page.click('[data-test=approve]')
  await page.waitForFunction(() => !document.querySelector('[data-test=stale]'))
  await page.waitForFunction(() => document.querySelector('.el-descriptions')?.textContent?.includes('乡镇'))
  noProblems(page)
})
