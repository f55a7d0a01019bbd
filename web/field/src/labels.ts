import type { DocStatus } from './local/phone'

export const statusLabel: Record<DocStatus, string> = {
  pending: '待同步',
  syncing: '同步中',
  synced: '已同步',
  error: '出错，将重试',
  quarantined: '已暂停',
  out_of_scope: '不在负责范围',
}

export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return ''
  const d = new Date(iso)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}
