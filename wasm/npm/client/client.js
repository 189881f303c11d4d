// lifepath/client: a typed client of the lifepath server's REST API. The request and response
// types are generated from the server's OpenAPI document (schema.d.ts, openapi-typescript);
// the requests are made by openapi-fetch. On top: the tokens (bearer, or the HttpOnly cookie
// session), one refresh and retry on a 401, problem+json answers thrown as ApiError, and
// paging as async iteration. It does not load the WebAssembly module.
import createFetchClient from 'openapi-fetch';

const REFRESH = '/api/v1/users/refresh';
const AUTH = [
  '/api/v1/users/login',
  '/api/v1/users',
  REFRESH,
  '/api/v1/users/logout',
  '/api/v1/auth/oidc/exchange',
  '/api/v1/users/password-reset',
  '/api/v1/users/password-reset/confirm',
];

/** A non-2xx answer: its status and its `application/problem+json` body. */
export class ApiError extends Error {
  constructor(status, problem, url) {
    const p = problem && typeof problem === 'object' ? problem : null;
    const what = p ? p.detail || p.title : null;
    super(`lifepath server answered ${status}${what ? `: ${what}` : ''}${url ? ` (${url})` : ''}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = p && typeof p.code === 'string' ? p.code : null;
    this.title = p && typeof p.title === 'string' ? p.title : null;
    this.detail = p && typeof p.detail === 'string' ? p.detail : null;
    this.errors = p && Array.isArray(p.errors) ? p.errors : [];
    this.problem = p;
  }
}

/** The data of an openapi-fetch result, or its error thrown as an ApiError. */
export function unwrap(result) {
  if (result.response.ok) return result.data;
  throw new ApiError(result.response.status, result.error ?? null, result.response.url);
}

export function createClient(options) {
  if (!options || typeof options.baseUrl !== 'string') throw new TypeError('createClient: baseUrl must be a string');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const cookie = options.session === 'cookie';
  const given = options.fetch;
  // Called as a plain function: browsers refuse `fetch` called on another `this`.
  const send = given ? (r) => given(r) : (r) => globalThis.fetch(r);
  const tokens = {
    accessToken: options.tokens?.accessToken ?? null,
    refreshToken: options.tokens?.refreshToken ?? null,
  };
  const changed = () => options.onTokens?.({ ...tokens });
  const keep = (auth) => {
    tokens.accessToken = auth.access_token;
    if (!cookie) tokens.refreshToken = auth.refresh_token ?? tokens.refreshToken;
    changed();
    options.onSession?.(auth);
    return auth;
  };
  const forget = () => {
    tokens.accessToken = null;
    tokens.refreshToken = null;
    changed();
    options.onSession?.(null);
  };

  const prepare = (request) => {
    const r = cookie ? new Request(request, { credentials: 'include' }) : request;
    if (tokens.accessToken) r.headers.set('authorization', `Bearer ${tokens.accessToken}`);
    if (cookie) r.headers.set('x-lifepath-session', 'cookie');
    return r;
  };

  // One refresh at a time: the requests refused together wait for the same one.
  let refreshing = null;
  const refresh = () => {
    if (!cookie && !tokens.refreshToken) return Promise.resolve(false);
    refreshing ??= (async () => {
      try {
        const body = cookie ? {} : { refresh_token: tokens.refreshToken };
        const res = await send(prepare(new Request(baseUrl + REFRESH, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
        })));
        // Refused (401, or a malformed token 400/422): the session is over. Any other failure
        // (a 5xx, a 429) keeps the tokens and throws, like a network error does.
        if (res.status === 401 || res.status === 400 || res.status === 422) {
          forget();
          return false;
        }
        if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), res.url);
        keep(await res.json());
        return true;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  };

  const isAuth = (url) => AUTH.includes(new URL(url).pathname);
  const authedFetch = async (request) => {
    const retry = request.clone();
    const res = await send(prepare(request));
    if (res.status !== 401 || isAuth(request.url)) return res;
    if (!(await refresh())) return res;
    return send(prepare(retry));
  };

  const api = createFetchClient({ baseUrl, fetch: authedFetch });

  async function* pages(path, init = {}) {
    let cursor = init.params?.query?.cursor ?? null;
    for (;;) {
      const query = { ...(init.params?.query ?? {}) };
      if (cursor) query.cursor = cursor;
      const page = unwrap(await api.GET(path, { ...init, params: { ...(init.params ?? {}), query } }));
      for (const item of page.items) yield item;
      cursor = page.next_cursor;
      if (!cursor) return;
    }
  }

  return {
    api,
    get tokens() {
      return { ...tokens };
    },
    async register(body) {
      return keep(unwrap(await api.POST('/api/v1/users', { body })));
    },
    async login(email, password) {
      return keep(unwrap(await api.POST('/api/v1/users/login', { body: { email, password } })));
    },
    refresh,
    async logout() {
      const body = cookie ? {} : { refresh_token: tokens.refreshToken ?? '' };
      try {
        if (cookie || tokens.refreshToken) unwrap(await api.POST('/api/v1/users/logout', { body }));
      } finally {
        forget();
      }
    },
    async me() {
      return unwrap(await api.GET('/api/v1/users/me'));
    },
    async changePassword(currentPassword, newPassword) {
      const body = { current_password: currentPassword, new_password: newPassword };
      return keep(unwrap(await api.POST('/api/v1/users/me/password', { body })));
    },
    async requestPasswordReset(email) {
      unwrap(await api.POST('/api/v1/users/password-reset', { body: { email } }));
    },
    async confirmPasswordReset(token, newPassword) {
      unwrap(await api.POST('/api/v1/users/password-reset/confirm', { body: { token, new_password: newPassword } }));
    },
    async oidcProviders() {
      return unwrap(await api.GET('/api/v1/auth/oidc/providers')).items;
    },
    async exchangeLoginCode(code) {
      return keep(unwrap(await api.POST('/api/v1/auth/oidc/exchange', { body: { code } })));
    },
    pages,
    snapshots: {
      list: (query = {}) => pages('/api/v1/budgets/snapshots', { params: { query } }),
      async get(id) {
        return unwrap(await api.GET('/api/v1/budgets/snapshots/{id}', { params: { path: { id } } }));
      },
      async byPeriod(period) {
        return unwrap(await api.GET('/api/v1/budgets/snapshots/by-period/{period}', { params: { path: { period } } }));
      },
      async create(body) {
        return unwrap(await api.POST('/api/v1/budgets/snapshots', { body }));
      },
      async delete(id) {
        unwrap(await api.DELETE('/api/v1/budgets/snapshots/{id}', { params: { path: { id } } }));
      },
    },
    goals: {
      list: (query = {}) => pages('/api/v1/goals', { params: { query } }),
      async get(id, include) {
        const query = include && include.length ? { include: include.join(',') } : {};
        return unwrap(await api.GET('/api/v1/goals/{id}', { params: { path: { id }, query } }));
      },
      async create(body) {
        return unwrap(await api.POST('/api/v1/goals', { body }));
      },
      async update(id, body) {
        return unwrap(await api.PATCH('/api/v1/goals/{id}', { params: { path: { id } }, body }));
      },
      async delete(id) {
        unwrap(await api.DELETE('/api/v1/goals/{id}', { params: { path: { id } } }));
      },
      contributions: (id, query = {}) => pages('/api/v1/goals/{id}/contributions', { params: { path: { id }, query } }),
      progress: (id, query = {}) => pages('/api/v1/goals/{id}/progress', { params: { path: { id }, query } }),
    },
    audit: {
      list: (query = {}) => pages('/api/v1/users/me/audit', { params: { query } }),
    },
  };
}
