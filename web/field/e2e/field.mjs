// What the field app's scenarios share on top of the console's helpers (browser.mjs).
import { newPage, password, base } from '../../console/e2e/browser.mjs'

/** A phone with the app open and `username` signed in, the first sync done. */
export async function signedInPhone(browser, username, options = {}) {
  const page = await newPage(browser, { phone: true, ...options })
  await page.goto(`${base}/field/`)
  await signIn(page, username)
  return page
}

/** Signs in on the app's sign-in page and waits for the first sync to end. */
export async function signIn(page, username) {
  await page.fill('[data-test=username] input', username)
  await page.fill('[data-test=password] input', password)
  await page.click('[data-test=sign-in]')
  await page.waitForSelector('[data-test=banner]', { timeout: 30000 })
  await waitForSync(page)
}

/** Until no sync runs and nothing waits for the server. */
export async function waitForSync(page, timeout = 60000) {
  await page.waitForFunction(
    () => !document.body.textContent.includes('同步中') && document.querySelector('[data-test=unsent]')?.textContent?.includes('待上传 0'),
    null,
    { timeout },
  )
}

/** Opens a cooperative from the list by its name. */
export async function openCooperative(page, name) {
  await page.click('[data-test=tab-coops]')
  await page.fill('[data-test=search] input', name)
  await page.click(`[data-test=coop]:has-text("${name}")`)
}
