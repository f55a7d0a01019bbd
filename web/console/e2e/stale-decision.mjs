// A stale decision: while the reviewer reads a visit, the counsellor's phone changes it. Approving what was read is
// refused, the page says so and shows the new content, and the reviewer approves what is there now. The history
// shows the phone's edit as a diff; a comment joins the activity.
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
  await page.waitForFunction(() => document.querySelector('[data-test=approved-levels]')?.textContent?.includes('乡镇'))

  await page.click('#tab-history')
  await page.waitForSelector('[data-test=diff] .el-table__row')
  const diff = await page.textContent('[data-test=diff]')
  check(diff.includes('备注'), `the diff names the field: ${diff}`)
  const added = await page.$$eval('[data-test=diff] .added', (spans) => spans.map((s) => s.textContent))
  const removed = await page.$$eval('[data-test=diff] .removed', (spans) => spans.map((s) => s.textContent))
  check(added.length > 0 && added.every((w) => args.after.includes(w)), `the added words are marked: ${added}`)
  check(removed.length > 0 && removed.every((w) => args.before.includes(w)), `the removed words are marked: ${removed}`)
  check(!diff.includes('#?'), `each change names its version: ${diff}`)
  await shot(page, '02-history')

  await page.click('#tab-activity')
  await page.fill('[data-test=comment-text]', args.comment)
  await page.click('[data-test=comment-send]')
  await page.waitForFunction((c) => document.querySelector('[data-test=visit-activity]')?.textContent?.includes(c), args.comment)
  check((await page.textContent('[data-test=visit-activity]')).includes('通过'), 'the approval is in the activity')
  noProblems(page)
})
