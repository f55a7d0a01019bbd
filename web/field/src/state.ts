// The app's state: who is signed in on this phone, their documents and what is not yet on the server. Every edit is
// checked and stored on the phone before the screen moves on; sync runs whenever a link appears.
import { reactive } from 'vue'
import * as A from '@automerge/automerge/slim'
import { Api, ApiProblem, Offline, SESSION_OVER, type Device, type Session, type Tokens } from './api/client'
import { UserStore, saveSession, savedSession, knownDevice, rememberDevice, type DocRecord } from './local/phone'
import { sync } from './sync/batch'
import { putVisit, putProfile, attachPhotos, view, summarize, type CoopDoc, type Json, type Writer } from './model/docs'
import { preparePhoto, type PreparedPhoto } from './photos/prepare'
import { uploadPhotos, type QueuedPhoto } from './photos/queue'
import { checkOwnChange, type Refusal } from './model/check'
import { newUuid } from './model/uuid'

export const app = reactive({
  ready: false,
  session: null as Session | null,
  records: [] as DocRecord[],
  /** Photos on the phone, without their bytes: what the outbox and the visit show. */
  photos: [] as Omit<QueuedPhoto, 'jpeg'>[],
  syncing: false,
  lastSync: null as string | null,
  lastError: null as string | null,
  online: navigator.onLine,
  storagePersisted: null as boolean | null,
  /** A new version of the app, installed and waiting to take over. */
  updateReady: null as ServiceWorker | null,
  /** The cooperatives I answer for, with when each is due for a visit, as the server last said (kept offline). */
  mine: {} as Record<string, Mine>,
})

/** One of my cooperatives' coverage (GET /api/v1/coverage/cooperatives?counsellor=me). */
export type Mine = { due: string; overdue: boolean; lastVisit?: string; baselineRequired: boolean; baselineDone: boolean }

let api = new Api(null, saveSession)
let store: UserStore | null = null

/** Cooperatives with changes and photos not yet on the server. */
export const unsent = () => app.records.filter(r => r.status !== 'synced').length + app.photos.filter(p => !p.done).length

async function refreshPhotos() {
  app.photos = store ? (await store.photos()).map(({ jpeg: _jpeg, ...rest }) => rest) : []
}

/** The bytes of a photo on this phone, for its thumbnail. */
export async function photoBlob(sha256: string): Promise<Blob | undefined> {
  return (await store?.photo(sha256))?.jpeg
}

export function writer(): Writer {
  const s = app.session
  if (!s?.device) throw new Error('no device')
  return { actor: s.device.actor_id, userId: s.tokens.user.id, deviceId: s.device.id }
}

async function openUser(session: Session) {
  store?.close()
  store = await UserStore.open(session.tokens.user.id)
  api = new Api(session, saveSession)
  app.session = session
  app.mine = (await store.getKv<Record<string, Mine>>('coverage')) ?? {}
  app.records = sortRecords(await store.records())
  await refreshPhotos()
}

/** My cooperatives first, soonest due first; then the rest by name. */
function sortRecords(records: DocRecord[]): DocRecord[] {
  const mine = app.mine
  return records.sort((a, b) => {
    const [ma, mb] = [mine[a.id], mine[b.id]]
    if (ma && mb) return ma.due.localeCompare(mb.due) || a.name.localeCompare(b.name, 'zh-CN')
    if (ma || mb) return ma ? -1 : 1
    return a.name.localeCompare(b.name, 'zh-CN')
  })
}

/** Which cooperatives I answer for and when each is due; kept on the phone for offline use. A server without the
 * coverage API, or a failure, leaves the last list. */
