// The cooperative documents on the phone: created exactly as every other phone and the server create them (the same
// genesis change, byte for byte), edited as the Rust SDK edits them (only what changed, each value of the type the
// schema names), and checked against the trust boundary's rules before a change is kept.
import * as A from '@automerge/automerge/slim'
import { type Desc, visitSchema, profileSchema, documentSchema } from './schema'
import { uuidToBytes, bytesToHex } from '../sync/digest'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type CoopDoc = Record<string, any>

const CONTAINERS = ['profile', 'visits', 'photos', 'review', 'decisions']

export function genesisActor(cooperativeId: string): string {
  return bytesToHex(new TextEncoder().encode('genesis:')) + bytesToHex(uuidToBytes(cooperativeId))
}

/** The first change of every cooperative document: a pure function of the id (sync/src/document.rs `genesis`). */
export function genesis(cooperativeId: string): A.Doc<CoopDoc> {
  const doc = A.init<CoopDoc>({ actor: genesisActor(cooperativeId) })
  return A.change(doc, { time: 0 }, d => {
    d.schema_version = new A.Uint(1)
    d.cooperative_id = new A.ImmutableString(cooperativeId)
    for (const c of CONTAINERS) d[c] = {}
  })
}

const genesisHashes = new Map<string, string>()
export function genesisHash(cooperativeId: string): string {
  let hash = genesisHashes.get(cooperativeId)
  if (!hash) {
    hash = A.getHeads(genesis(cooperativeId))[0]
    genesisHashes.set(cooperativeId, hash)
  }
  return hash
}

/** A value as the document stores it for this schema type: the Rust SDK's types, so both read alike. */
function stored(value: Json, desc: Desc): unknown {
  switch (desc.t) {
    case 'string':
    case 'day':
    case 'hash':
    case 'vocab':
      return new A.ImmutableString(String(value))
    case 'float':
      return new A.Float64(Number(value))
    case 'int':
      return desc.min >= 0 ? new A.Uint(Number(value)) : new A.Int(Number(value))
    default:
      return value
  }
}

function plain(value: unknown): unknown {
  if (value instanceof A.ImmutableString) return value.val
  if (typeof value === 'object' && value !== null && 'value' in (value as object) && typeof (value as { value: unknown }).value === 'number') {
    return (value as { value: number }).value
  }
  return value
}

function isAbsent(value: Json | undefined): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
}

/** Writes `value` into `target[key]` touching only what differs, as autosurgeon reconciles in the Rust SDK. */
function reconcile(target: any, key: string | number, value: Json | undefined, desc: Desc) {
  if (isAbsent(value)) {
    if (typeof key === 'string' && key in target) delete target[key]
    return
  }
  if (desc.t === 'record') {
    if (typeof target[key] !== 'object' || target[key] === null || Array.isArray(target[key])) target[key] = {}
    const into = target[key]
    const record = value as Record<string, Json>
    for (const [field, fieldDesc] of Object.entries(desc.fields)) {
      if (field in record || field in into) reconcile(into, field, record[field], fieldDesc)
    }
    return
  }
  if (desc.t === 'list') {
    if (!Array.isArray(target[key])) target[key] = []
    const list = target[key] as unknown[]
    const items = value as Json[]
    items.forEach((item, i) => {
      if (desc.of.t === 'record') {
        if (i >= list.length) list.push({})
        reconcile(list, i, item, desc.of)
      } else if (i >= list.length) list.push(stored(item, desc.of))
      else if (plain(list[i]) !== item) list[i] = stored(item, desc.of)
    })
    if (list.length > items.length) list.splice(items.length, list.length - items.length)
    return
  }
  if (plain(target[key]) !== value) target[key] = stored(value as Json, desc)
}

export type Writer = { actor: string; userId: string; deviceId: string }

/** Saves a visit as one change by this device (nothing when nothing differs). */
export function putVisit(doc: A.Doc<CoopDoc>, visitId: string, visit: Record<string, Json>, time: number): A.Doc<CoopDoc> {
  return A.change(doc, { time }, d => {
    reconcile(d.visits, visitId, visit, visitSchema)
  })
}

/** Attaches photos to a visit in one change: their details under `photos` and their hashes in the visit's
 * `expected_photos`, so the visit syncs at once and the server knows which photos to expect. */
export function attachPhotos(
  doc: A.Doc<CoopDoc>,
  visitId: string,
  visit: Record<string, Json>,
  photos: { sha256: string; meta: Record<string, Json> }[],
  time: number,
): A.Doc<CoopDoc> {
  const photoSchema = (documentSchema.fields.photos as Extract<Desc, { t: 'map' }>).of
  const expected = [...((visit.expected_photos as string[]) ?? [])]
  for (const p of photos) if (!expected.includes(p.sha256)) expected.push(p.sha256)
  return A.change(doc, { time }, d => {
    for (const p of photos) reconcile(d.photos, p.sha256, p.meta, photoSchema)
    reconcile(d.visits, visitId, { ...visit, expected_photos: expected }, visitSchema)
  })
}

export function putProfile(doc: A.Doc<CoopDoc>, profile: Record<string, Json>, time: number): A.Doc<CoopDoc> {
  return A.change(doc, { time }, d => {
    const current = d.profile
    for (const [field, desc] of Object.entries(profileSchema.fields)) {
      if (field in profile || field in current) reconcile(current, field, profile[field], desc)
    }
  })
}

/** The document as plain values (strings, numbers), for forms and checks. */
export function view(doc: A.Doc<CoopDoc>): CoopDoc {
  return JSON.parse(JSON.stringify(doc, (_k, v) => (v instanceof A.ImmutableString ? v.val : typeof v === 'bigint' ? Number(v) : v)))
}

/** What the cooperative list shows of a document: the last visit's day, the star, the clean-up decision and the
 * re-visit it asks for. */
export function summarize(doc: A.Doc<CoopDoc>): { lastVisit?: string; star?: string; cleanup?: string; revisitDue?: string } {
  const visits = Object.values((doc.visits ?? {}) as Record<string, any>)
  const days = visits.map(v => String(v.meta?.visit_date ?? '')).filter(Boolean).sort()
  const star = doc.decisions?.star?.outcome
  const cleanup = doc.decisions?.cleanup
  return {
    lastVisit: days[days.length - 1],
    star: star === undefined ? undefined : String(star),
    cleanup: cleanup?.outcome === undefined ? undefined : String(cleanup.outcome),
    revisitDue: cleanup?.revisit_due === undefined ? undefined : String(cleanup.revisit_due),
  }
}
