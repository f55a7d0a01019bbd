// A small CBOR codec (RFC 8949) for the batch sync bodies: maps with text keys, arrays, byte and text strings,
// integers, booleans, null and floats. Nothing else crosses that wire.
export type CborValue = number | boolean | null | undefined | string | Uint8Array | CborValue[] | { [key: string]: CborValue }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encode(value: CborValue): Uint8Array {
  const out: number[] = []
  const head = (major: number, n: number) => {
    const m = major << 5
    if (n < 24) out.push(m | n)
    else if (n < 0x100) out.push(m | 24, n)
    else if (n < 0x10000) out.push(m | 25, n >> 8, n & 0xff)
    else if (n < 0x100000000) out.push(m | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
    else {
      const high = Math.floor(n / 0x100000000)
      const low = n >>> 0
      out.push(m | 27, (high >>> 24) & 0xff, (high >> 16) & 0xff, (high >> 8) & 0xff, high & 0xff)
      out.push((low >>> 24) & 0xff, (low >> 16) & 0xff, (low >> 8) & 0xff, low & 0xff)
    }
  }
  const bytes = (b: Uint8Array) => {
    for (const x of b) out.push(x)
  }
  const write = (v: CborValue) => {
    if (v === null || v === undefined) out.push(0xf6)
    else if (v === false) out.push(0xf4)
    else if (v === true) out.push(0xf5)
    else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new Error(`CBOR: only integers are encoded, not ${v}`)
      if (v >= 0) head(0, v)
      else head(1, -1 - v)
    } else if (typeof v === 'string') {
      const b = encoder.encode(v)
      head(3, b.length)
      bytes(b)
    } else if (v instanceof Uint8Array) {
      head(2, v.length)
      bytes(v)
    } else if (Array.isArray(v)) {
      head(4, v.length)
      v.forEach(write)
    } else {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined)
      head(5, entries.length)
      for (const [k, x] of entries) {
        write(k)
        write(x)
      }
    }
  }
  write(value)
  return Uint8Array.from(out)
}

export function decode(data: Uint8Array): CborValue {
  let at = 0
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const need = (n: number) => {
    if (at + n > data.length) throw new Error('CBOR: truncated')
  }
  const length = (info: number): number => {
    if (info < 24) return info
    if (info === 24) { need(1); return data[at++] }
    if (info === 25) { need(2); const n = view.getUint16(at); at += 2; return n }
    if (info === 26) { need(4); const n = view.getUint32(at); at += 4; return n }
    if (info === 27) {
      need(8)
      const n = view.getUint32(at) * 0x100000000 + view.getUint32(at + 4)
      at += 8
      return n
    }
    throw new Error(`CBOR: unsupported length ${info}`)
  }
  const read = (): CborValue => {
    need(1)
    const initial = data[at++]
    const major = initial >> 5
    const info = initial & 0x1f
    switch (major) {
      case 0: return length(info)
      case 1: return -1 - length(info)
      case 2: { const n = length(info); need(n); const b = data.slice(at, at + n); at += n; return b }
      case 3: { const n = length(info); need(n); const s = decoder.decode(data.subarray(at, at + n)); at += n; return s }
      case 4: { const n = length(info); const list: CborValue[] = []; for (let i = 0; i < n; i++) list.push(read()); return list }
      case 5: {
        const n = length(info)
        const map: { [key: string]: CborValue } = {}
        for (let i = 0; i < n; i++) {
          const key = read()
          map[String(key)] = read()
        }
        return map
      }
      case 7: {
        if (info === 20) return false
        if (info === 21) return true
        if (info === 22 || info === 23) return null
        if (info === 25) { need(2); const h = view.getUint16(at); at += 2; return halfToNumber(h) }
        if (info === 26) { need(4); const f = view.getFloat32(at); at += 4; return f }
        if (info === 27) { need(8); const f = view.getFloat64(at); at += 8; return f }
        throw new Error(`CBOR: unsupported simple value ${info}`)
      }
      default:
        throw new Error(`CBOR: unsupported major type ${major}`)
    }
  }
  return read()
}

function halfToNumber(h: number): number {
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  const sign = h & 0x8000 ? -1 : 1
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 31) return fraction ? NaN : sign * Infinity
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}
