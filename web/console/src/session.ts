// Who is signed in. The tokens themselves stay in HttpOnly cookies; the page knows only the user and whether the
// session holds.
import { reactive } from 'vue'
import { api, call, type Problem, type Schemas } from './api/client'

export const session = reactive({
  user: null as Schemas['User'] | null,
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: '' as string,
  checked: false,
})

export async function loadSession(): Promise<boolean> {
  try {
    const me = await call(api.GET('/api/v1/me'))
    session.user = me.user
  } catch {
    session.user = null
  }
  session.checked = true
  return session.user !== null
}

export async function signIn(username: string, password: string): Promise<void> {
  const signed = await call(api.POST('/api/v1/auth/web/login', { body: { username, password } }))
  session.user = signed.user
  session.endedBecause = ''
}

export async function signOut(): Promise<void> {
  await api.POST('/api/v1/auth/web/logout')
  session.user = null
}

export function sessionEnded(problem: Problem) {
  session.user = null
  session.endedBecause = problem.detail || problem.title
  // The server removes the cookies the browser still holds; nothing is left to end.
  void api.POST('/api/v1/auth/web/logout')
}

export function isReviewer(): boolean {
  return session.user?.role === 'supervisor' || session.user?.role === 'admin'
}

export function isAdmin(): boolean {
  return session.user?.role === 'admin'
}
