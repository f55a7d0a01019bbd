// What every console scenario shares: Debian's Chromium driven by playwright-core, a signed-in page, screenshots,
// checks that fail loudly, and steps where the Rust test acts between two things the browser does.
//
// Run by tests/tests/api/console.rs: `node e2e/<scenario>.mjs` with HEZUO_URL (the server), HEZUO_PASSWORD (the
// personas' password), HEZUO_ARGS (JSON from the test) and optionally HEZUO_SCREENSHOTS (a folder).
import { chromium } from 'playwright-core'
import { createInterface } from 'node:readline'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const base = process.env.HEZUO_URL
export const password = process.env.HEZUO_PASSWORD
export const args = JSON.parse(process.env.HEZUO_ARGS || '{}')
const shots = process.env.HEZUO_SCREENSHOTS

const stdin = createInterface({ input: process.stdin })
const lines = stdin[Symbol.asyncIterator]()

/** Hands over to the Rust test (which acts, e.g. a phone syncs an edit) and waits until it is done; the test's
 * answer (JSON) is returned. */
export async function step(name, payload = null) {
  process.stdout.write(`step ${name} ${JSON.stringify(payload)}\n`)
  const answer = await lines.next()
  if (answer.done) throw new Error(`the test went away during step ${name}`)
  return answer.value ? JSON.parse(answer.value) : null
}

/** Reports a figure or fact back to the Rust test. */
export function report(name, value) {
  process.stdout.write(`report ${name} ${JSON.stringify(value)}\n`)
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`)
}

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.HEZUO_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return browser
}

const pages = []

/** A fresh browser profile with a page that records script errors, CSP violations and dialogs. */
export async function newPage(browser, { locale = 'zh-CN', phone = false, geolocation = null } = {}) {
  // A phone: a 360×640 touch screen, as the field app is made for.
  const screen = phone
    ? { viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
    : { viewport: { width: 1440, height: 900 } }
  // A position the phone reports once the user allows it.
  const position = geolocation ? { geolocation, permissions: ['geolocation'] } : {}
  const context = await browser.newContext({ locale, ...screen, ...position })
  const page = await context.newPage()
  pages.push(page)
  page.problems = []
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.problems.push(`console: ${m.text()}`)
  })
  // An injected script would show itself with alert(); none may ever run.
  page.on('dialog', async (d) => {
    page.problems.push(`dialog opened: ${d.message()}`)
    await d.dismiss()
  })
  return page
}

export async function signIn(page, username) {
  await page.goto(`${base}/console/sign-in`)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/console\/reviews/)
  await page.waitForSelector('[data-test=who]')
}

export async function signOut(page) {
  await page.click('[data-test=sign-out]')
  await page.waitForURL(/\/console\/sign-in/)
}

export async function shot(page, name, { fullPage = true } = {}) {
  if (!shots) return
  mkdirSync(shots, { recursive: true })
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage })
}

/** Fails on anything the pages reported; call at the end of a scenario. */
export function noProblems(...pages) {
  const problems = pages.flatMap((p) => p.problems)
  check(problems.length === 0, problems.join('\n'))
}

/** Runs a scenario, closing the browser and exiting non-zero on failure. */
export async function scenario(body) {
  const browser = await launch()
  try {
    await body(browser)
    process.stdout.write('done\n')
  } catch (e) {
    process.stderr.write(`${e.stack || e}\n`)
    for (const [i, page] of pages.entries()) {
      const text = await page.evaluate(() => document.body.innerText).catch(() => '')
      process.stderr.write(`--- page ${i} at ${page.url()}:\n${text.slice(0, 3000)}\n`)
      if (page.problems.length) process.stderr.write(`--- page ${i} reported:\n${page.problems.join('\n')}\n`)
      await shot(page, `failure-${i}`).catch(() => {})
    }
    process.exitCode = 1
  } finally {
    await browser.close()
    stdin.close()
  }
}
