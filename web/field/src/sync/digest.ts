// The digests of the batch protocol (sync/src/document.rs): 8 bytes of SHA-256 over a document's sorted heads, and
// over (id, heads digest) pairs sorted by id for the summary of every unchanged document.
import { sha256 } from '@noble/hashes/sha256'

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

export function uuidToBytes(uuid: string): Uint8Array {
  return hexToBytes(uuid.replace(/-/g, ''))
}

export function bytesToUuid(bytes: Uint8Array): string {
  const h = bytesToHex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Lower-case hex sorts as the bytes do. */
export function headsDigest(heads: string[]): Uint8Array {
  const sorted = [...heads].sort()
  const joined = new Uint8Array(sorted.length * 32)
  sorted.forEach((h, i) => joined.set(hexToBytes(h), i * 32))
  return sha256(joined).slice(0, 8)
}

export function summaryDigest(docs: { id: string; heads: string[] }[]): Uint8Array {
  const entries = docs
    .map(d => ({ id: uuidToBytes(d.id), digest: headsDigest(d.heads) }))
    .sort((a, b) => compareBytes(a.id, b.id))
  const joined = new Uint8Array(entries.length * 24)
  entries.forEach((e, i) => {
    joined.set(e.id, i * 24)
    joined.set(e.digest, i * 24 + 16)
  })
  return sha256(joined).slice(0, 8)
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

export function sameHeads(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const s = new Set(a)
  return b.every(h => s.has(h))
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export function sha256Hex(data: Uint8Array): string {
  return bytesToHex(sha256(data))
}
