// The HTTP batch sync (mobile-api/src/sync.rs), as the Rust SDK runs it (mobile-api/src/client/fieldwork.rs): the
// documents with local changes go up as automerge sync messages carrying everything after what the server is known to
// hold; every other document goes as one 8-byte summary. A reconnect with nothing new is one round trip.
import * as A from '@automerge/automerge/slim'
import { encode, decode, type CborValue } from './cbor'
import { bytesToUuid, headsDigest, sameHeads, summaryDigest, uuidToBytes, equalBytes } from './digest'
import { bloomOf } from './bloom'
import type { Api } from '../api/client'
import type { DocRecord, UserStore } from '../local/phone'
import { summarize, type CoopDoc } from '../model/docs'

const MAX_ROUNDS = 8

export type SyncReport = { roundTrips: number; sent: number; updated: number; problems: number }

type Entry = { i: Uint8Array; h?: Uint8Array; m?: Uint8Array }
type Reply = { i: Uint8Array; m?: Uint8Array; e?: { k: string; r?: boolean; z: string; n: string }; a?: Uint8Array; c?: boolean }

/** The heads a sync state records as shared: its encoding is 0x43, a count, then 32-byte hashes. */
function sharedHeads(state: A.SyncState): string[] {
  const bytes = A.encodeSyncState(state)
  let at = 1
  let count = 0
  let shift = 0
  for (;;) {
    const b = bytes[at++]
    count |= (b & 0x7f) << shift
    shift += 7
    if (!(b & 0x80)) break
  }
  const heads: string[] = []
  for (let i = 0; i < count; i++) {
    heads.push(Array.from(bytes.subarray(at, at + 32), b => b.toString(16).padStart(2, '0')).join(''))
    at += 32
  }
  return heads
}

/** Everything after `acked`, in one message, with a Bloom filter of it so the server sends back only what it adds. */
export function messageSince(doc: A.Doc<CoopDoc>, acked: string[]): Uint8Array {
  const changes = A.getChangesSince(doc, acked)
  const hashes = changes.map(c => A.decodeChange(c).hash)
  return A.encodeSyncMessage({
    heads: A.getHeads(doc),
    need: [],
    have: [{ lastSync: acked, bloom: bloomOf(hashes) }],
    changes,
  })
}

async function gzip(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

function problemStatus(code: string): DocRecord['status'] {
  if (code === 'quarantined' || code === 'refused') return 'quarantined'
  if (code === 'out_of_scope' || code === 'merged') return 'out_of_scope'
  return 'error'
}

export async function sync(store: UserStore, api: Api, actor: string, onRecords?: (records: DocRecord[]) => void): Promise<SyncReport> {
  const records = await store.records()
  const byId = new Map(records.map(r => [r.id, r]))
  const open = new Map<string, { doc: A.Doc<CoopDoc>; state: A.SyncState }>()
  const report: SyncReport = { roundTrips: 0, sent: 0, updated: 0, problems: 0 }
  const problems = new Set<string>()
  let entries: Entry[] = []
  let unchanged: { id: string; heads: string[] }[] = []
  for (const record of records) {
    if (record.status === 'out_of_scope' || record.status === 'quarantined') continue
    if (sameHeads(record.heads, record.acked)) {
      unchanged.push({ id: record.id, heads: record.heads })
      continue
    }
    const doc = store.load(record, actor)
    entries.push({ i: uuidToBytes(record.id), m: messageSince(doc, record.acked) })
    record.status = 'syncing'
    report.sent++
  }
  await store.saveRecords(records.filter(r => r.status === 'syncing'))
  onRecords?.(records)
  let summary: { n: number; h: Uint8Array } | undefined = unchanged.length ? { n: unchanged.length, h: summaryDigest(unchanged) } : undefined
  try {
    for (let round = 0; round < MAX_ROUNDS && (entries.length || summary); round++) {
      const body = await gzip(encode({ v: 1, d: entries, s: summary } as unknown as CborValue))
      const response = await api.request('POST', '/api/v1/sync', undefined, {
        body: body as BodyInit,
        headers: { 'Content-Type': 'application/cbor', 'Content-Encoding': 'gzip', Accept: 'application/cbor' },
      })
      report.roundTrips++
      const answer = decode(new Uint8Array(await response.arrayBuffer())) as { d: Reply[]; w?: boolean }
      entries = []
      summary = undefined
      if (answer.w) {
        for (const u of unchanged) entries.push({ i: uuidToBytes(u.id), h: headsDigest(u.heads) })
        unchanged = []
      }
      const touched: DocRecord[] = []
      for (const reply of answer.d) {
        const record = byId.get(bytesToUuid(reply.i))
        if (!record) continue
        touched.push(record)
        if (reply.e) {
          record.status = problemStatus(reply.e.k)
          record.message = reply.e.z
          problems.add(record.id)
          if (!reply.m) continue
        }
        if (reply.a) {
          if (equalBytes(reply.a, headsDigest(record.heads))) record.acked = [...record.heads]
          continue
        }
        if (!reply.m) continue
        let current = open.get(record.id)
        if (!current) {
          current = { doc: store.load(record, actor), state: record.syncState ? A.decodeSyncState(record.syncState) : A.initSyncState() }
          open.set(record.id, current)
        }
        const before = A.getHeads(current.doc)
        ;[current.doc, current.state] = A.receiveSyncMessage(current.doc, current.state, reply.m)
        const heads = A.getHeads(current.doc)
        if (!sameHeads(before, heads)) {
          record.bytes = A.save(current.doc)
          record.summary = summarize(current.doc)
          report.updated++
        }
        record.heads = heads
        record.acked = sharedHeads(current.state)
        if (reply.e) continue
        // In step with the server: nothing to answer; the next sync's summary tells it so.
        if (sameHeads(A.decodeSyncMessage(reply.m).heads, heads)) {
          record.acked = heads
        } else {
          const [state, next] = A.generateSyncMessage(current.doc, current.state)
          current.state = state
          if (next) entries.push({ i: reply.i, m: next })
        }
        record.syncState = A.encodeSyncState(current.state)
      }
      // Durable before the next round: what arrived is never fetched twice.
      await store.saveRecords(touched)
    }
  } catch (error) {
    for (const record of records) {
      if (record.status === 'syncing') {
        record.status = 'error'
        record.message = '同步中断，将自动重试'
      }
    }
    await store.saveRecords(records.filter(r => r.status === 'error'))
    onRecords?.(records)
    throw error
  }
  // Only records whose status moved are written again: a reconnect with nothing new writes nothing.
  const moved: DocRecord[] = []
  for (const record of records) {
    if (problems.has(record.id) || record.status === 'out_of_scope' || record.status === 'quarantined') continue
    const status = sameHeads(record.heads, record.acked) ? 'synced' : 'pending'
    if (record.status !== status || record.message !== undefined) {
      record.status = status
      record.message = undefined
      moved.push(record)
    }
  }
  report.problems = problems.size
  await store.saveRecords(moved)
  onRecords?.(records)
  return report
}
