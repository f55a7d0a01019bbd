// A reviewer returns a visit (issue 17, test 4): after the next sync the note is in the app's tasks, the counsellor
// opens the visit from there, fixes it and submits it again; the reviewers then approve it.
import { scenario, step, check, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone, openCooperative, waitForSync } from './field.mjs'

scenario(async browser => {
  const page = await signedInPhone(browser, args.username)
  await openCooperative(page, args.cooperative)
  await page.click('[data-test=new-visit]')
  await page.click('[data-test="meta.visit_type"] >> text=日常联系')
  await page.fill('[data-test=notes] textarea', '第一次填写')
  await page.click('[data-test=submit]')
  await page.waitForSelector('[data-test=new-visit]')
  await waitForSync(page)
  await step('submitted')

  // The reviewer returned it; the next sync brings the note.
  await page.click('[data-test=tab-outbox]')
  await page.click('[data-test=sync]')
  await page.click('[data-test=tab-tasks]')
  await page.waitForSelector('[data-test=task]', { timeout: 30000 })
  const task = await page.textContent('[data-test=task]')
  check(task.includes(args.note), `the task shows the reviewer's note: ${task}`)
  await shot(page, '1-task')
  await page.click('[data-test=task]')
  await page.waitForSelector('[data-test=review-note]')
  check((await page.textContent('[data-test=review-note]')).includes(args.note), 'the visit shows the note')
  await page.fill('[data-test=notes] textarea', args.fixed)
  await page.waitForFunction(() => document.querySelector('[data-test=saved]')?.textContent === '已保存在手机')
  await shot(page, '2-fixing')
  await page.click('[data-test=submit]')
  await page.waitForURL(url => !url.pathname.includes('/visit/'))
  await waitForSync(page)
  await step('resubmitted')

  // Approved: after a sync the task is gone and the visit says so.
  await page.click('[data-test=tab-outbox]')
  await page.click('[data-test=sync]')
  await page.click('[data-test=tab-tasks]')
  await page.waitForFunction(() => !document.querySelector('[data-test=task]') || document.querySelector('[data-test=task]').textContent.includes('已重新提交'), null, { timeout: 30000 })
  await openCooperative(page, args.cooperative)
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=visit]')].some(v => v.textContent.includes('已通过')), null, { timeout: 30000 })
  await shot(page, '3-approved')
  noProblems(page)
})
