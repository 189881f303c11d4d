// The package's SyncEngine offline (push results and pull pages built by hand), and the
// `lifepath/sync` module: FetchTransport against a stub fetch, syncOnce against an in-memory
// server, IndexedDbStore on fake-indexeddb (the real browser check is tests/vite-app).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lifepath, root, thrown } from './lifepath.mjs';

const sync = await import(pathToFileURL(join(root, 'wasm', 'pkg', 'sync', 'sync.js')).href);
const { SyncEngine } = lifepath;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const op = (n) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;
const goal = (n, fields = {}) => ({
  id: id(n),
  name: `Goal ${n}`,
  target_amount: '1000.00',
  priority: 'medium',
  version: 0,
  updated_at: '2026-11-01T00:00:00Z',
  ...fields,
});

test('upsert, delete, get, list and pendingCount', () => {
  const e = new SyncEngine();
  assert.equal(e.pendingCount(), 0);
  assert.deepEqual(e.list('goal'), []);
  assert.equal(e.get('goal', id(1)), undefined);
  assert.equal(e.cursor(), undefined);
  e.upsert('goal', id(2), goal(2));
  e.upsert('goal', id(1), goal(1), op(1));
  e.upsert('snapshot', id(3), { id: id(3), period_year: 2026 });
  assert.equal(e.pendingCount(), 3);
  assert.deepEqual(e.get('goal', id(1)), goal(1));
  // In id order, one kind at a time.
  assert.deepEqual(e.list('goal'), [goal(1), goal(2)]);
  assert.deepEqual(e.list('snapshot'), [{ id: id(3), period_year: 2026 }]);
  assert.deepEqual(e.list('budget_session'), []);
  // A second edit before any push coalesces into the queued one.
  e.upsert('goal', id(1), goal(1, { name: 'Renamed' }));
  assert.equal(e.pendingCount(), 3);
  assert.equal(e.get('goal', id(1)).name, 'Renamed');
  // A record that never reached the server is simply forgotten.
  e.delete('goal', id(2));
  assert.equal(e.get('goal', id(2)), undefined);
  assert.deepEqual(e.list('goal').map((g) => g.id), [id(1)]);
  assert.equal(e.pendingCount(), 2);
  assert.deepEqual(e.conflicts(), []);
  e.free();
});

test('nextPush: the mutations in flight, one per record, at most max', () => {
  const e = new SyncEngine();
  e.upsert('goal', id(1), goal(1), op(1));
  e.upsert('goal', id(2), goal(2));
  e.upsert('goal_progress', id(3), { id: id(3) }, op(3));
  const first = e.nextPush(2);
  // `more`: a third mutation waits for the next batch (the server derives insights after it).
  assert.deepEqual(Object.keys(first), ['mutations', 'more']);
  assert.equal(first.more, true);
  assert.equal(first.mutations.length, 2);
  assert.deepEqual(first.mutations[0], { op_id: op(1), entity: 'goal', id: id(1), base_version: 0, op: 'upsert', data: goal(1) });
  assert.match(first.mutations[1].op_id, UUID_V4, 'a generated opId is a UUID v4');
  assert.notEqual(first.mutations[1].op_id, first.mutations[0].op_id);
  // One push at a time.
  assert.equal(e.nextPush(), undefined);
  e.pushFailed();
  const again = e.nextPush();
  assert.equal(again.mutations.length, 3);
  assert.deepEqual(Object.keys(again), ['mutations'], 'the last batch leaves `more` out');
  assert.deepEqual(again.mutations.slice(0, 2), first.mutations, 'a retry resends the same op_ids');
  e.pushFailed();
  // The default and the cap are 500.
  const many = new SyncEngine();
  for (let i = 0; i < 501; i++) many.upsert('goal', id(1000 + i), { id: id(1000 + i) });
  assert.equal(many.nextPush().mutations.length, 500);
  many.pushFailed();
  assert.equal(many.nextPush(10_000).mutations.length, 500);
  for (const bad of [0, -1, 1.5, '3', Number.NaN]) {
    const err = thrown(() => e.nextPush(bad));
    assert.equal(err.code, 'validation_failed');
    assert.equal(err.field, 'max');
  }
  assert.equal(new SyncEngine().nextPush(), undefined, 'nothing pending');
});

