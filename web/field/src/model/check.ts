// The trust boundary's rules (sync/src/trust.rs) applied by the phone to its own change before keeping it, so an
// honest phone never meets a refusal: only profile fields, its own visits and its own photos' details; never a
// delete of a visit or a container, never a change of who wrote a visit; the whole document schema-valid; the
// change under the size limit.
import * as A from '@automerge/automerge/slim'
import { validateDocument } from './schema'
import { view, type CoopDoc, type Writer } from './docs'

export type Refusal = { code: string; path?: string; message: string }

const MAX_CHANGE_BYTES = 256 * 1024
const AUTHOR_FIELDS = ['author_user_id', 'author_device_id']

export function checkOwnChange(before: A.Doc<CoopDoc>, after: A.Doc<CoopDoc>, writer: Writer): Refusal | null {
  const previous = view(before)
  const next = view(after)
  for (const change of A.getChanges(before, after)) {
    if (change.length > MAX_CHANGE_BYTES) return { code: 'too_large', message: `单次修改过大（${Math.round(change.length / 1024)} KB，上限 256 KB）` }
  }
  for (const patch of A.diff(after, A.getHeads(before), A.getHeads(after))) {
    const path = patch.path.map(String)
    const [root, key, field] = path
    const shown = path.join('.')
    if (root === 'profile' && path.length >= 2) continue
    if (root === 'visits' && key) {
      if (patch.action === 'del' && path.length === 2) return { code: 'delete', path: shown, message: '走访记录不能删除，可标记为作废' }
      const old = previous.visits?.[key]
      const visit = next.visits?.[key]
      if (old && field && AUTHOR_FIELDS.includes(field)) return { code: 'authorship', path: shown, message: '走访记录的填写人不能更改' }
      const author = old ?? visit
      const mine = author?.author_user_id === writer.userId && (old !== undefined || visit?.author_device_id === writer.deviceId)
      if (!mine) return { code: 'not_author', path: shown, message: '只能修改自己填写的走访记录' }
      continue
    }
    if (['profile', 'visits', 'photos'].includes(root ?? '') && path.length === 1) return { code: 'delete', path: shown, message: `不能替换或删除“${root}”` }
    if (root === 'photos' && key) {
      const visitId = next.photos?.[key]?.visit_id
      if (visitId && next.visits?.[visitId]?.author_user_id !== writer.userId) return { code: 'not_author', path: shown, message: '照片只能关联到自己的走访记录' }
      continue
    }
    if (['review', 'decisions', 'schema_version', 'cooperative_id'].includes(root ?? '')) return { code: 'server_only', path: shown, message: `“${root}”只能由服务器写入` }
    return { code: 'unknown_path', path: shown, message: `文档中没有“${shown}”` }
  }
  const problems = validateDocument(next)
  if (problems.length) return { code: 'schema', path: problems[0].path, message: `文档不符合数据规范（${problems[0].path}）：${problems[0].message}` }
  return null
}
