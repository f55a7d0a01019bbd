// What the camera wrote into a JPEG original, read before the photo is shrunk (the shrunk copy carries no metadata):
// when it was taken and where, as sync/src/photo.rs reads it. `DateTimeOriginal` is local time; without
// `OffsetTimeOriginal` it is taken as China Standard Time (UTC+8).
export type ExifFacts = { takenAtMs?: number; lat?: number; lon?: number }

const TAG_EXIF_IFD = 0x8769
const TAG_GPS_IFD = 0x8825
const TAG_DATE_TIME_ORIGINAL = 0x9003
const TAG_OFFSET_TIME_ORIGINAL = 0x9011
const TAG_DATE_TIME = 0x0132

export function readExif(bytes: Uint8Array): ExifFacts {
  try {
    const tiff = exifSegment(bytes)
    return tiff ? parseTiff(tiff) : {}
  } catch {
    return {}
  }
}

/** The TIFF block of the APP1 `Exif\0\0` segment, if there is one. */
function exifSegment(b: Uint8Array): DataView | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null
  let at = 2
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1]
    const length = (b[at + 2] << 8) | b[at + 3]
    if (marker === 0xda || marker === 0xd9) return null
    if (marker === 0xe1 && String.fromCharCode(...b.subarray(at + 4, at + 8)) === 'Exif') {
      return new DataView(b.buffer, b.byteOffset + at + 10, length - 8)
    }
    at += 2 + length
  }
  return null
}

type Entry = { type: number; count: number; valueAt: number }

function parseTiff(view: DataView): ExifFacts {
  const little = view.getUint16(0) === 0x4949
  const u16 = (at: number) => view.getUint16(at, little)
  const u32 = (at: number) => view.getUint32(at, little)
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 }
  const ifd = (offset: number): Map<number, Entry> => {
    const entries = new Map<number, Entry>()
    const n = u16(offset)
    for (let i = 0; i < n; i++) {
      const at = offset + 2 + i * 12
      const type = u16(at + 2)
      const count = u32(at + 4)
      const size = (sizes[type] ?? 1) * count
      entries.set(u16(at), { type, count, valueAt: size <= 4 ? at + 8 : u32(at + 8) })
    }
    return entries
  }
  const ascii = (e?: Entry) => (e ? String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + e.valueAt, e.count)).replace(/\0+$/, '') : undefined)
  const rationals = (e?: Entry) => {
    if (!e || e.type !== 5) return undefined
    const parts = Array.from({ length: e.count }, (_, i) => [u32(e.valueAt + i * 8), u32(e.valueAt + i * 8 + 4)])
    return parts.some(([, d]) => d === 0) ? undefined : parts.map(([n, d]) => n / d)
  }

  const first = ifd(u32(4))
  const facts: ExifFacts = {}
  const exifPointer = first.get(TAG_EXIF_IFD)
  const exif = exifPointer ? ifd(u32(exifPointer.valueAt)) : new Map<number, Entry>()
  {
    const taken = ascii(exif.get(TAG_DATE_TIME_ORIGINAL)) ?? ascii(first.get(TAG_DATE_TIME))
    const m = taken && /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(taken)
    if (m) {
      const offset = ascii(exif.get(TAG_OFFSET_TIME_ORIGINAL))
      const o = offset && /^([+-])(\d{2}):(\d{2})$/.exec(offset)
      const minutes = o ? (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) : 8 * 60
      facts.takenAtMs = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - minutes * 60000
    }
  }
  const gpsPointer = first.get(TAG_GPS_IFD)
  if (gpsPointer) {
    const gps = ifd(u32(gpsPointer.valueAt))
    const degrees = (value?: number[], ref?: string, negative?: string) => {
      if (!value || value.length < 3) return undefined
      const d = value[0] + value[1] / 60 + value[2] / 3600
      return ref === negative ? -d : d
    }
    const lat = degrees(rationals(gps.get(2)), ascii(gps.get(1)), 'S')
    const lon = degrees(rationals(gps.get(4)), ascii(gps.get(3)), 'W')
    // A position is both coordinates or none.
    if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      facts.lat = lat
      facts.lon = lon
    }
  }
  return facts
}