test('applyPushResponse: applied, duplicate, conflict (merged field by field) and rejected', () => {
  const e = new SyncEngine();
  e.upsert('goal', id(1), goal(1), op(1));
  e.upsert('goal', id(2), goal(2), op(2));
  e.upsert('goal', id(3), goal(3, { name: 'Local name', target_amount: '1500.00', updated_at: '2026-11-03T00:00:00Z' }), op(3));
  e.upsert('goal', id(4), goal(4), op(4));
  const req = e.nextPush();
  assert.deepEqual(req.mutations.map((m) => m.op_id), [op(1), op(2), op(3), op(4)]);
  // Another device created goal 3 first: its name is the same, its target and priority differ.
  const server3 = goal(3, { name: 'Local name', target_amount: '2000.00', priority: 'high', version: 1, updated_at: '2026-11-02T00:00:00Z' });
  const summary = e.applyPushResponse({
    results: [
      { op_id: op(1), status: 'applied', version: 1 },
      { op_id: op(2), status: 'duplicate', version: 1 },
      { op_id: op(3), status: 'conflict', server_record: { version: 1, deleted: false, data: server3 } },
      { op_id: op(4), status: 'rejected', error: 'target_amount: must be > 0' },
    ],
  });
  assert.equal(summary.applied, 2);
  assert.equal(summary.conflicts, 1);
  assert.deepEqual(summary.rejected, [{ entity: 'goal', id: id(4), error: 'target_amount: must be > 0' }]);
  // Goal 3 was created on both sides: every field they set differently goes to the later
  // updated_at (local here), and the server's value is kept in the conflict log.
  assert.deepEqual(summary.merged, [
    { entity: 'goal', id: id(3), conflict: { field: 'priority', kept: 'medium', discarded: 'high', discarded_side: 'remote', server_version: 1 } },
    { entity: 'goal', id: id(3), conflict: { field: 'target_amount', kept: '1500.00', discarded: '2000.00', discarded_side: 'remote', server_version: 1 } },
  ]);
  const merged = e.get('goal', id(3));
  assert.equal(merged.target_amount, '1500.00');
  assert.equal(merged.priority, 'medium');
  assert.equal(merged.version, 1, 'bookkeeping: the server version');
  assert.equal(merged.updated_at, '2026-11-03T00:00:00Z');
  // The rejected record went back to the server's state: it has none.
  assert.equal(e.get('goal', id(4)), undefined);
  assert.deepEqual(e.list('goal').map((g) => g.id), [id(1), id(2), id(3)]);
  // The merge is queued on the server's version, under a new op_id.
  assert.equal(e.pendingCount(), 1);
  const rebased = e.nextPush();
  assert.equal(rebased.mutations.length, 1);
  assert.equal(rebased.mutations[0].base_version, 1);
  assert.notEqual(rebased.mutations[0].op_id, op(3));
  assert.deepEqual(rebased.mutations[0].data, merged);
  e.applyPushResponse({ results: [{ op_id: rebased.mutations[0].op_id, status: 'applied', version: 2 }] });
  assert.equal(e.pendingCount(), 0);
  const [c] = e.conflicts();
  assert.equal(c.entity, 'goal');
  assert.equal(c.id, id(3));
  assert.equal(c.version, 2);
  assert.deepEqual(c.conflicts.map((x) => x.discarded), ['high', '2000.00']);
  // Answers that do not match the push in flight.
  e.upsert('goal', id(1), goal(1, { name: 'x' }), op(5));
  e.nextPush();
  let err = thrown(() => e.applyPushResponse({ results: [] }));
  assert.equal(err.code, 'invalid_argument');
  assert.equal(err.field, 'response.results');
  err = thrown(() => e.applyPushResponse({ results: [{ op_id: op(6), status: 'applied' }] }));
  assert.equal(err.field, 'response.results');
  err = thrown(() => e.applyPushResponse({ results: [{ op_id: op(5), status: 'ok' }] }));
  assert.equal(err.code, 'validation_failed');
  assert.equal(err.field, 'response.results[0].status');
  err = thrown(() => e.applyPushResponse({ results: [{ op_id: op(5), status: 'conflict' }] }));
  assert.equal(err.field, 'response.server_record');
  err = thrown(() => e.applyPushResponse({ results: [{ op_id: op(5), status: 'conflict', server_record: { deleted: true } }] }));
  assert.equal(err.field, 'response.results[0].server_record.version');
  assert.equal(thrown(() => e.applyPushResponse(null)).field, 'response');
});

