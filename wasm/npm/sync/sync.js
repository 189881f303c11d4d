// lifepath/sync: the I/O around the package's SyncEngine (DESIGN §4) — an HTTP transport over
// fetch, the sync loop and an IndexedDB store for the engine's state. It does not import the
// WebAssembly module, so it works with every build of the package (web, bundler, node).

const PUSH_PATH = '/api/v1/sync/push';
const PULL_PATH = '/api/v1/sync/pull';

/** A non-2xx answer of the sync server; `problem` is its `application/problem+json` body. */
export class SyncHttpError extends Error {
  constructor(status, problem, url) {
    const what = problem && typeof problem === 'object' ? problem.detail || problem.title : null;
    super(`sync server answered ${status}${what ? `: ${what}` : ''} (${url})`);
    this.name = 'SyncHttpError';
    this.status = status;
    this.problem = problem;
  }
}

/** `POST /api/v1/sync/push` and `GET /api/v1/sync/pull` over fetch, with a bearer token. */
export class FetchTransport {
  #baseUrl;
  #accessToken;
  #fetch;

  constructor(opts) {
    if (!opts || typeof opts.baseUrl !== 'string') throw new TypeError('FetchTransport: baseUrl must be a string');
    if (typeof opts.accessToken !== 'function') throw new TypeError('FetchTransport: accessToken must be a function');
    this.#baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#accessToken = opts.accessToken;
    // Called as a plain function: browsers refuse `fetch` called on another `this`.
    const f = opts.fetch;
    this.#fetch = f ? (url, init) => f(url, init) : (url, init) => globalThis.fetch(url, init);
  }

  /** Sends one batch; resolves to the server's results, one per mutation, in order. */
  push(req) {
    return this.#request(PUSH_PATH, { method: 'POST', body: JSON.stringify(req) });
  }

  /** One page of changes after `since` (from the beginning when absent). */
  pull(since, limit) {
    const q = new URLSearchParams();
    if (since !== undefined && since !== null) q.set('since', since);
    if (limit !== undefined && limit !== null) q.set('limit', String(limit));
    const query = q.toString();
    return this.#request(query ? `${PULL_PATH}?${query}` : PULL_PATH, { method: 'GET' });
  }

  async #request(path, init) {
    const url = this.#baseUrl + path;
    const headers = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const token = await this.#accessToken();
    if (token) headers.authorization = `Bearer ${token}`;
    // A network failure (offline) rejects here with fetch's own error.
    const res = await this.#fetch(url, { ...init, headers });
    if (!res.ok) {
      let problem = null;
      try {
        const text = await res.text();
        problem = text ? JSON.parse(text) : null;
      } catch {
        problem = null;
      }
      throw new SyncHttpError(res.status, problem, url);
    }
    return res.json();
  }
}

// One sync at a time per engine: a second call waits for the first to finish, then runs.
const running = new WeakMap();

/**
 * One sync round: pushes every pending batch, then pulls every page (from the beginning when
 * the server answers 410 `cursor_expired`; `report.startedOver` tells). Rejects with the
 * transport's error (offline, SyncHttpError) after putting the batch in flight back in the
 * queue, so the next call resends it with the same op_ids (idempotent).
 */
export function syncOnce(engine, transport, opts = {}) {
  const before = running.get(engine) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => syncRound(engine, transport, opts));
  const settled = run.catch(() => undefined);
  running.set(engine, settled);
  settled.then(() => {
    if (running.get(engine) === settled) running.delete(engine);
  });
  return run;
}

async function syncRound(engine, transport, opts) {
  const batchSize = opts.batchSize ?? 500;
  const pageSize = opts.pageSize;
  const report = { pushed: 0, applied: 0, duplicates: 0, conflicts: 0, rejected: [], pulled: 0, merges: [], startedOver: false };
  // Nothing of ours is in flight now: a batch marked in flight in a restored state was lost
  // with its answer; resending it is idempotent.
  engine.pushFailed();
  for (;;) {
    const req = engine.nextPush(batchSize);
    if (req === undefined) break;
    let summary;
    let res;
    try {
      res = await transport.push(req);
      summary = engine.applyPushResponse(res);
    } catch (e) {
      engine.pushFailed();
      throw e;
    }
    report.pushed += req.mutations.length;
    for (const r of res.results) {
      if (r.status === 'applied') report.applied += 1;
      else if (r.status === 'duplicate') report.duplicates += 1;
    }
    report.conflicts += summary.conflicts;
    report.rejected.push(...summary.rejected);
    report.merges.push(...summary.merged);
  }
  let startedOver = false;
  for (;;) {
    const since = engine.cursor() ?? null;
    let page;
    try {
      page = await transport.pull(since, pageSize);
    } catch (e) {
      // The server purged deletions after our cursor: pull everything again; the engine drops,
      // at the last page, the records that pull did not send.
      if (!startedOver && since !== null && e instanceof SyncHttpError && e.status === 410 && e.problem?.code === 'cursor_expired') {
        startedOver = true;
        report.startedOver = true;
        engine.beginFullPull();
        continue;
      }
      throw e;
    }
    const summary = engine.applyPull(page);
    report.pulled += summary.updated + summary.deleted;
    report.merges.push(...summary.merged);
    if (!page.has_more) break;
    if (page.changes.length === 0 && page.cursor === since) {
      throw new Error('sync pull: the server says has_more but the cursor does not move');
    }
  }
  return report;
}

const STORE = 'sync-state';

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** The engine's state in IndexedDB: one object store, one state per key (e.g. the user id). */
export class IndexedDbStore {
  #db;

  constructor(db) {
    this.#db = db;
  }

  /** Opens (and creates on first use) the database `dbName` (default `"lifepath-sync"`). */
  static open(dbName = 'lifepath-sync') {
    const idb = globalThis.indexedDB;
    if (!idb) return Promise.reject(new Error('IndexedDB is not available here'));
    const req = idb.open(dbName, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    return new Promise((resolve, reject) => {
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the database: let it, this handle stops working.
        db.onversionchange = () => db.close();
        resolve(new IndexedDbStore(db));
      };
      req.onerror = () => reject(req.error ?? new Error(`could not open IndexedDB ${dbName}`));
      req.onblocked = () => reject(new Error(`IndexedDB ${dbName} is blocked by another tab`));
    });
  }

  /** The state saved under `key`, or undefined. */
  async load(key) {
    const tx = this.#db.transaction(STORE, 'readonly');
    const value = await done(tx.objectStore(STORE).get(key));
    return value ?? undefined;
  }

  /** Saves `state` under `key`; resolves once the transaction has committed. */
  save(key, state) {
    const tx = this.#db.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).put(state, key);
    return committed(tx);
  }

  /** Forgets the state saved under `key` (e.g. on logout). */
  delete(key) {
    const tx = this.#db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(key);
    return committed(tx);
  }

  /** Closes the database. */
  close() {
    this.#db.close();
  }
}
