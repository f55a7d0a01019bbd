// The server's REST API for a phone: bearer tokens (a phone is not a browser session), renewed with the refresh
// token when the access token expires. Problems (RFC 9457) come back as `ApiProblem` with the stable `code`.
export type Tokens = { access_token: string; refresh_token: string; session_id: string; device_id?: string | null; user: User }
export type User = { id: string; username: string; display_name: string; role: string; regions: { code: string; name: string }[] }
export type Device = { id: string; name: string; actor_id: string; platform: string; app_version: string; created_at: string }

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The link is down or the server unreachable: everything stays on the phone for the next try. */
export class Offline extends Error {}

/** Codes after which the session cannot continue: sign in again. */
export const SESSION_OVER = new Set(['refresh_token_invalid', 'refresh_token_reused', 'session_revoked', 'device_revoked', 'user_disabled', 'token_invalid'])

export type Session = { tokens: Tokens; device: Device | null }

export class Api {
  private refreshing: Promise<void> | null = null

  constructor(
    public session: Session | null,
    private readonly onTokens: (session: Session) => Promise<void>,
  ) {}

  async request(method: string, path: string, body?: unknown, init: RequestInit = {}, retry = true): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('Accept-Language', 'zh-CN')
    if (this.session) headers.set('Authorization', `Bearer ${this.session.tokens.access_token}`)
    let payload = init.body
    if (body !== undefined) {
      headers.set('Content-Type', 'application/json')
      payload = JSON.stringify(body)
    }
    let response: Response
    try {
      // No Referer: on a 2G link every header costs.
      response = await fetch(path, { ...init, method, headers, body: payload, cache: 'no-store', referrerPolicy: 'no-referrer' })
    } catch (error) {
      throw new Offline(String(error))
    }
    if (response.ok) return response
    const problem = await response.json().catch(() => ({}))
    const code = String(problem.code ?? `http_${response.status}`)
    if (code === 'token_expired' && retry && this.session) {
      await this.refresh()
      return this.request(method, path, body, init, false)
    }
    if (response.status >= 500 || response.status === 429) throw new Offline(`${response.status} ${problem.title ?? ''}`)
    throw new ApiProblem(response.status, code, problem.detail ?? problem.title ?? code)
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.request(method, path, body)).json() as Promise<T>
  }

  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const session = this.session
      if (!session) throw new ApiProblem(401, 'token_invalid', '未登录')
      const response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': 'zh-CN' },
        body: JSON.stringify({ refresh_token: session.tokens.refresh_token }),
      }).catch(error => {
        throw new Offline(String(error))
      })
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}))
        throw new ApiProblem(response.status, String(problem.code ?? 'token_invalid'), problem.detail ?? problem.title ?? '登录已失效')
      }
      const tokens = (await response.json()) as Tokens
      this.session = { ...session, tokens }
      await this.onTokens(this.session)
    })().finally(() => {
      this.refreshing = null
    })
    return this.refreshing
  }
}