test('applyPull: new records, newer versions, tombstones, a pending edit merged, the cursor', () => {
  const e = new SyncEngine();
  e.upsert('goal', id(1), goal(1), op(1));
  e.upsert('goal', id(2), goal(2), op(2));
  const req = e.nextPush();
  // No pull while a push is in flight.
  const inFlight = thrown(() => e.applyPull({ changes: [], cursor: 'x', has_more: false }));
  assert.equal(inFlight.code, 'invalid_argument');
  assert.equal(inFlight.field, 'pull');
  e.applyPushResponse({ results: req.mutations.map((m) => ({ op_id: m.op_id, status: 'applied', version: 1 })) });
  // An edit of goal 2 waits while another device changed its priority.
  e.upsert('goal', id(2), goal(2, { name: 'Mine', updated_at: '2026-11-05T00:00:00Z' }), op(3));
  const summary = e.applyPull({
    changes: [
      { entity: 'goal', id: id(1), version: 2, deleted: true },
      { entity: 'goal', id: id(2), version: 2, deleted: false, data: goal(2, { priority: 'high', version: 2, updated_at: '2026-11-04T00:00:00Z' }) },
      { entity: 'goal_contribution', id: id(5), version: 1, deleted: false, data: { id: id(5), amount: '50.00' } },
      { entity: 'goal', id: id(6), version: 3, deleted: true },
    ],
    cursor: 'cursor-1',
    has_more: false,
  });
  assert.deepEqual(summary, { updated: 2, deleted: 2, merged: [] });
  assert.equal(e.cursor(), 'cursor-1');
  assert.equal(e.get('goal', id(1)), undefined, 'the tombstone deleted goal 1');
  assert.equal(e.get('goal', id(6)), undefined);
  assert.deepEqual(e.list('goal_contribution'), [{ id: id(5), amount: '50.00' }]);
  const g2 = e.get('goal', id(2));
  assert.equal(g2.name, 'Mine');
  assert.equal(g2.priority, 'high');
  // The pending edit is now based on version 2 and keeps its op_id (it was never sent).
  const next = e.nextPush();
  assert.deepEqual(next.mutations.map((m) => [m.op_id, m.base_version, m.data.name, m.data.priority]), [[op(3), 2, 'Mine', 'high']]);
  e.pushFailed();
  // Tombstones are kept in the state, so a deletion is never undone by an older change.
  const stale = e.applyPull({ changes: [{ entity: 'goal', id: id(1), version: 1, deleted: false, data: goal(1) }], cursor: 'cursor-2', has_more: false });
  assert.deepEqual(stale, { updated: 0, deleted: 0, merged: [] });
  assert.equal(e.get('goal', id(1)), undefined);
  const t = e.state().records.find((r) => r.id === id(1));
  assert.deepEqual(t, { entity: 'goal', id: id(1), version: 2, data: null, base: null, deleted: true, conflicts: [] });
  // A deleted record cannot be edited again.
  assert.equal(thrown(() => e.upsert('goal', id(1), goal(1))).field, 'id');
  let err = thrown(() => e.applyPull({ changes: [{ entity: 'goal', id: id(7), version: 1 }], cursor: 'c', has_more: false }));
  assert.equal(err.field, 'page.changes[0].deleted');
  err = thrown(() => e.applyPull({ changes: [], has_more: false }));
  assert.equal(err.field, 'page.cursor');
  err = thrown(() => e.applyPull({ changes: [{ entity: 'goals', id: id(7), version: 1, deleted: true }], cursor: 'c', has_more: false }));
  assert.equal(err.field, 'page.changes[0].entity');
});

