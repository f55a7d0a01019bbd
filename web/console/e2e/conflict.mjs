// A conflict: two phones wrote the same field offline. The reviewer sees both values with their authors on the visit
// and keeps one.
import { args, base, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.township)
  await page.goto(`${base}/console/reviews?conflicts=true&state=all`)
  await page.waitForSelector('[data-test=queue] .el-table__row')
  check((await page.locator('[data-test=queue] .el-table__row').count()) === 1, 'the conflicts filter finds the visit')
  await page.click(`[data-test=queue] a[href$="/visits/${args.visit}"]`)
  await page.click('#tab-conflicts')
  await page.waitForSelector('[data-test=conflict]')
  const text = await page.textContent('[data-test=conflict]')
  for (const value of args.values) check(text.includes(value), `the conflict shows ${value}`)
  check(text.includes('备注'), 'the field is named in Chinese')
  await shot(page, '01-conflict')
  const row = page.locator('[data-test=conflict] .el-table__row', { hasText: args.keep })
  await row.locator('[data-test=keep-value]').click()
  await page.waitForSelector('text=没有未解决的冲突')
  await page.waitForFunction((keep) => document.querySelector('[data-test=visit-notes]')?.textContent === keep, args.keep)
  noProblems(page)
})
