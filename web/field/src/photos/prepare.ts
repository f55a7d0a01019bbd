// A camera original made ready to upload, on the phone: EXIF time and position read first, turned upright (the
// browser applies the EXIF orientation when it decodes), shrunk to a long edge of 1600 px, encoded as JPEG at
// quality 0.8 without metadata, and named by the SHA-256 of those bytes.
import { readExif, type ExifFacts } from './exif'
import { sha256Hex } from '../sync/digest'

export const LONG_EDGE = 1600
export const QUALITY = 0.8

export type PreparedPhoto = { sha256: string; jpeg: Blob; width: number; height: number; exif: ExifFacts }

export async function preparePhoto(original: Blob): Promise<PreparedPhoto> {
  const exif = readExif(new Uint8Array(await original.slice(0, 256 * 1024).arrayBuffer()))
  const bitmap = await createImageBitmap(original, { imageOrientation: 'from-image' })
  const scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height))
  const width = Math.max(1, Math.round(bitmap.width * scale))
  const height = Math.max(1, Math.round(bitmap.height * scale))
  const jpeg = await drawJpeg(bitmap, width, height)
  bitmap.close()
  const sha256 = sha256Hex(new Uint8Array(await jpeg.arrayBuffer()))
  return { sha256, jpeg, width, height, exif }
}

/** The bitmap drawn at `width` × `height` and encoded as JPEG; an ordinary canvas where OffscreenCanvas is missing
 * (older iPhones). */
async function drawJpeg(bitmap: ImageBitmap, width: number, height: number): Promise<Blob> {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height)
    const context = canvas.getContext('2d')
    if (!context) throw new Error('no 2d canvas')
    context.imageSmoothingQuality = 'high'
    context.drawImage(bitmap, 0, 0, width, height)
    return canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY })
  }
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2d canvas')
  context.imageSmoothingQuality = 'high'
  context.drawImage(bitmap, 0, 0, width, height)
  return new Promise((resolve, reject) => canvas.toBlob(b => (b ? resolve(b) : reject(new Error('JPEG encoding failed'))), 'image/jpeg', QUALITY))
}
