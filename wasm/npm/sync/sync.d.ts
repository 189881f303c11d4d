// lifepath/sync: the I/O around the package's SyncEngine (DESIGN §4). The types come from the
// package itself; the module never loads the WebAssembly (it works with every build).
import type {
  MergeNotice,
  PullResponse,
  PushRequest,
  PushResponse,
  RejectedMutation,
  SyncEngine,
  SyncState,
} from '../web/lifepath.js';

/** The `application/problem+json` body of a failed request. */
export interface SyncProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** The server's stable error code, e.g. `"unauthorized"`, `"validation_failed"`. */
  code?: string;
  [member: string]: unknown;
}

/** A non-2xx answer of the sync server (a 401 means: refresh the access token and retry). */
export class SyncHttpError extends Error {
  name: 'SyncHttpError';
  /** The HTTP status. */
  readonly status: number;
  /** The parsed problem+json body (`null` when the body was empty or not JSON). */
  readonly problem: SyncProblem | null;
  constructor(status: number, problem: SyncProblem | null, url: string);
}

/** How the sync loop talks to the server. */
export interface SyncTransport {
  push(req: PushRequest): Promise<PushResponse>;
  pull(since?: string | null, limit?: number): Promise<PullResponse>;
}

/**
 * `typeof fetch` wherever the program declares the global fetch (TypeScript's DOM lib,
 * `@types/node`); without one, the little of fetch that {@link FetchTransport} uses.
 */
export type FetchFunction = typeof globalThis extends { fetch: infer F }
  ? F
  : (
      url: string,
      init: { method: string; headers: Record<string, string>; body?: string },
    ) => Promise<{ ok: boolean; status: number; text(): Promise<string>; json(): Promise<unknown> }>;

export interface FetchTransportOptions {
  /** The server, e.g. `"https://lifepath.example"` (the `/api/v1/sync/...` paths are added). */
  baseUrl: string;
  /** The current access token (`null`: send no Authorization header). Called per request. */
  accessToken: () => string | null | Promise<string | null>;
  /** The fetch to use (default: the global fetch). */
  fetch?: FetchFunction;
}

/**
 * `POST {baseUrl}/api/v1/sync/push` and `GET {baseUrl}/api/v1/sync/pull?since=&limit=` with
 * `Authorization: Bearer <token>`. A non-2xx answer rejects with {@link SyncHttpError}; a
 * network failure (offline) rejects with fetch's own error.
 */
export class FetchTransport implements SyncTransport {
  constructor(opts: FetchTransportOptions);
  push(req: PushRequest): Promise<PushResponse>;
  pull(since?: string | null, limit?: number): Promise<PullResponse>;
}

/** The part of {@link SyncEngine} the sync loop uses. */
export type SyncEngineLike = Pick<SyncEngine, 'nextPush' | 'pushFailed' | 'applyPushResponse' | 'applyPull' | 'cursor' | 'beginFullPull'>;

export interface SyncOptions {
  /** Mutations per push (default and cap 500). */
  batchSize?: number;
  /** Changes per pull page (default: the server's). */
  pageSize?: number;
}

/** What one {@link syncOnce} did. */
export interface SyncReport {
  /** Mutations sent. */
  pushed: number;
  /** Mutations the server applied. */
  applied: number;
  /** Mutations the server had applied before (a resent batch): nothing changed twice. */
  duplicates: number;
  /** Mutations that conflicted and were merged (the merge is pushed in the same round). */
  conflicts: number;
  /** Mutations the server refused, with its reasons (the record went back to the server's). */
  rejected: RejectedMutation[];
  /** Records written or deleted by pulled changes. */
  pulled: number;
  /** Field values that lost a merge (kept in the record's conflict log). */
  merges: MergeNotice[];
  /**
   * True when the server refused the cursor (410 `cursor_expired`: this device was away longer
   * than the server keeps deletions) and the round pulled everything again; records the server
   * no longer has were deleted here too.
   */
  startedOver: boolean;
}

/**
 * One sync round: every pending batch (`nextPush` → `transport.push` → `applyPushResponse`),
 * then every pull page (`transport.pull(cursor)` → `applyPull`) until `has_more` is false;
 * when the server answers 410 `cursor_expired`, `engine.beginFullPull()` and the pull starts
 * over from the beginning (once per round).
 * On a transport error the batch in flight goes back to the queue (`pushFailed`) and the error
 * is rethrown; the next call resends it with the same op_ids (as it does with a batch left in
 * flight in a restored state). Calls on one engine run one after the other. Save
 * `engine.state()` afterwards.
 */
export function syncOnce(engine: SyncEngineLike, transport: SyncTransport, opts?: SyncOptions): Promise<SyncReport>;

/** The engine's {@link SyncState} in IndexedDB: one object store, one state per key. */
export class IndexedDbStore {
  private constructor();
  /** Opens, and creates on first use, the database (default `"lifepath-sync"`). */
  static open(dbName?: string): Promise<IndexedDbStore>;
  /** The state saved under `key` (e.g. the user id), or undefined. */
  load(key: string): Promise<SyncState | undefined>;
  /** Saves `state` under `key`; resolves once the transaction has committed (durable). */
  save(key: string, state: SyncState): Promise<void>;
  /** Forgets the state saved under `key` (e.g. on logout). */
  delete(key: string): Promise<void>;
  /** Closes the database. */
  close(): void;
}
