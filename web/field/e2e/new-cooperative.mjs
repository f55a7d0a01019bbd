// Finding cooperatives on the phone by pinyin initials and by credit code, and a cooperative found in the field that
// the register lacks: created offline, it reaches the server (pending verification) with the next sync.
import { scenario, report, check, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone } from './field.mjs'

scenario(async browser => {
  const page = await signedInPhone(browser, args.username)

  await page.fill('[data-test=search] input', args.initials)
  await page.waitForFunction(n => document.querySelectorAll('[data-test=coop]').length === n, 1)
  check((await page.textContent('[data-test=coop]')).includes(args.name), `pinyin initials ${args.initials} find ${args.name}`)
  await page.fill('[data-test=search] input', args.uscc)
  await page.waitForFunction(n => document.querySelectorAll('[data-test=coop]').length === n, 1)
  check((await page.textContent('[data-test=coop]')).includes(args.name), 'the credit code finds it')
  await shot(page, '1-search')

  await page.context().setOffline(true)
  await page.fill('[data-test=search] input', '')
  await page.click('[data-test=new-cooperative]')
  await page.fill('[data-test=new-name] input', args.newName)
  await page.fill('[data-test=new-region] input', args.region)
  await page.fill('[data-test=new-uscc] input', args.badUscc)
  await page.click('[data-test=create]')
  check((await page.textContent('[data-test=error]')).includes('校验位'), 'a wrong check character is refused on the phone')
  await page.fill('[data-test=new-uscc] input', '')
  await page.click('[data-test=create]')
  await page.waitForURL(/\/field\/coop\//)
  report('id', page.url().split('/coop/')[1])
  await shot(page, '2-created')

  await page.context().setOffline(false)
  await page.evaluate(() => window.dispatchEvent(new Event('online')))
  await page.click('[data-test=tab-outbox]')
  await page.waitForSelector('[data-test=all-synced]', { timeout: 30000 })
  noProblems(page)
})