async function pullMine() {
  if (!store) return
  const mine: Record<string, Mine> = {}
  let cursor: string | undefined
  try {
    for (;;) {
      const page = await api.json<{
        items: { cooperative_id: string; due: string; overdue: boolean; last_visit?: string; baseline_required: boolean; baseline_done: boolean }[]
        next_cursor?: string
      }>('GET', `/api/v1/coverage/cooperatives?counsellor=me&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      for (const c of page.items) {
        mine[c.cooperative_id] = { due: c.due, overdue: c.overdue, lastVisit: c.last_visit, baselineRequired: c.baseline_required, baselineDone: c.baseline_done }
      }
      if (!page.next_cursor) break
      cursor = page.next_cursor
    }
  } catch {
    return
  }
  app.mine = mine
  await store.setKv('coverage', mine)
}

export async function start() {
  const session = await savedSession()
  if (session) await openUser(session)
  // Whatever waits (changes, a photo cut off when the app was closed) goes as soon as the app opens with a link.
  if (session && navigator.onLine) setTimeout(() => void syncNow(), 0)
  if (navigator.storage?.persist) {
    app.storagePersisted = (await navigator.storage.persisted()) || (await navigator.storage.persist())
  }
  window.addEventListener('online', () => {
    app.online = true
    void syncNow()
  })
  window.addEventListener('offline', () => (app.online = false))
  app.ready = true
}

/** Signs in and registers this phone as a device of the user (once; signing in again reuses it). */
export async function signIn(username: string, password: string) {
  const name = username.trim().toLowerCase()
  const previous = await knownDevice(name)
  const login = (device_id?: string) => fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-Language': 'zh-CN' },
    body: JSON.stringify({ username: name, password, device_id }),
  })
  let response = await login(previous).catch(e => {
    throw new Offline(String(e))
  })
  if (!response.ok && previous) response = await login()
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}))
    throw new ApiProblem(response.status, String(problem.code), problem.detail ?? problem.title ?? '登录失败')
  }
  const tokens = (await response.json()) as Tokens
  const session: Session = { tokens, device: null }
  const client = new Api(session, saveSession)
  session.device = tokens.device_id
    ? await client.json<Device>('GET', `/api/v1/devices/${tokens.device_id}`)
    : await client.json<Device>('POST', '/api/v1/devices', { name: phoneName(), platform: 'web', app_version: __APP_VERSION__ })
  session.tokens = client.session?.tokens ?? tokens
  await rememberDevice(name, session.device.id)
  await saveSession(session)
  await openUser(session)
}

function phoneName(): string {
  const ua = navigator.userAgent
  const model = /Android[^;]*;\s*([^;)]+)/.exec(ua)?.[1] ?? (/iPhone/.test(ua) ? 'iPhone' : '浏览器')
  return `外勤应用（${model.trim()}）`
}

/** Signs out. Refused while work is not on the server unless `dropUnsent`, which the screen asks for explicitly. */
export async function signOut(dropUnsent = false): Promise<boolean> {
  if (unsent() > 0 && !dropUnsent) return false
  // Offline, the session ends on the phone; the server's ends with its tokens.
  if (navigator.onLine) {
    try {
      await api.request('POST', '/api/v1/auth/logout')
    } catch {
      // The link went at the last moment: as offline.
    }
  }
  await saveSession(null)
  store?.close()
  store = null
  app.session = null
  app.records = []
  app.photos = []
  return true
}

function sessionOver(error: unknown): boolean {
  return error instanceof ApiProblem && SESSION_OVER.has(error.code)
}

/** The cooperatives of my regions (names and regions; their documents come with the next sync). */
export async function pull() {
  if (!store) return
  const known = new Map((await store.records()).map(r => [r.id, r]))
  const added: DocRecord[] = []
  let cursor: string | undefined
  let first = true
  for (;;) {
    const page = await api.json<{ items: { cooperative_id: string; name: string; region_code: string; uscc?: string }[]; removed: string[]; next_cursor?: string }>(
      'GET',
      `/api/v1/sync/manifest${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    if (first) {
      // Cooperatives that left my regions: gone from the phone, unless work on them is still unsent.
      for (const id of page.removed) {
        const record = known.get(id)
        if (!record) continue
        if (record.heads.join() === record.acked.join()) {
          await store.db.delete('docs', id)
          known.delete(id)
        } else {
          record.status = 'out_of_scope'
          record.message = '该合作社已不在您的负责范围内，本地未同步的内容已保留'
          added.push(record)
        }
      }
      first = false
    }
    for (const item of page.items) {
      const existing = known.get(item.cooperative_id)
      const record = existing ?? store.newRecord(item.cooperative_id, item.name, item.region_code)
      record.name = item.name
      record.regionCode = item.region_code
      record.uscc = item.uscc
      added.push(record)
    }
    if (!page.next_cursor) break
    cursor = page.next_cursor
  }
  await store.saveRecords(added)
  await pullMine()
  app.records = sortRecords(await store.records())
}

/** The list refreshed by hand: the manifest of my regions again (new or reassigned cooperatives), then a sync. */
export async function refreshAll(): Promise<void> {
  if (!navigator.onLine) return syncNow()
  try {
    await pull()
  } catch (error) {
    app.lastError = error instanceof Offline ? '没有网络，连上后自动同步' : error instanceof Error ? error.message : String(error)
  }
  await syncNow()
}

export async function syncNow(): Promise<void> {
  if (!store || !app.session || app.syncing) return
  if (!navigator.onLine) {
    app.lastError = '没有网络，连上后自动同步'
    return
  }
  app.syncing = true
  try {
    if (app.records.length === 0) await pull()
    await sync(store, api, writer().actor, records => (app.records = sortRecords([...records])))
    // Photos follow their visits: a photo the server does not expect yet would be refused.
    await uploadPhotos(api, store, () => void refreshPhotos())
    app.lastSync = new Date().toISOString()
    app.lastError = null
  } catch (error) {
    if (sessionOver(error)) {
      app.lastError = '登录已失效，请重新登录；未同步的内容仍保存在手机上'
    } else if (error instanceof Offline) {
      app.lastError = '没有网络，连上后自动同步'
    } else {
      app.lastError = error instanceof Error ? error.message : String(error)
    }
  } finally {
    app.syncing = false
    app.records = sortRecords(await store.records())
    await refreshPhotos()
    schedulePhotoRetry()
  }
}

let retryTimer: number | undefined
/** Photos that failed wait for their retry time; try again then, while the app is open and online. */
function schedulePhotoRetry() {
  clearTimeout(retryTimer)
  const next = app.photos.filter(p => !p.done && !p.rejected).map(p => p.retryAt ?? 0)
  if (!next.length || !app.online) return
  retryTimer = window.setTimeout(() => void syncNow(), Math.max(1000, Math.min(...next) - Date.now()))
}

export async function documentOf(id: string): Promise<{ record: DocRecord; doc: CoopDoc } | null> {
  if (!store || !app.session?.device) return null
  const record = await store.record(id)
  if (!record) return null
  return { record, doc: view(store.load(record, app.session.device.actor_id)) }
}

/** Applies an edit as this device's change, checks it like the server, and stores it before returning. */
async function commit(id: string, edit: (doc: A.Doc<CoopDoc>) => A.Doc<CoopDoc>): Promise<Refusal | null> {
  if (!store) throw new Error('not signed in')
  // Measured (load, edit, check, save, store): `bench-field` reads these marks.
  const started = performance.now()
  try {
    return await commitMeasured(id, edit)
  } finally {
    performance.measure('hezuo-commit', { start: started, end: performance.now() })
  }
}

async function commitMeasured(id: string, edit: (doc: A.Doc<CoopDoc>) => A.Doc<CoopDoc>): Promise<Refusal | null> {
  if (!store) throw new Error('not signed in')
  const record = await store.record(id)
  if (!record) throw new Error('unknown cooperative')
  const w = writer()
  const before = store.load(record, w.actor)
  const after = edit(before)
  if (A.getHeads(after).join() === A.getHeads(before).join()) return null
  const refusal = checkOwnChange(before, after, w)
  if (refusal) return refusal
  record.bytes = A.save(after)
  record.heads = A.getHeads(after)
  record.summary = summarize(after)
  if (record.status === 'synced' || record.status === 'error') record.status = 'pending'
  await store.saveRecords([record])
  const index = app.records.findIndex(r => r.id === id)
  if (index >= 0) app.records[index] = record
  return null
}

export function saveVisit(cooperativeId: string, visitId: string, visit: Record<string, Json>) {
  return commit(cooperativeId, doc => putVisit(doc, visitId, visit, Date.now()))
}

export function saveProfile(cooperativeId: string, profile: Record<string, Json>) {
  return commit(cooperativeId, doc => putProfile(doc, profile, Date.now()))
}

/** Camera originals made ready on the phone and attached to the visit in one change; they upload when a link appears. */
export async function addPhotos(cooperativeId: string, visitId: string, visit: Record<string, Json>, files: Blob[]): Promise<Refusal | null> {
  if (!store) throw new Error('not signed in')
  const prepared: PreparedPhoto[] = []
  for (const file of files) prepared.push(await preparePhoto(file))
  // The bytes are stored before the visit names them, so a visit never names a photo the phone lost.
  const known = new Set((await store.photos()).map(p => p.sha256))
  const added = prepared.filter(p => !known.has(p.sha256))
  await store.savePhotos(
    added.map(p => ({ sha256: p.sha256, cooperativeId, visitId, bytes: p.jpeg.size, jpeg: p.jpeg, width: p.width, height: p.height, confirmed: 0, failures: 0 })),
  )
  const refusal = await commit(cooperativeId, doc =>
    attachPhotos(
      doc,
      visitId,
      visit,
      prepared.map(p => ({
        sha256: p.sha256,
        meta: {
          visit_id: visitId,
          taken_at: p.exif.takenAtMs ?? null,
          position: p.exif.lat !== undefined && p.exif.lon !== undefined ? { lat: p.exif.lat, lon: p.exif.lon, datum: 'wgs84' } : null,
          width: p.width,
          height: p.height,
          bytes: p.jpeg.size,
          mime: 'image/jpeg',
        },
      })),
      Date.now(),
    ),
  )
  if (refusal) {
    for (const p of added) await store.db.delete('photos', p.sha256)
    await refreshPhotos()
    return refusal
  }
  await refreshPhotos()
  return null
}

/** A cooperative found in the field: its document is created here and registered by the server when it syncs. */
export async function createCooperative(name: string, regionCode: string, uscc?: string): Promise<{ id: string } | { refusal: Refusal }> {
  if (!store) throw new Error('not signed in')
  const id = newUuid()
  const record = store.newRecord(id, name, regionCode)
  record.status = 'pending'
  await store.saveRecords([record])
  const refusal = await commit(id, doc => putProfile(doc, { name, region_code: regionCode, ...(uscc ? { uscc } : {}) }, Date.now()))
  if (refusal) {
    await store.db.delete('docs', id)
    app.records = sortRecords(await store.records())
    return { refusal }
  }
  app.records = sortRecords(await store.records())
  return { id }
}
