// The queue a reviewer came from, so the visit page can go to the next or previous visit of the same filtered list
// without going back to it.
import { reactive } from 'vue'
import { api, call } from '../../api/client'
import type { paths } from '../../api/schema'

export type QueueQuery = NonNullable<paths['/api/v1/reviews']['get']['parameters']['query']>

export const queueContext = reactive({
  query: {} as QueueQuery,
  ids: [] as string[],
  nextCursor: undefined as string | undefined,
  /** Where the list lives, to go back to it. */
  listPath: '/reviews',
})

/** The visit after `id`, loading the queue's next page when the loaded ones are used up. */
export async function neighbour(id: string, step: 1 | -1): Promise<string | undefined> {
  const index = queueContext.ids.indexOf(id)
  if (index < 0) return undefined
  if (step === 1 && index === queueContext.ids.length - 1 && queueContext.nextCursor) {
    const page = await call(
      api.GET('/api/v1/reviews', { params: { query: { ...queueContext.query, cursor: queueContext.nextCursor } } }),
    )
    queueContext.ids.push(...page.items.map((item) => item.visit_id))
    queueContext.nextCursor = page.next_cursor ?? undefined
  }
  return queueContext.ids[index + step]
}
