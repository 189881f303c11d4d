// Types of lifepath/client. The shapes of every request and answer come from schema.d.ts,
// generated from the server's OpenAPI document (wasm/scripts/client-types.sh).
import type { Client, FetchResponse } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type * from './schema.js';

type Schemas = components['schemas'];

/** The `application/problem+json` body of a failed request (RFC 9457). */
export type Problem = Schemas['Problem'];

/** A non-2xx answer of the server. Branch on `status` and `code`. */
export declare class ApiError extends Error {
  name: 'ApiError';
  /** The HTTP status. */
  status: number;
  /** The stable code of the problem (`validation_failed`, `version_conflict`, …), or null. */
  code: string | null;
  title: string | null;
  detail: string | null;
  /** Every field at fault (422, 413 `record_too_large`). */
  errors: Schemas['FieldError'][];
  /** The whole problem+json body, or null when the answer had none. */
  problem: Problem | null;
}

/** The data of an openapi-fetch result, or its error thrown as an {@link ApiError}. */
export declare function unwrap<T extends Record<string | number, unknown>, O, M extends `${string}/${string}`>(
  result: FetchResponse<T, O, M>,
): NonNullable<FetchResponse<T, O, M>['data']>;

/** The tokens the client holds (in cookie mode the refresh token is the HttpOnly cookie). */
export interface Tokens {
  accessToken: string | null;
  refreshToken: string | null;
}

export interface ClientOptions {
  /** The server's origin, e.g. `"https://budget.example.com"` (paths start at `/api/v1`). */
  baseUrl: string;
  /** Tokens kept from an earlier session. */
  tokens?: Partial<Tokens>;
  /** Called whenever the tokens change (login, refresh, logout, a refresh refused). */
  onTokens?: (tokens: Tokens) => void;
  /** Called with the answer of every register, login and refresh (the account included), and
   *  with null when the session ends (logout, a refresh refused). */
  onSession?: (auth: Schemas['AuthResponse'] | null) => void;
  /** `"cookie"`: the refresh token lives in the server's HttpOnly cookie (browsers). */
  session?: 'bearer' | 'cookie';
  /** The fetch to use (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

type ListQuery<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? Omit<NonNullable<Q>, 'cursor'>
  : never;

export interface LifepathClient {
  /** The typed openapi-fetch client of every route: `api.GET('/api/v1/goals/{id}', …)`. */
  readonly api: Client<paths>;
  /** A copy of the tokens held now. */
  readonly tokens: Tokens;
  register(body: Schemas['RegisterInput']): Promise<Schemas['AuthResponse']>;
  login(email: string, password: string): Promise<Schemas['AuthResponse']>;
  /** Rotates the refresh token; false (and the tokens cleared) when the server refuses it.
   *  Rejects, keeping the tokens, when the server cannot be reached or fails (5xx, 429). */
  refresh(): Promise<boolean>;
  /** Revokes the session's refresh token family and forgets the tokens. */
  logout(): Promise<void>;
  me(): Promise<Schemas['MeOut']>;
  /** Changes the password (every other session ends); the new token pair is kept. */
  changePassword(currentPassword: string, newPassword: string): Promise<Schemas['AuthResponse']>;
  /** Asks for a reset email (resolves for any email: the server answers 202 for all). */
  requestPasswordReset(email: string): Promise<void>;
  /** Sets a new password with the emailed token (every session ends; log in afterwards). */
  confirmPasswordReset(token: string, newPassword: string): Promise<void>;
  /** The OpenID providers the server offers (`start_url`: where a browser begins). */
  oidcProviders(): Promise<Schemas['ProviderOut'][]>;
  /** Trades the `login_code` of an OpenID sign-in's redirect for the session (kept). */
  exchangeLoginCode(code: string): Promise<Schemas['AuthResponse']>;
  /** Every item of a paged list, page after page (`for await (const x of client.pages(…))`). */
  pages<T = unknown>(path: keyof paths, init?: { params?: { path?: Record<string, string>; query?: Record<string, unknown> } }): AsyncIterable<T>;
  snapshots: {
    list(query?: ListQuery<'/api/v1/budgets/snapshots'>): AsyncIterable<Schemas['BudgetSnapshot']>;
    get(id: string): Promise<Schemas['BudgetSnapshot']>;
    byPeriod(period: string): Promise<Schemas['BudgetSnapshot']>;
    create(body: Schemas['SnapshotInput']): Promise<Schemas['BudgetSnapshot']>;
    delete(id: string): Promise<void>;
  };
  goals: {
    list(query?: ListQuery<'/api/v1/goals'>): AsyncIterable<Schemas['Goal']>;
    get(id: string, include?: ('progress' | 'contributions')[]): Promise<Schemas['GoalWithHistory']>;
    create(body: Schemas['GoalInput']): Promise<Schemas['Goal']>;
    update(id: string, body: Schemas['WithVersion_GoalPatch']): Promise<Schemas['Goal']>;
    delete(id: string): Promise<void>;
    contributions(id: string, query?: ListQuery<'/api/v1/goals/{id}/contributions'>): AsyncIterable<Schemas['GoalContribution']>;
    progress(id: string, query?: ListQuery<'/api/v1/goals/{id}/progress'>): AsyncIterable<Schemas['GoalProgress']>;
  };
  audit: {
    list(query?: ListQuery<'/api/v1/users/me/audit'>): AsyncIterable<Schemas['AuditEventOut']>;
  };
}

/** A client of the lifepath server. */
export declare function createClient(options: ClientOptions): LifepathClient;
