// What the phone keeps: the saved session in the phone's own database, and per user the documents with their sync
// state, the photo queue and small settings. Each user has a database of their own.
import * as A from '@automerge/automerge/slim'
import { Database } from './idb'
import type { Session } from '../api/client'
import { genesis, genesisHash, type CoopDoc } from '../model/docs'
import type { QueuedPhoto } from '../photos/queue'

export type DocStatus = 'pending' | 'syncing' | 'synced' | 'error' | 'quarantined' | 'out_of_scope'

export type DocRecord = {
  id: string
  name: string
  regionCode: string
  /** 统一社会信用代码 from the register, for search. */
  uscc?: string
  /** `A.save` of the document; absent until the first change arrives (the genesis is computed). */
  bytes?: Uint8Array
  /** `A.encodeSyncState` of the exchange with the server. */
  syncState?: Uint8Array
  heads: string[]
  /** The heads the server is known to hold. */
  acked: string[]
  status: DocStatus
  /** Why, in Chinese, for error / quarantined / out_of_scope. */
  message?: string
  /** What the list shows, read from the document whenever it changes. */
  summary?: DocSummary
}

export type DocSummary = { lastVisit?: string; star?: string; cleanup?: string; revisitDue?: string }

let phoneDb: Promise<Database> | null = null
const phone = () => (phoneDb ??= Database.open('hezuo-field'))

export async function savedSession(): Promise<Session | null> {
  return (await (await phone()).get<Session>('kv', 'session')) ?? null
}

export async function saveSession(session: Session | null) {
  const db = await phone()
  if (session) await db.put('kv', [['session', session]])
  else await db.delete('kv', 'session')
}

/** The device registered by each user on this phone, kept after sign-out so signing in again reuses it. */
export async function knownDevice(username: string): Promise<string | undefined> {
  return (await phone()).get<string>('kv', `device:${username}`)
}

export async function rememberDevice(username: string, deviceId: string) {
  await (await phone()).put('kv', [[`device:${username}`, deviceId]])
}

export class UserStore {
  private constructor(readonly db: Database) {}

  static async open(userId: string): Promise<UserStore> {
    return new UserStore(await Database.open(`hezuo-field:${userId}`))
  }

  records(): Promise<DocRecord[]> {
    return this.db.all<DocRecord>('docs')
  }

  record(id: string): Promise<DocRecord | undefined> {
    return this.db.get<DocRecord>('docs', id)
  }

  async saveRecords(records: DocRecord[]) {
    if (records.length) await this.db.put('docs', records.map(r => [r.id, r]))
  }

  /** The document, loaded with this device's actor so local edits are its own. */
  load(record: DocRecord, actor: string): A.Doc<CoopDoc> {
    return record.bytes ? A.load<CoopDoc>(record.bytes, { actor }) : A.clone(genesis(record.id), { actor })
  }

  newRecord(id: string, name: string, regionCode: string): DocRecord {
    const g = genesisHash(id)
    return { id, name, regionCode, heads: [g], acked: [g], status: 'synced' }
  }

  photos(): Promise<QueuedPhoto[]> {
    return this.db.all<QueuedPhoto>('photos')
  }

  photo(sha256: string): Promise<QueuedPhoto | undefined> {
    return this.db.get<QueuedPhoto>('photos', sha256)
  }

  async savePhotos(photos: QueuedPhoto[]) {
    if (photos.length) await this.db.put('photos', photos.map(p => [p.sha256, p]))
  }

  async getKv<T>(key: string): Promise<T | undefined> {
    return this.db.get<T>('kv', key)
  }

  async setKv(key: string, value: unknown) {
    await this.db.put('kv', [[key, value]])
  }

  close() {
    this.db.close()
  }
}
