// The photo queue: shrunk photos wait in IndexedDB until a link appears, then go up with tus 1.0 (creation, HEAD,
// PATCH), three at a time. The upload's URL is kept, so after a dropped link or a closed app the photo resumes from
// the offset the server confirms instead of starting over.
import { Api, ApiProblem } from '../api/client'
import type { UserStore } from '../local/phone'

export const PARALLEL_UPLOADS = 3

export type QueuedPhoto = {
  sha256: string
  cooperativeId: string
  visitId: string
  bytes: number
  jpeg: Blob
  width: number
  height: number
  uploadUrl?: string
  confirmed: number
  failures: number
  retryAt?: number
  lastError?: string
  /** The server refused it for good (not a picture, too large): it stays listed so the counsellor sees it. */
  rejected?: boolean
  done?: boolean
}

const TUS = { 'Tus-Resumable': '1.0.0' }

function metadata(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k} ${btoa(String.fromCharCode(...new TextEncoder().encode(v)))}`).join(',')
}

/** Where the upload stands on the server: its URL and offset, a new one if it expired or never existed. */
async function locate(api: Api, store: UserStore, photo: QueuedPhoto): Promise<{ url: string; offset: number }> {
  if (photo.uploadUrl) {
    try {
      const head = await api.request('HEAD', photo.uploadUrl, undefined, { headers: TUS })
      return { url: photo.uploadUrl, offset: Number(head.headers.get('Upload-Offset') ?? 0) }
    } catch (error) {
      if (!(error instanceof ApiProblem && [404, 410].includes(error.status))) throw error
    }
  }
  const created = await api.request('POST', '/api/v1/uploads', undefined, {
    headers: {
      ...TUS,
      'Upload-Length': String(photo.bytes),
      'Upload-Metadata': metadata([
        ['sha256', photo.sha256],
        ['filename', `${photo.sha256.slice(0, 12)}.jpg`],
        ['filetype', 'image/jpeg'],
      ]),
    },
  })
  const url = new URL(created.headers.get('Location') ?? '', location.href).pathname
  photo.uploadUrl = url
  photo.confirmed = Number(created.headers.get('Upload-Offset') ?? 0)
  await store.savePhotos([photo])
  return { url, offset: photo.confirmed }
}

async function uploadOne(api: Api, store: UserStore, photo: QueuedPhoto) {
  const { url, offset } = await locate(api, store, photo)
  if (offset < photo.bytes) {
    const patched = await api.request('PATCH', url, undefined, {
      headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) },
      body: photo.jpeg.slice(offset),
    })
    photo.confirmed = Number(patched.headers.get('Upload-Offset') ?? offset)
    if (photo.confirmed < photo.bytes) throw new Error(`上传未完成，已确认 ${photo.confirmed}/${photo.bytes} 字节`)
  }
  photo.confirmed = photo.bytes
  photo.done = true
  photo.lastError = undefined
}

/** One round: every queued photo whose time has come, three at a time. Returns how many are still waiting. */
export async function uploadPhotos(api: Api, store: UserStore, onChange?: () => void): Promise<number> {
  const waiting = (await store.photos()).filter(p => !p.done && !p.rejected && (p.retryAt ?? 0) <= Date.now())
  const work = async () => {
    for (let photo = waiting.shift(); photo; photo = waiting.shift()) {
      try {
        await uploadOne(api, store, photo)
      } catch (error) {
        if (error instanceof ApiProblem && ['photo_hash_mismatch', 'photo_unreadable', 'photo_too_large', 'payload_too_large'].includes(error.code)) {
          photo.rejected = true
        } else {
          photo.failures += 1
          photo.retryAt = Date.now() + Math.min(60_000, 500 * 2 ** Math.min(photo.failures - 1, 7))
        }
        photo.lastError = error instanceof Error ? error.message : String(error)
      }
      await store.savePhotos([photo])
      onChange?.()
    }
  }
  await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, work))
  return (await store.photos()).filter(p => !p.done && !p.rejected).length
}