test('state() is plain JSON: a new engine restored from it is the same engine', () => {
  const e = new SyncEngine();
  e.upsert('goal', id(1), goal(1), op(1));
  e.upsert('goal', id(2), goal(2), op(2));
  e.upsert('snapshot', id(3), { id: id(3), nested: { list: [1, 2.5, null, 'x'], flag: true } }, op(3));
  const req = e.nextPush(1);
  e.applyPushResponse({
    results: [{ op_id: req.mutations[0].op_id, status: 'conflict', server_record: { version: 4, data: goal(1, { target_amount: '9.00', updated_at: '2026-11-09T00:00:00Z', version: 4 }) } }],
  });
  e.applyPull({ changes: [{ entity: 'goal', id: id(9), version: 1, deleted: true }], cursor: 'c-7', has_more: false });
  e.nextPush(1); // leaves a batch in flight
  const state = e.state();
  assert.deepEqual(Object.keys(state), ['records', 'queue', 'cursor']);
  assert.equal(state.cursor, 'c-7');
  assert.ok(state.queue.some((p) => p.in_flight));
  const text = JSON.stringify(state);
  const back = new SyncEngine(JSON.parse(text));
  assert.equal(JSON.stringify(back.state()), text);
  assert.equal(back.pendingCount(), e.pendingCount());
  assert.equal(back.cursor(), 'c-7');
  for (const kind of ['goal', 'snapshot']) assert.deepEqual(back.list(kind), e.list(kind));
  assert.deepEqual(back.conflicts(), e.conflicts());
  assert.deepEqual(back.get('snapshot', id(3)), { id: id(3), nested: { list: [1, 2.5, null, 'x'], flag: true } });
  // The restored in-flight batch is resent with the same op_ids after pushFailed.
  assert.equal(back.nextPush(), undefined);
  back.pushFailed();
  e.pushFailed();
  assert.deepEqual(back.nextPush(), e.nextPush());
  // Empty and null states; records out of order are sorted, the last duplicate wins.
  assert.equal(new SyncEngine(null).pendingCount(), 0);
  assert.equal(new SyncEngine(undefined).state().cursor, null);
  const rec = (n, name) => ({ entity: 'goal', id: id(n), version: 1, data: { id: id(n), name }, base: null, deleted: false });
  const shuffled = new SyncEngine({ records: [rec(2, 'b'), rec(1, 'a'), rec(2, 'c')], queue: [], cursor: null });
  assert.deepEqual(shuffled.list('goal'), [{ id: id(1), name: 'a' }, { id: id(2), name: 'c' }]);
  assert.deepEqual(shuffled.state().records[0].conflicts, [], 'conflicts default to []');
});

test('bad input throws LifepathError with code and field', () => {
  const e = new SyncEngine();
  e.upsert('goal', id(1), goal(1));
  const cases = [
    [() => e.upsert('goals', id(2), goal(2)), 'validation_failed', 'entity'],
    [() => e.upsert(undefined, id(2), goal(2)), 'validation_failed', 'entity'],
    [() => e.get('Goal', id(1)), 'validation_failed', 'entity'],
    [() => e.list(7), 'validation_failed', 'entity'],
    [() => e.delete('session', id(1)), 'validation_failed', 'entity'],
    [() => e.upsert('goal', 'not-a-uuid', {}), 'validation_failed', 'id'],
    [() => e.upsert('goal', 42, {}), 'validation_failed', 'id'],
    [() => e.get('goal', '1234'), 'validation_failed', 'id'],
    [() => e.delete('goal', ''), 'validation_failed', 'id'],
    [() => e.upsert('goal', id(2), goal(2), 'op-1'), 'validation_failed', 'opId'],
    [() => e.delete('goal', id(1), 'nope'), 'validation_failed', 'opId'],
    [() => e.upsert('goal', id(2), [1, 2]), 'invalid_argument', 'data'],
    [() => e.upsert('goal', id(2), null), 'invalid_argument', 'data'],
    [() => e.upsert('goal', id(2), 'text'), 'invalid_argument', 'data'],
    [() => e.upsert('goal', id(2), { id: id(3) }), 'invalid_argument', 'data.id'],
    [() => e.upsert('goal', id(2), { big: 10n }), 'validation_failed', 'data'],
    [() => e.delete('goal', id(2)), 'invalid_argument', 'id'],
    [() => new SyncEngine({ records: 'x', queue: [] }), 'validation_failed', 'state.records'],
    [() => new SyncEngine({ records: [{ entity: 'goal', id: id(1), version: '1', deleted: false }], queue: [] }), 'validation_failed', 'state.records[0].version'],
    [() => new SyncEngine({ records: [], queue: [{ in_flight: false, mutation: { op_id: op(1), entity: 'goal', id: id(1), base_version: 0, op: 'put' } }] }), 'validation_failed', 'state.queue[0].mutation.op'],
    [() => new SyncEngine({ records: [], queue: [], cursor: 5 }), 'validation_failed', 'state.cursor'],
    [() => new SyncEngine([]), 'validation_failed', 'state'],
  ];
  for (const [f, code, field] of cases) {
    const err = thrown(f);
    assert.equal(err.code, code, `${f}: ${err.message}`);
    assert.equal(err.field, field, `${f}: ${err.message}`);
    assert.ok(lifepath.isLifepathError(err));
  }
  // Nothing changed.
  assert.equal(e.pendingCount(), 1);
  assert.deepEqual(e.list('goal'), [goal(1)]);
});

