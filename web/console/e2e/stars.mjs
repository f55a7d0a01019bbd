// A star application reviewed: the county reviewer opens the campaign's queue, reads the scores per category with
// the fields read, scores each manual indicator with a note, and confirms at the county level.
import { args, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-stars]')
  await page.waitForSelector('[data-test=applications] .el-table__row')
  check((await page.textContent('[data-test=applications] .el-table__row')).includes(args.cooperative), 'the application is queued')
  await page.click('[data-test=applications] .el-table__row')
  await page.waitForSelector('[data-test=categories]')
  check((await page.textContent('[data-test=categories]')).includes('='), 'indicators name the fields they read')
  const notes = page.locator('[data-test=manual] input[data-test=manual-note], [data-test=manual] [data-test=manual-note] input')
  const count = await notes.count()
  check(count === args.manual, `every manual indicator can be scored (${count})`)
  for (let i = 0; i < count; i++) await notes.nth(i).fill(`现场核实第${i + 1}项，材料齐全`)
  await page.click('[data-test=save-manual]')
  await page.waitForSelector('text=已保存')
  await shot(page, '01-application')
  await page.click('[data-test=star-decide]')
  await page.waitForFunction(() => document.querySelector('[data-test=star-reviews]')?.textContent?.includes('确认'))
  await shot(page, '02-confirmed')
  noProblems(page)
})
