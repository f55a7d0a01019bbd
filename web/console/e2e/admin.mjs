// Administration: a new account refused for a common password (the reason at the password field), then created;
// a rule set with an unknown key refused with the server's words under the editor, then a new version installed;
// the audit log filtered to the account's creation.
import { args, check, newPage, noProblems, scenario, shot, signIn } from './browser.mjs'

await scenario(async (browser) => {
  const page = await newPage(browser)
  await signIn(page, args.admin)
  await page.click('[data-test=nav-admin]')
  await page.waitForSelector('[data-test=users] .el-table__row')

  await page.click('[data-test=new-user]')
  await page.fill('[data-test=user-dialog] input[name=new-username]', args.username)
  await page.fill('[data-test=user-dialog] input[name=display-name]', '测试辅导员')
  await page.fill('[data-test=user-dialog] input[name=region-codes]', args.region)
  await page.fill('[data-test=user-dialog] input[name=new-password]', '1234567890')
  await page.click('[data-test=save-user]')
  await page.waitForSelector('[data-test=password-item] .el-form-item__error')
  const refusal = await page.textContent('[data-test=password-item] .el-form-item__error')
  check(refusal.length > 0, `the password's problem is shown at the field: ${refusal}`)
  await shot(page, '01-password-refused')
  await page.fill('[data-test=user-dialog] input[name=new-password]', args.password)
  await page.click('[data-test=save-user]')
  await page.waitForFunction((u) => document.querySelector('[data-test=users]')?.textContent?.includes(u), args.username)

  await page.click('#tab-rules')
  await page.waitForSelector('[data-test=rule-sets] .el-table__row')
  const editor = page.locator('[data-test=rules-editor-text] textarea, textarea[data-test=rules-editor-text]').first()
  const original = await editor.inputValue()
  check(original.includes('version'), 'the active rule set is in the editor as TOML')
  await editor.fill(`${original}\nnot_a_rule = 3\n`)
  await page.click('[data-test=rules-editor-install]')
  await page.waitForSelector('[data-test=rules-editor-error]')
  check((await page.textContent('[data-test=rules-editor-error]')).includes('not_a_rule'), 'the unknown key is named')
  await shot(page, '02-rules-refused')
  await editor.fill(original.replace(/^version = "[^"]*"/m, `version = "${args.ruleVersion}"`))
  await page.click('[data-test=rules-editor-install]')
  await page.waitForFunction((v) => document.querySelector('[data-test=rule-sets]')?.textContent?.includes(v), args.ruleVersion)

  await page.click('#tab-audit')
  await page.fill('[data-test=audit-action]', 'user.')
  await page.click('[data-test=audit-search]')
  await page.waitForFunction(() => document.querySelector('[data-test=audit]')?.textContent?.includes('user.create'))
  await shot(page, '03-audit')
  noProblems(page)
})
