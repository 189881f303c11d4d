// The account: register, log in, refresh, log out against the server (DESIGN §5), in the
// server's cookie mode (`X-Lifepath-Session: cookie`): the 30-day refresh token is an HttpOnly
// cookie no script can read, the access token lives in memory only, and localStorage keeps just
// who is signed in (so the offline app opens on a reload). The sync transport reads the access
// token from here and, when it has none or gets a 401, calls `refresh()`
// (`POST /api/v1/users/refresh`, which the browser sends the cookie to).

/** The account as the server returns it. */
export interface User {
  id: string;
  email: string;
  display_name?: string | null;
  currency: string;
  created_at: string;
  updated_at: string;
}

/** The signed-in account and its access token (empty until the first refresh after a reload). */
export interface Session {
  user: User;
  access_token: string;
}

/** A problem+json answer, with the field errors a form shows next to its fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const KEY = 'lifepath.session';
export const API = '/api/v1';

let session: Session | null = loadSession();
const listeners = new Set<(s: Session | null) => void>();

function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as { user?: User };
    return s.user?.id ? { user: s.user, access_token: '' } : null;
  } catch {
    return null;
  }
}

function setSession(s: Session | null): void {
  session = s;
  // Never a token in storage: only who is signed in.
  if (s) localStorage.setItem(KEY, JSON.stringify({ user: s.user }));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}

/** The current session, or null when logged out. */
export function currentSession(): Session | null {
  return session;
}

/** Called on login, logout and when a refresh fails for good. */
export function onSessionChange(l: (s: Session | null) => void): void {
  listeners.add(l);
}

/** The current access token (for the sync transport). */
export function accessToken(): string {
  return session?.access_token ?? '';
}

async function problem(res: Response): Promise<ApiError> {
  let body: { code?: string; detail?: string; title?: string; errors?: { field: string; message: string }[] } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(res.status, body.code ?? 'http_error', body.detail ?? body.title ?? res.statusText, body.errors ?? []);
}

async function post<T>(path: string, body: unknown, auth = false): Promise<T> {
  // The header asks for cookie mode; a cross-site form cannot send it, so the server uses the
  // refresh cookie only on requests that carry it.
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-lifepath-session': 'cookie' };
  if (auth && session) headers.authorization = `Bearer ${session.access_token}`;
  const res = await fetch(`${API}${path}`, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  if (!res.ok) throw await problem(res);
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

/** Creates an account and logs in. */
export async function register(email: string, password: string, displayName: string, currency: string): Promise<Session> {
  const body: Record<string, string> = { email, password, currency };
  if (displayName) body.display_name = displayName;
  const s = await post<Session>('/users', body);
  setSession(s);
  return s;
}

/** Logs in. */
export async function login(email: string, password: string): Promise<Session> {
  const s = await post<Session>('/users/login', { email, password });
  setSession(s);
  return s;
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for new tokens; false (and logged out) when it is no longer valid. */
export function refresh(): Promise<boolean> {
  if (!session) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = post<Session>('/users/refresh', {})
      .then((s) => {
        setSession(s);
        return true;
      })
      .catch((e: unknown) => {
        // Offline or server down: keep the session and try again later.
        if (e instanceof ApiError && e.status === 401) {
          setSession(null);
          return false;
        }
        throw e;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

/** Revokes the refresh token on the server (best effort) and forgets the session. */
export async function logout(): Promise<void> {
  const s = session;
  setSession(null);
  if (s) {
    try {
      await post('/users/logout', {});
    } catch {
      // offline: the tokens expire on their own
    }
  }
}
