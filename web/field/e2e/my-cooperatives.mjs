// The cooperatives I answer for come first, tagged 我负责 with when each is due; the one never visited is in the
// tasks' visits due — and both stay so with the network off after a reload.
import { scenario, check, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone } from './field.mjs'

scenario(async browser => {
  const page = await signedInPhone(browser, args.username)
  await page.waitForSelector('[data-test=coop]')
  const first = page.locator('[data-test=coop]').first()
  check((await first.textContent()).includes(args.mine), `my cooperative comes first: ${await first.textContent()}`)
  check((await first.locator('[data-test=mine]').count()) === 1, 'it is tagged 我负责')
  check((await first.textContent()).includes('从未走访'), 'with when it is due')
  const second = page.locator('[data-test=coop]').nth(1)
  check((await second.locator('[data-test=mine]').count()) === 0, 'the others are not mine')
  await shot(page, '1-list')

  await page.click('[data-test=tab-tasks]')
  await page.waitForSelector('[data-test=revisit]')
  const due = await page.textContent('[data-test=revisit]')
  check(due.includes(args.mine) && due.includes('从未走访'), `the tasks list it as due: ${due}`)
  await shot(page, '2-tasks')

  await page.context().setOffline(true)
  await page.reload()
  await page.waitForSelector('[data-test=revisit]')
  check((await page.textContent('[data-test=revisit]')).includes(args.mine), 'kept on the phone without a link')
  await page.click('[data-test=tab-coops]')
  await page.waitForSelector('[data-test=coop] [data-test=mine]')
  noProblems(page)
})
