// A cooperative named like a spreadsheet formula: the console shows the name as text, and the clean-up export the
// reviewer downloads carries it as text (the Rust test opens the workbook).
import { args, check, newPage, noProblems, report, scenario, signIn } from './browser.mjs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.county)
  await page.click('[data-test=nav-cleanup]')
  await page.waitForSelector('[data-test=cleanup-list] .el-table__row')
  const cell = await page.textContent('[data-test=cleanup-list] .el-table__row td')
  check(cell.trim() === args.name, `the name is shown as written: ${cell}`)
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=cleanup-export]')])
  const path = join(tmpdir(), `hezuo-export-${process.pid}.xlsx`)
  await download.saveAs(path)
  report('export', path)
  noProblems(page)
})
