// Validation against the document schema the server applies (`schema.json` is produced from sync/src/model by
// `cargo test -p hezuo-sync --test schema_description`): unknown fields, vocabulary codes, types, ranges, text limits.
import described from '../forms/schema.json'

export type Desc =
  | { t: 'string'; max_chars?: number }
  | { t: 'bool' }
  | { t: 'int'; min: number; max: number }
  | { t: 'float'; min?: number; max?: number }
  | { t: 'day' }
  | { t: 'hash' }
  | { t: 'vocab'; labels: Record<string, string> }
  | { t: 'list'; of: Desc; max_chars?: number }
  | { t: 'map'; of: Desc }
  | { t: 'record'; fields: Record<string, Desc> }

export const documentSchema = described as unknown as Extract<Desc, { t: 'record' }>
export const visitSchema = (documentSchema.fields.visits as Extract<Desc, { t: 'map' }>).of as Extract<Desc, { t: 'record' }>
export const profileSchema = documentSchema.fields.profile as Extract<Desc, { t: 'record' }>

export type SchemaProblem = { path: string; message: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function isDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y < 1900 || y > 2200 || mo < 1 || mo > 12) return false
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
  return d >= 1 && d <= days
}

/** Every problem of `value` against `desc`, `path` naming where (`visits.<id>.membership.members_total`). */
export function validate(value: unknown, desc: Desc, path: string, problems: SchemaProblem[] = []): SchemaProblem[] {
  const bad = (message: string) => problems.push({ path, message })
  if (value === null || value === undefined) return problems
  switch (desc.t) {
    case 'string':
      if (typeof value !== 'string') bad('应为文字')
      else if (desc.max_chars !== undefined && [...value].length > desc.max_chars) bad(`最多${desc.max_chars}个字，现有${[...value].length}个字`)
      break
    case 'bool':
      if (typeof value !== 'boolean') bad('应为是或否')
      break
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) bad('应为整数')
      else if (value < desc.min || value > desc.max) bad(`应在${desc.min}到${desc.max}之间`)
      break
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('应为数字')
      else if ((desc.min !== undefined && value < desc.min) || (desc.max !== undefined && value > desc.max)) bad(`应在${desc.min}到${desc.max}之间`)
      break
    case 'day':
      if (typeof value !== 'string' || !isDay(value)) bad('应为日期（年-月-日）')
      break
    case 'hash':
      if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) bad('应为照片的SHA-256')
      break
    case 'vocab':
      if (typeof value !== 'string' || !(value in desc.labels)) bad(`“${String(value)}”不是可选的值`)
      break
    case 'list':
      if (!Array.isArray(value)) bad('应为列表')
      else value.forEach((item, i) => validate(item, { ...desc.of, ...(desc.max_chars ? { max_chars: desc.max_chars } : {}) } as Desc, `${path}[${i}]`, problems))
      break
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) bad('应为映射')
      else for (const [k, v] of Object.entries(value as object)) validate(v, desc.of, path ? `${path}.${k}` : k, problems)
      break
    case 'record':
      if (typeof value !== 'object' || Array.isArray(value)) {
        bad('应为记录')
        break
      }
      for (const [k, v] of Object.entries(value as object)) {
        const field = desc.fields[k]
        const at = path ? `${path}.${k}` : k
        if (!field) problems.push({ path: at, message: `没有字段“${k}”` })
        else validate(v, field, at, problems)
      }
      break
  }
  return problems
}

/** The whole document as the trust boundary checks it: the schema, visit keys UUIDs, photo keys hashes. */
export function validateDocument(doc: Record<string, unknown>): SchemaProblem[] {
  const problems = validate(doc, documentSchema, '')
  for (const key of Object.keys((doc.visits as object) ?? {})) {
    if (!UUID.test(key)) problems.push({ path: `visits.${key}`, message: '走访编号应为UUID' })
  }
  for (const key of Object.keys((doc.photos as object) ?? {})) {
    if (!/^[0-9a-f]{64}$/.test(key)) problems.push({ path: `photos.${key}`, message: '照片键应为SHA-256' })
  }
  return problems
}
