// The one way the console talks to the server: a client generated from the server's OpenAPI document
// (`npm run api` writes schema.d.ts), so a changed API is a type error here, not a 400 in a supervisor's browser.
//
// The session lives in HttpOnly cookies the page cannot read. Every request that changes something carries the CSRF
// token from the readable `hezuo_csrf` cookie. An expired access token is renewed once, silently, and the request
// sent again; a session that has ended sends the user to the sign-in page with the server's reason.
import createClient from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']
export type Problem = Schemas['Problem']

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function csrfToken(): string {
  const entry = document.cookie.split('; ').find((c) => c.startsWith('hezuo_csrf='))
  return entry ? decodeURIComponent(entry.slice('hezuo_csrf='.length)) : ''
}

let language = 'zh-CN'
export function setApiLanguage(lang: string) {
  language = lang
}

type SessionEnded = (problem: Problem) => void
let onSessionEnded: SessionEnded = () => {}
export function whenSessionEnds(handler: SessionEnded) {
  onSessionEnded = handler
}

async function problemOf(response: Response): Promise<Problem | null> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return null
  try {
    return (await response.clone().json()) as Problem
  } catch {
    return null
  }
}

/** Codes that mean the session is over: the user must sign in again. */
const SESSION_OVER = new Set(['session_revoked', 'token_invalid', 'refresh_token_reused', 'refresh_token_invalid', 'account_disabled'])

let refreshing: Promise<boolean> | null = null

/** Renews the access token once for all requests that found it expired at the same moment. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch('/api/v1/auth/web/refresh', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrfToken(), 'Accept-Language': language },
  })
    .then(async (response) => {
      if (response.ok) return true
      const problem = await problemOf(response)
      if (problem && SESSION_OVER.has(problem.code)) onSessionEnded(problem)
      return false
    })
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

function prepare(request: Request): Request {
  const headers = new Headers(request.headers)
  headers.set('Accept-Language', language)
  if (!SAFE_METHODS.has(request.method)) headers.set('X-CSRF-Token', csrfToken())
  return new Request(request, { headers, credentials: 'same-origin' })
}

async function sessionFetch(input: Request): Promise<Response> {
  const again = input.clone()
  const response = await fetch(prepare(input))
  if (response.status !== 401 && response.status !== 403) return response
  const problem = await problemOf(response)
  if (problem?.code === 'token_expired') {
    if (await refreshSession()) return fetch(prepare(again))
    return response
  }
  if (problem && SESSION_OVER.has(problem.code)) onSessionEnded(problem)
  return response
}

export const api = createClient<paths>({ baseUrl: '', fetch: sessionFetch })

/** The message to show for a failed call: the server's own words (zh-CN unless English was chosen). */
export function problemMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'title' in error) {
    const problem = error as Problem
    const fields = (problem.errors ?? []).map((e) => e.message).filter(Boolean)
    return [problem.detail || problem.title, ...fields].join('；')
  }
  return String(error)
}

/** Unwraps an openapi-fetch result: the data, or throws the problem document. */
export async function call<T>(promise: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await promise
  if (error !== undefined || !response.ok) throw error ?? new Error(response.statusText)
  return data as T
}
