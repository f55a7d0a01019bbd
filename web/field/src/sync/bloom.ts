// automerge's Bloom filter of change hashes (10 bits an entry, 7 probes): what a sync message's `have` carries so the
// server can tell which of its changes the phone lacks without echoing the phone's own new changes back.
import { hexToBytes } from './digest'

const BITS_PER_ENTRY = 10
const PROBES = 7

function uleb(n: number, out: number[]) {
  do {
    let byte = n & 0x7f
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
}

export function bloomOf(hashes: string[]): Uint8Array {
  if (hashes.length === 0) return new Uint8Array(0)
  const bits = new Uint8Array(Math.ceil((hashes.length * BITS_PER_ENTRY) / 8))
  const modulo = bits.length * 8
  for (const hex of hashes) {
    const h = hexToBytes(hex)
    const word = (i: number) => (h[i] | (h[i + 1] << 8) | (h[i + 2] << 16) | (h[i + 3] << 24)) >>> 0
    let x = word(0) % modulo
    let y = word(4) % modulo
    const z = word(8) % modulo
    bits[x >> 3] |= 1 << (x & 7)
    for (let i = 1; i < PROBES; i++) {
      x = (x + y) % modulo
      y = (y + z) % modulo
      bits[x >> 3] |= 1 << (x & 7)
    }
  }
  const out: number[] = []
  uleb(hashes.length, out)
  uleb(BITS_PER_ENTRY, out)
  uleb(PROBES, out)
  const result = new Uint8Array(out.length + bits.length)
  result.set(out)
  result.set(bits, out.length)
  return result
}
