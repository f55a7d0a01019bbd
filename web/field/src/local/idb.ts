// IndexedDB with promises: one database per signed-in user (so a second user of the phone never sees the first
// one's documents), plus one for the phone itself (the saved session).
export type Store = 'docs' | 'photos' | 'kv'

const STORES: Store[] = ['docs', 'photos', 'kv']

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

export class Database {
  private constructor(private readonly db: IDBDatabase) {}

  static open(name: string): Promise<Database> {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(name, 1)
      opening.onupgradeneeded = () => {
        for (const store of STORES) {
          if (!opening.result.objectStoreNames.contains(store)) opening.result.createObjectStore(store)
        }
      }
      opening.onsuccess = () => resolve(new Database(opening.result))
      opening.onerror = () => reject(opening.error)
      opening.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'))
    })
  }

  get<T>(store: Store, key: string): Promise<T | undefined> {
    return request(this.db.transaction(store).objectStore(store).get(key)) as Promise<T | undefined>
  }

  all<T>(store: Store): Promise<T[]> {
    return request(this.db.transaction(store).objectStore(store).getAll()) as Promise<T[]>
  }

  /** Writes several records in one transaction: all or none, durable when the promise resolves. */
  put(store: Store, records: [string, unknown][]): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(store, 'readwrite', { durability: 'strict' })
      const os = tx.objectStore(store)
      for (const [key, value] of records) os.put(value, key)
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'))
    })
  }

  delete(store: Store, key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(store, 'readwrite')
      tx.objectStore(store).delete(key)
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    })
  }

  close() {
    this.db.close()
  }
}
