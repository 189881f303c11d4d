// The account: register, log in, refresh, log out against the server (DESIGN §5) through the
// package's typed REST client (`lifepath/client`, its types generated from the server's OpenAPI
// document), in the server's cookie mode: the 30-day refresh token is an HttpOnly cookie no
// script can read, the access token lives in memory only, and localStorage keeps just who is
// signed in (so the offline app opens on a reload). The sync transport reads the access token
// from here and, when it has none or gets a 401, calls `refresh()` (one shared refresh: the
// client's own requests and the sync loop's wait for the same one).
import { ApiError, createClient, type User } from 'lifepath/client';

export { ApiError };
export type { User };

/** The signed-in account and its access token (empty until the first refresh after a reload). */
export interface Session {
  user: User;
  access_token: string;
}

const KEY = 'lifepath.session';

let session: Session | null = loadSession();
const listeners = new Set<(s: Session | null) => void>();

/** The typed client of the whole API (same origin; the refresh token is the session cookie). */
export const client = createClient({
  baseUrl: location.origin,
  session: 'cookie',
  tokens: { accessToken: session?.access_token || null },
  onSession: (auth) => setSession(auth ? { user: auth.user, access_token: auth.access_token } : null),
});

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

/** The sentence a form shows for a failed request. */
export function problemText(e: ApiError): string {
  return e.detail ?? e.title ?? e.message;
}

/** Creates an account and logs in. */
export async function register(email: string, password: string, displayName: string, currency: string): Promise<Session> {
  const auth = await client.register({ email, password, currency, ...(displayName ? { display_name: displayName } : {}) });
  return { user: auth.user, access_token: auth.access_token };
}

/** Logs in. */
export async function login(email: string, password: string): Promise<Session> {
  const auth = await client.login(email, password);
  return { user: auth.user, access_token: auth.access_token };
}

/** Trades the refresh cookie for new tokens; false (and logged out) when it is no longer valid.
 *  Rejects (the session kept) when offline or the server is down. */
export function refresh(): Promise<boolean> {
  if (!session) return Promise.resolve(false);
  return client.refresh();
}

/** Revokes the refresh token on the server (best effort) and forgets the session. */
export async function logout(): Promise<void> {
  if (!session) return;
  try {
    await client.logout();
  } catch {
    // offline: the cookie's token expires on its own; the session is forgotten all the same
  }
  if (session) setSession(null);
}

/** The OpenID providers the server offers ("Sign in with …"); none when offline. */
export async function oidcProviders(): Promise<{ name: string; start_url: string }[]> {
  try {
    return await client.oidcProviders();
  } catch {
    return [];
  }
}

/** Finishes an OpenID sign-in: the `login_code` of the redirect for the session. */
export async function exchangeLoginCode(code: string): Promise<Session> {
  const auth = await client.exchangeLoginCode(code);
  return { user: auth.user, access_token: auth.access_token };
}

/** Changes the password (the other sessions end; this one gets new tokens). */
export async function changePassword(current: string, next: string): Promise<void> {
  await client.changePassword(current, next);
}

/** Asks for a reset email. */
export async function requestPasswordReset(email: string): Promise<void> {
  await client.requestPasswordReset(email);
}

/** Sets a new password with the emailed token. */
export async function confirmPasswordReset(token: string, password: string): Promise<void> {
  await client.confirmPasswordReset(token, password);
}