// ---- lifepath/sync -------------------------------------------------------------------------

/** A stub fetch that records every call and answers with `answer(url, init)`. */
function stubFetch(answer) {
  const calls = [];
  const f = async (url, init) => {
    calls.push({ url, init });
    return answer(url, init);
  };
  return { f, calls };
}

const json = (body, status = 200, type = 'application/json') =>
  new Response(body === undefined ? '' : JSON.stringify(body), { status, headers: { 'content-type': type } });

test('FetchTransport: push and pull requests, bearer token, errors', async () => {
  const pushBody = { results: [{ op_id: op(1), status: 'applied', version: 1 }] };
  const pullBody = { changes: [], cursor: 'abc', has_more: false };
  const { f, calls } = stubFetch((url) => json(url.includes('/push') ? pushBody : pullBody));
  let token = 'tok-1';
  const t = new sync.FetchTransport({ baseUrl: 'https://api.example/', accessToken: async () => token, fetch: f });
  const req = { mutations: [{ op_id: op(1), entity: 'goal', id: id(1), base_version: 0, op: 'upsert', data: goal(1) }] };
  assert.deepEqual(await t.push(req), pushBody);
  assert.equal(calls[0].url, 'https://api.example/api/v1/sync/push');
  assert.equal(calls[0].init.method, 'POST');
  assert.deepEqual(JSON.parse(calls[0].init.body), req);
  assert.equal(calls[0].init.headers.authorization, 'Bearer tok-1');
  assert.equal(calls[0].init.headers['content-type'], 'application/json');
  token = 'tok-2';
  assert.deepEqual(await t.pull('a b&c', 50), pullBody);
  assert.equal(calls[1].url, 'https://api.example/api/v1/sync/pull?since=a+b%26c&limit=50');
  assert.equal(calls[1].init.method, 'GET');
  assert.equal(calls[1].init.body, undefined);
  assert.equal(calls[1].init.headers.authorization, 'Bearer tok-2');
  await t.pull();
  await t.pull(null, undefined);
  assert.equal(calls[2].url, 'https://api.example/api/v1/sync/pull');
  assert.equal(calls[3].url, 'https://api.example/api/v1/sync/pull');
  // No token: no Authorization header (the server answers 401).
  const anon = stubFetch(() => json({ type: 'https://lifepath.invalid/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'missing bearer token', code: 'unauthorized' }, 401, 'application/problem+json'));
  const t2 = new sync.FetchTransport({ baseUrl: 'http://h', accessToken: () => null, fetch: anon.f });
  await assert.rejects(t2.pull(), (e) => {
    assert.ok(e instanceof sync.SyncHttpError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SyncHttpError');
    assert.equal(e.status, 401);
    assert.equal(e.problem.code, 'unauthorized');
    assert.match(e.message, /401: missing bearer token/);
    return true;
  });
  assert.equal('authorization' in anon.calls[0].init.headers, false);
  // A body that is not JSON: problem is null.
  const bad = stubFetch(() => new Response('<html>bad gateway</html>', { status: 502 }));
  await assert.rejects(new sync.FetchTransport({ baseUrl: 'http://h', accessToken: () => 't', fetch: bad.f }).push(req), (e) => e instanceof sync.SyncHttpError && e.status === 502 && e.problem === null);
  // Offline: fetch's own error.
  const offline = new TypeError('fetch failed');
  const down = new sync.FetchTransport({ baseUrl: 'http://h', accessToken: () => 't', fetch: async () => { throw offline; } });
  await assert.rejects(down.push(req), (e) => e === offline);
  assert.throws(() => new sync.FetchTransport({ accessToken: () => null }), TypeError);
});

/** An in-memory sync server with the protocol's rules (versions, idempotent op_ids, a feed). */
class FakeServer {
  seq = 0;
  records = new Map();
  done = new Map();
  /** 'before' (the request is lost) or 'after' (the answer is lost) for the next push. */
  fail = null;
  /** The sequence number of the last tombstone purged (see `purge`). */
  purged = 0;

  transport() {
    return {
      push: async (req) => {
        const fail = this.fail;
        this.fail = null;
        if (fail === 'before') throw new TypeError('fetch failed');
        const res = this.push(structuredClone(req));
        if (fail === 'after') throw new TypeError('fetch failed');
        return structuredClone(res);
      },
      pull: async (since, limit) => structuredClone(this.pull(since, limit)),
    };
  }

  push({ mutations }) {
    assert.ok(mutations.length <= 500);
    return {
      results: mutations.map((m) => {
        const first = this.done.get(m.op_id);
        if (first) return { ...first, status: 'duplicate' };
        const key = `${m.entity}/${m.id}`;
        const cur = this.records.get(key);
        const version = cur ? cur.version : 0;
        if (m.base_version !== version) {
          return { op_id: m.op_id, status: 'conflict', server_record: { version, deleted: cur.deleted, data: cur.data } };
        }
        const deleted = m.op === 'delete';
        this.records.set(key, { entity: m.entity, id: m.id, version: version + 1, deleted, data: deleted ? null : { ...m.data, version: version + 1 }, seq: ++this.seq });
        const r = { op_id: m.op_id, status: 'applied', version: version + 1 };
        this.done.set(m.op_id, r);
        return r;
      }),
    };
  }

  // Like the server: a cursor before the purge mark is refused (410 cursor_expired) unless it
  // is one of a pull from the beginning ('f' prefix); the last page's cursor passes the mark.
  pull(since, limit = 3) {
    const full = !since || since.startsWith('f');
    const after = since ? Number(since.replace(/^f/, '')) : 0;
    if (!full && after < this.purged) {
      throw new sync.SyncHttpError(410, { code: 'cursor_expired', detail: 'pull again from the beginning' }, 'pull');
    }
    const all = [...this.records.values()].filter((r) => r.seq > after).sort((a, b) => a.seq - b.seq);
    const page = all.slice(0, limit);
    const has_more = all.length > limit;
    let cursor = page.length ? page[page.length - 1].seq : after;
    if (!has_more) cursor = Math.max(cursor, this.purged);
    return {
      changes: page.map((r) => (r.deleted ? { entity: r.entity, id: r.id, version: r.version, deleted: true } : { entity: r.entity, id: r.id, version: r.version, deleted: false, data: r.data })),
      cursor: `${full && has_more ? 'f' : ''}${cursor}`,
      has_more,
    };
  }

  /** Forgets every tombstone, as the server does after LIFEPATH_TOMBSTONE_DAYS. */
  purge() {
    for (const [key, r] of this.records) {
      if (r.deleted) {
        this.purged = Math.max(this.purged, r.seq);
        this.records.delete(key);
      }
    }
  }
}

test('syncOnce: pushes every batch, pulls every page, survives a lost request or answer', async () => {
  const server = new FakeServer();
  const transport = server.transport();
  const a = new SyncEngine();
  for (let n = 1; n <= 5; n++) a.upsert('goal', id(n), goal(n));
  let r = await sync.syncOnce(a, transport, { batchSize: 2 });
  assert.deepEqual(r, { pushed: 5, applied: 5, duplicates: 0, conflicts: 0, rejected: [], pulled: 5, merges: [], startedOver: false });
  assert.equal(a.pendingCount(), 0);
  assert.equal(a.cursor(), '5');
  assert.equal(a.get('goal', id(1)).version, 1, 'the pull brought back the server record');
  // The request is lost: the error comes out, the batch stays queued.
  a.upsert('goal', id(1), goal(1, { name: 'One', version: 1, updated_at: '2026-11-02T00:00:00Z' }));
  server.fail = 'before';
  await assert.rejects(sync.syncOnce(a, transport), /fetch failed/);
  assert.equal(a.pendingCount(), 1);
  assert.equal(server.records.get(`goal/${id(1)}`).version, 1);
  // The answer is lost: the server applied it; the resend is a duplicate and changes nothing.
  server.fail = 'after';
  await assert.rejects(sync.syncOnce(a, transport), /fetch failed/);
  assert.equal(server.records.get(`goal/${id(1)}`).version, 2);
  r = await sync.syncOnce(a, transport);
  assert.deepEqual([r.pushed, r.applied, r.duplicates, r.pulled], [1, 0, 1, 1]);
  assert.equal(server.records.get(`goal/${id(1)}`).version, 2);
  assert.equal(a.pendingCount(), 0);
  // A second device; both edit offline (different fields of goal 2, the same field of goal 3,
  // one deletes goal 4 that the other edits), then sync A, B, A.
  const b = new SyncEngine();
  r = await sync.syncOnce(b, transport);
  assert.equal(r.pulled, 5);
  assert.deepEqual(b.list('goal'), a.list('goal'));
  const edit = (e, n, fields) => e.upsert('goal', id(n), { ...e.get('goal', id(n)), ...fields });
  edit(a, 2, { name: 'A name', updated_at: '2026-11-10T00:00:00Z' });
  edit(b, 2, { target_amount: '2500.00', updated_at: '2026-11-11T00:00:00Z' });
  edit(a, 3, { priority: 'high', updated_at: '2026-11-10T00:00:00Z' });
  edit(b, 3, { priority: 'low', updated_at: '2026-11-12T00:00:00Z' });
  edit(a, 4, { name: 'Edited', updated_at: '2026-11-10T00:00:00Z' });
  b.delete('goal', id(4));
  await sync.syncOnce(a, transport);
  const rb = await sync.syncOnce(b, transport);
  assert.equal(rb.conflicts, 3);
  assert.deepEqual(rb.merges.map((m) => [m.id, m.conflict.field, m.conflict.kept, m.conflict.discarded]), [[id(3), 'priority', 'low', 'high']]);
  await sync.syncOnce(a, transport);
  assert.deepEqual(a.list('goal'), b.list('goal'));
  assert.equal(a.get('goal', id(4)), undefined, 'the deletion reached A');
  assert.equal(b.get('goal', id(2)).name, 'A name');
  assert.equal(b.get('goal', id(2)).target_amount, '2500.00');
  assert.equal(a.get('goal', id(3)).priority, 'low');
  // Calls on one engine run one after the other.
  a.upsert('goal', id(9), goal(9));
  const [x, y] = await Promise.all([sync.syncOnce(a, transport), sync.syncOnce(a, transport)]);
  assert.equal(x.pushed + y.pushed, 1);
  assert.equal(a.pendingCount(), 0);
  // A server error is a SyncHttpError-like rejection; the batch stays queued.
  a.upsert('goal', id(10), goal(10));
  const refusing = { push: async () => { throw new sync.SyncHttpError(401, { code: 'unauthorized' }, 'u'); }, pull: transport.pull };
  await assert.rejects(sync.syncOnce(a, refusing), (e) => e.status === 401);
  assert.equal(a.pendingCount(), 1);
  assert.equal((await sync.syncOnce(a, transport)).applied, 1);
});

test('syncOnce: a device away longer than the server keeps deletions starts over and still gets them', async () => {
  const server = new FakeServer();
  const transport = server.transport();
  const a = new SyncEngine();
  for (let n = 1; n <= 7; n++) a.upsert('goal', id(n), goal(n));
  await sync.syncOnce(a, transport);
  const b = new SyncEngine();
  await sync.syncOnce(b, transport);
  assert.equal(b.list('goal').length, 7);
  const away = b.state();
  // While B is away: A deletes goals 1 and 2 and renames goal 3; the server purges the
  // tombstones. B creates goal 8 offline.
  a.delete('goal', id(1));
  a.delete('goal', id(2));
  a.upsert('goal', id(3), { ...a.get('goal', id(3)), name: 'Renamed', updated_at: '2026-11-05T00:00:00Z' });
  await sync.syncOnce(a, transport);
  server.purge();
  // B comes back, but is closed halfway through its pull from the beginning: the state saved
  // then still holds the refused cursor, so the next run starts over again.
  const half = new SyncEngine(away);
  half.upsert('goal', id(8), goal(8));
  await sync.syncOnce(half, { push: transport.push, pull: async () => { throw new sync.SyncHttpError(410, { code: 'cursor_expired' }, 'pull'); } }).catch(() => {});
  half.beginFullPull();
  assert.equal(half.cursor(), undefined);
  const first = await transport.pull(undefined, 3);
  assert.equal(first.has_more, true);
  half.applyPull(first);
  assert.equal(half.state().cursor, away.cursor, 'the stored cursor is still the refused one');
  const back = new SyncEngine(half.state());
  const r = await sync.syncOnce(back, transport);
  assert.equal(r.startedOver, true);
  assert.equal(back.get('goal', id(1)), undefined, 'deleted while B was away');
  assert.equal(back.get('goal', id(2)), undefined, 'deleted while B was away');
  assert.equal(back.get('goal', id(3)).name, 'Renamed');
  assert.equal(back.get('goal', id(8)).version, 1, 'its own offline goal was pushed');
  await sync.syncOnce(a, transport);
  assert.deepEqual(back.list('goal'), a.list('goal'));
  assert.equal(back.list('goal').length, 6);
  // The cursor is past the purge mark now: plain pulls again.
  assert.equal((await sync.syncOnce(back, transport)).startedOver, false);
  // A refusal that is not 410 cursor_expired is an error, as before.
  const gone = { push: transport.push, pull: async () => { throw new sync.SyncHttpError(410, { code: 'other' }, 'pull'); } };
  await assert.rejects(sync.syncOnce(back, gone), (e) => e.status === 410);
});

test('IndexedDbStore: save, load, delete on fake-indexeddb', async (t) => {
  const req = createRequire(join(root, 'wasm', 'package.json'));
  let auto;
  try {
    auto = req.resolve('fake-indexeddb/auto');
  } catch {
    t.skip('fake-indexeddb is not installed in wasm/node_modules (npm ci in wasm/); the Chromium check is tests/vite-app');
    return;
  }
  await import(pathToFileURL(auto).href);
  const e = new SyncEngine();
  e.upsert('goal', id(1), goal(1), op(1));
  e.applyPull({ changes: [{ entity: 'goal', id: id(2), version: 1, deleted: true }], cursor: 'c', has_more: false });
  const state = e.state();
  const store = await sync.IndexedDbStore.open('lifepath-test');
  assert.equal(await store.load('user-1'), undefined);
  await store.save('user-1', state);
  assert.deepEqual(await store.load('user-1'), state);
  const again = await sync.IndexedDbStore.open('lifepath-test');
  assert.deepEqual(new SyncEngine(await again.load('user-1')).state(), state);
  await store.save('user-1', new SyncEngine().state());
  assert.deepEqual((await again.load('user-1')).records, []);
  await store.delete('user-1');
  assert.equal(await store.load('user-1'), undefined);
  store.close();
  again.close();
});

test('the package ships lifepath/sync, and its types are precise (never any)', async () => {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(join(root, 'wasm', 'pkg', 'package.json'), 'utf8'));
  assert.ok(pkg.files.includes('sync/'));
  assert.deepEqual(pkg.exports['./sync'], {
    node: { types: './sync/sync.node.d.ts', default: './sync/sync.js' },
    types: './sync/sync.d.ts',
    default: './sync/sync.js',
  });
  const strip = (code) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const [file, from] of [['sync.d.ts', '../web/lifepath.js'], ['sync.node.d.ts', '../node/index.mjs']]) {
    const code = strip(readFileSync(join(root, 'wasm', 'pkg', 'sync', file), 'utf8'));
    assert.doesNotMatch(code, /\bany\b/, file);
    assert.match(code, new RegExp(`import type \\{[^}]*\\bSyncEngine\\b[^}]*\\} from '${from.replace(/\./g, '\\.')}';`), file);
    for (const name of ['class SyncHttpError', 'class FetchTransport', 'function syncOnce', 'class IndexedDbStore', 'interface SyncReport']) {
      assert.match(code, new RegExp(`export ${name}\\b`), `${file}: ${name}`);
    }
  }
  const js = readFileSync(join(root, 'wasm', 'pkg', 'sync', 'sync.js'), 'utf8');
  assert.doesNotMatch(js, /lifepath(_bg)?\.(js|wasm)/, 'lifepath/sync does not load the WebAssembly');
  for (const target of ['web', 'bundler', 'node']) {
    const code = strip(readFileSync(join(root, 'wasm', 'pkg', target, 'lifepath.d.ts'), 'utf8'));
    for (const sig of [
      'constructor(state?: SyncState | null);',
      'upsert(entity: EntityKind, id: string, data: object, opId?: string): void;',
      'delete(entity: EntityKind, id: string, opId?: string): void;',
      'get(entity: EntityKind, id: string): object | undefined;',
      'list(entity: EntityKind): object[];',
      'pendingCount(): number;',
      'conflicts(): StoredRecord[];',
      'cursor(): string | undefined;',
      'nextPush(max?: number): PushRequest | undefined;',
      'pushFailed(): void;',
      'applyPushResponse(response: PushResponse): PushSummary;',
      'applyPull(page: PullResponse): PullSummary;',
      'state(): SyncState;',
    ]) {
      assert.ok(code.includes(sig), `${target}/lifepath.d.ts: ${sig}`);
    }
    assert.match(code, /export type EntityKind = "snapshot" \| "goal" \| "goal_contribution" \| "goal_progress" \| "recommendation_feedback" \| "budget_session" \| "transaction" \| "category_rule";/);
    assert.match(code, /export interface SyncState \{\s*records: StoredRecord\[\];\s*queue: PendingMutation\[\];\s*cursor: string \| null;\s*\}/);
  }
});
