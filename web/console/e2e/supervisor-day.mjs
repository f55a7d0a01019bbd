// A supervisor's day: the township reviewer finds the visits that await them, reads one (its notes exactly as the
// phone wrote them, never as HTML), approves it with the keyboard, goes to the next and returns it with a note; the
// county reviewer then approves the first. The Rust test checks the API and the counsellor's phone afterwards.
import { args, base, check, newPage, noProblems, scenario, shot, signIn, signOut } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  const response = await page.goto(`${base}/`)
  check(response.url() === `${base}/console/`, `/ leads to the console (${response.url()})`)
  await page.waitForURL(/\/console\/sign-in/)
  const csp = (await response.headerValue('content-security-policy')) ?? ''
  check(csp.includes("script-src 'self'"), `the page has a Content-Security-Policy (${csp})`)
  await shot(page, '01-sign-in')

  await signIn(page, args.township)
  const cookies = await page.evaluate(() => document.cookie)
  check(!cookies.includes('hezuo_access') && !cookies.includes('hezuo_refresh'), `tokens are not readable by script: ${cookies}`)
  check(cookies.includes('hezuo_csrf='), 'the CSRF token is readable by the page')
  check((await page.textContent('[data-test=regions]')).includes(args.townshipRegion), 'the header names my region')

  await page.click('[data-test=awaiting-mine]')
  await page.waitForURL(/awaiting=mine/)
  await page.waitForSelector('[data-test=queue] .el-table__row')
  check((await page.locator('[data-test=queue] .el-table__row').count()) === 2, 'two visits await the township')
  check((await page.textContent('[data-test=awaiting-mine-count]')).includes('2'), 'the count of visits awaiting me')
  await shot(page, '02-queue-awaiting-mine')

  await page.goto(`${base}/console/reviews?state=all`)
  await page.waitForSelector('[data-test=queue] .el-table__row')
  check((await page.locator('[data-test=queue] .el-table__row').count()) === 2, 'only my regions\' visits')
  check(!(await page.textContent('body')).includes(args.elsewhere), 'nothing of another district is shown')
  await page.goto(`${base}/console/reviews?awaiting=mine`)
  await page.waitForSelector('[data-test=queue] .el-table__row')

  // A link reproduces the view.
  await page.reload()
  await page.waitForSelector('[data-test=queue] .el-table__row')
  check(await page.isChecked('[data-test=awaiting-mine] input'), 'the filter came back from the URL')

  await page.click(`[data-test=queue] a[href$="/visits/${args.first}"]`)
  await page.waitForSelector('[data-test=cooperative-name]')
  check((await page.textContent('[data-test=visit-notes]')) === args.note, 'the notes are shown exactly as written')
  check((await page.locator('[data-test=visit-content] img').count()) === 0, 'nothing in the notes became an element')
  check((await page.textContent('[data-test=queue-position]')).includes('1'), 'the page knows its place in the queue')
  await shot(page, '03-visit')

  await page.click('#tab-photos')
  await page.waitForSelector('[data-test=visit-photos] .el-image img')
  const thumbnails = await page.$$eval('[data-test=visit-photos] .el-image img', (imgs) => imgs.map((i) => i.getAttribute('src')))
  check(thumbnails.length === args.photos, `every received photo has a thumbnail (${thumbnails.length})`)
  check(thumbnails.every((src) => src.endsWith('/small')), `lists load the small form only: ${thumbnails}`)
  await shot(page, '04-photos')
  await page.locator('[data-test=visit-photos] .el-image img').first().click()
  await page.waitForSelector('.el-image-viewer__img')
  const large = await page.getAttribute('.el-image-viewer__img', 'src')
  check(large.endsWith('/large'), `a click opens the large form (${large})`)
  await shot(page, '05-photo-large')
  await page.keyboard.press('Escape')
  await page.click('#tab-content')

  // Approve with the keyboard, then on to the next visit.
  await page.keyboard.press('a')
  await page.waitForFunction(() => document.querySelector('[data-test=approved-levels]')?.textContent?.includes('乡镇'))
  await page.keyboard.press('j')
  await page.waitForURL(new RegExp(`/visits/${args.second}`))
  await page.waitForFunction(() => document.querySelector('[data-test=queue-position]')?.textContent?.includes('2 /'))
  await page.waitForSelector('[data-test=cooperative-name]')

  await page.click('[data-test=return]')
  await page.fill('[data-test=decision-note]', args.returnNote)
  await page.click('[data-test=decision-confirm]')
  await page.waitForFunction(() => document.querySelector('[data-test=visit-state]')?.textContent === '退回修改')
  await shot(page, '06-returned')
  await signOut(page)

  await signIn(page, args.county)
  // The approval tree: the district has one visit ready for the county and one back with the counsellor.
  await page.click('[data-test=nav-approvals]')
  await page.waitForSelector('[data-test=approval-tree] .el-table__row')
  const district = await page.textContent('[data-test=approval-tree] .el-table__row')
  check(district.includes(args.countyRegion), `the county's own region is listed: ${district}`)
  check((await page.textContent('[data-test=ready-for-me]')).trim() === '1', 'one visit is ready for the county')
  await page.click('[data-test=approval-tree] .el-table__expand-icon')
  await page.waitForFunction((township) => document.querySelector('[data-test=approval-tree]')?.textContent?.includes(township), args.townshipRegion)
  await shot(page, '07-approval-tree')
  await page.click('[data-test=ready-for-me]')
  await page.waitForURL(/awaiting=mine/)
  check(page.url().includes('region='), 'the count opens the queue for that region')
  await page.goto(`${base}/console/reviews?awaiting=mine`)
  await page.waitForSelector('[data-test=queue] .el-table__row')
  check((await page.locator('[data-test=queue] .el-table__row').count()) === 1, 'one visit awaits the county')
  await page.click(`[data-test=queue] a[href$="/visits/${args.first}"]`)
  await page.waitForSelector('[data-test=approve]')
  await page.click('[data-test=approve]')
  await page.waitForFunction(() => document.querySelector('[data-test=visit-state]')?.textContent === '已通过')
  await shot(page, '08-approved')
  noProblems(page)
})
