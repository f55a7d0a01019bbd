// How the console writes times, values and stars, in one place.

/** A server time in the reader's locale; `empty` when there is none. */
export function when(iso?: string | null, empty = '—'): string {
  return iso ? new Date(iso).toLocaleString() : empty
}

/** A JSON value from a document or the audit log, as text (strings as they are). */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** ★★★ for 3; a dash for none. */
export function stars(n?: number | null): string {
  return n ? '★'.repeat(n) : '—'
}
