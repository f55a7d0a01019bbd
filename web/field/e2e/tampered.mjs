// A tampered app (issue 17, test 5): changes the honest app would never make are written straight into the phone's
// IndexedDB — one under another device's actor, one to the server-only `review` map — and synced. The server refuses
// both, holds the device's writes to those cooperatives, and the app shows them as paused with the reason.
import * as A from '@automerge/automerge'
import { scenario, step, check, shot, noProblems, args } from '../../console/e2e/browser.mjs'
import { signedInPhone } from './field.mjs'

/** A document's first change, as every peer makes it (sync/src/document.rs). */
function genesis(id) {
  const uuid = Buffer.from(id.replace(/-/g, ''), 'hex')
  const actor = Buffer.concat([Buffer.from('genesis:'), uuid]).toString('hex')
  return A.change(A.init({ actor }), { time: 0 }, d => {
    d.schema_version = new A.Uint(1)
    d.cooperative_id = new A.ImmutableString(id)
    for (const c of ['profile', 'visits', 'photos', 'review', 'decisions']) d[c] = {}
  })
}

/** Rewrites a cooperative's document in the app's database with `edit`, as a tampered build would. */
async function tamper(page, cooperativeId, actor, edit) {
  const stored = await page.evaluate(async ({ userId, id }) => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(`hezuo-field:${userId}`)
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const record = await new Promise(resolve => {
      const r = db.transaction('docs').objectStore('docs').get(id)
      r.onsuccess = () => resolve(r.result)
    })
    db.close()
    return record.bytes ? Array.from(record.bytes) : null
  }, { userId: args.userId, id: cooperativeId })
  let doc = stored ? A.load(Uint8Array.from(stored), { actor }) : A.clone(genesis(cooperativeId), { actor })
  doc = A.change(doc, edit)
  const bytes = Array.from(A.save(doc))
  const heads = A.getHeads(doc)
  await page.evaluate(async ({ userId, id, bytes, heads }) => {
    const db = await new Promise(resolve => {
      const r = indexedDB.open(`hezuo-field:${userId}`)
      r.onsuccess = () => resolve(r.result)
    })
    const store = db.transaction('docs', 'readwrite').objectStore('docs')
    const record = await new Promise(resolve => {
      const r = store.get(id)
      r.onsuccess = () => resolve(r.result)
    })
    await new Promise(resolve => {
      const tx = db.transaction('docs', 'readwrite')
      tx.objectStore('docs').put({ ...record, bytes: Uint8Array.from(bytes), heads, status: 'pending' }, id)
      tx.oncomplete = resolve
    })
    db.close()
  }, { userId: args.userId, id: cooperativeId, bytes, heads })
}

scenario(async browser => {
  const page = await signedInPhone(browser, args.username)

  await tamper(page, args.forged, args.ownActor, d => {
    d.review.forged = { state: 'approved' }
  })
  await tamper(page, args.foreign, args.foreignActor, d => {
    d.profile.contact_phone = new A.ImmutableString('13000000000')
  })
  await page.reload()
  await page.waitForSelector('[data-test=coop]')
  await page.click('[data-test=tab-outbox]')
  await page.click('[data-test=sync]')
  await page.waitForFunction(() => document.querySelectorAll('[data-test=outbox-item] .status-quarantined').length === 2, null, { timeout: 30000 })
  const listed = await page.textContent('body')
  check(listed.includes('只能由服务器写入'), `the reason for the write to review is shown: ${listed}`)
  check(listed.includes('不是本设备'), `the reason for the foreign actor is shown: ${listed}`)
  await shot(page, 'quarantined')
  await step('refused')
  noProblems(page)
})
