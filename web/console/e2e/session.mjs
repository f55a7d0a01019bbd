// The console's session: an expired access token is renewed without the user noticing; a session an administrator
// ends sends the user to the sign-in page with the reason; the refresh token is never readable by the page.
import { args, base, check, newPage, noProblems, scenario, shot, signIn, step } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.username)
  const context = page.context()
  const access = (await context.cookies()).find((c) => c.name === 'hezuo_access')
  check(access && access.httpOnly && access.sameSite === 'Strict', 'the access token is an HttpOnly, SameSite=Strict cookie')
  const refresh = (await context.cookies(`${base}/api/v1/auth/web/refresh`)).find((c) => c.name === 'hezuo_refresh')
  check(refresh && refresh.httpOnly && refresh.path === '/api/v1/auth/web', 'the refresh token is sent to the refresh route only')

  // A request without the CSRF token is refused even with the cookie.
  const forged = await page.evaluate(async () => {
    const response = await fetch('/api/v1/visits/00000000-0000-7000-8000-000000000000/comments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ note: 'x' }),
    })
    return (await response.json()).code
  })
  check(forged === 'csrf_token_invalid', `a request without the CSRF token is refused (${forged})`)

  const expired = await step('expired-token', { token: access.value })
  await context.addCookies([{ ...access, value: expired }])
  await page.goto(`${base}/console/reviews?state=all`)
  await page.waitForSelector('[data-test=queue]')
  check(page.url().includes('/console/reviews'), 'still signed in after the token expired')
  const renewed = (await context.cookies()).find((c) => c.name === 'hezuo_access')
  check(renewed.value !== expired, 'the access token was renewed')

  await step('end-session')
  await page.click('[data-test=state-approved]')
  await page.waitForURL(/\/console\/sign-in/)
  await page.waitForSelector('[data-test=session-ended]')
  const message = await page.textContent('[data-test=session-ended]')
  check(message.includes('登录会话已失效'), `the reason is shown: ${message}`)
  await shot(page, '01-session-ended')
  // The console signs out without waiting for the answer; on a loaded machine the cookies go a moment later.
  const cookiesGone = async () => !(await context.cookies()).some((c) => c.name === 'hezuo_access' && c.value)
  for (let tries = 0; tries < 50 && !(await cookiesGone()); tries++) await page.waitForTimeout(100)
  check(await cookiesGone(), 'the cookies are gone')
  noProblems(page)
})
