// Two of the package's SyncEngines (the nodejs build) against a REAL running lifepath server,
// through lifepath/sync's FetchTransport and syncOnce: a record created on one device reaches
// the other; concurrent offline edits of different fields of one goal merge; a deletion
// (against a concurrent edit) reaches both; both devices end with identical data.
//
// The server's base URL comes from LIFEPATH_TEST_SERVER (scripts/test-sync.sh starts a server
// and sets it); without it the test is skipped and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lifepath, root } from './lifepath.mjs';

const SERVER = process.env.LIFEPATH_TEST_SERVER;
const SKIP = 'SKIPPED: LIFEPATH_TEST_SERVER not set (scripts/test-sync.sh starts a server)';
const ENTITIES = ['snapshot', 'goal', 'goal_contribution', 'goal_progress', 'recommendation_feedback', 'budget_session'];

const { FetchTransport, SyncHttpError, syncOnce } = await import(pathToFileURL(join(root, 'wasm', 'pkg', 'sync', 'sync.js')).href);

async function api(method, path, body, token) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${SERVER.replace(/\/+$/, '')}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** An instant `seconds` from now, RFC 3339 (edits made later win a merge of one field). */
const at = (seconds) => new Date(Date.now() + seconds * 1000).toISOString();

test('two JS SyncEngines converge through a real server', async (t) => {
  if (!SERVER) {
    t.skip(SKIP);
    return;
  }
  // A fresh user, and a valid goal record from the REST API to copy.
  const reg = await api('POST', '/api/v1/users', { email: `sync-${randomUUID()}@example.com`, password: 'correct horse battery staple' });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const token = reg.body.access_token;
  assert.equal(typeof token, 'string');
  const made = await api('POST', '/api/v1/goals', {
    name: 'Template',
    goal_type: 'savings_target',
    category: 'vacation',
    target_amount: '1000.00',
    start_date: '2026-01-01',
  }, token);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const template = made.body;
  const newGoal = (name) => ({ ...template, id: randomUUID(), name, version: 0, created_at: at(0), updated_at: at(0) });

  const transport = new FetchTransport({ baseUrl: SERVER, accessToken: () => token });
  const a = new lifepath.SyncEngine();
  const b = new lifepath.SyncEngine();

  // A creates two goals and syncs; B syncs and sees them.
  const trip = newGoal('Trip');
  const car = newGoal('Car');
  a.upsert('goal', trip.id, trip);
  a.upsert('goal', car.id, car);
  let r = await syncOnce(a, transport);
  assert.deepEqual([r.pushed, r.applied, r.rejected], [2, 2, []], JSON.stringify(r));
  assert.equal(a.pendingCount(), 0);
  assert.ok(r.pulled >= 3, 'A pulled its goals and the REST one');
  r = await syncOnce(b, transport);
  assert.equal(r.pushed, 0);
  assert.equal(b.get('goal', trip.id).name, 'Trip');
  assert.equal(b.get('goal', car.id).name, 'Car');
  assert.equal(b.get('goal', template.id).name, 'Template', 'a REST write reaches sync too');
  assert.deepEqual(b.list('goal'), a.list('goal'));

  // Offline: A renames the trip and edits the car; B raises the trip's target and deletes the
  // car.
  const edit = (e, id, fields) => e.upsert('goal', id, { ...e.get('goal', id), ...fields });
  edit(a, trip.id, { name: 'Lisbon', updated_at: at(1) });
  edit(a, car.id, { priority: 'high', updated_at: at(1) });
  edit(b, trip.id, { target_amount: '1500.00', updated_at: at(2) });
  b.delete('goal', car.id);
  assert.equal(b.get('goal', car.id), undefined);

  // Sync A, B, A.
  r = await syncOnce(a, transport);
  assert.deepEqual([r.pushed, r.applied, r.conflicts, r.rejected], [2, 2, 0, []], JSON.stringify(r));
  r = await syncOnce(b, transport);
  assert.equal(r.conflicts, 2, 'B edited and deleted what A had changed meanwhile');
  assert.deepEqual(r.rejected, []);
  assert.deepEqual(r.merges, [], 'different fields: nothing to log');
  await syncOnce(a, transport);
  assert.equal(a.pendingCount(), 0);
  assert.equal(b.pendingCount(), 0);

  // Identical data on both devices, for every kind of record.
  for (const kind of ENTITIES) assert.deepEqual(a.list(kind), b.list(kind), kind);
  assert.equal(a.list('goal').length, 2);
  for (const e of [a, b]) {
    const g = e.get('goal', trip.id);
    assert.equal(g.name, 'Lisbon');
    assert.equal(g.target_amount, '1500.00');
    assert.equal(e.get('goal', car.id), undefined, 'the deletion reached both devices');
  }
  // ...and on the server.
  const onServer = await api('GET', `/api/v1/goals/${trip.id}`, undefined, token);
  assert.equal(onServer.status, 200);
  assert.equal(onServer.body.name, 'Lisbon');
  assert.equal(onServer.body.target_amount, '1500.00');
  assert.equal(onServer.body.version, a.get('goal', trip.id).version);
  assert.equal((await api('GET', `/api/v1/goals/${car.id}`, undefined, token)).status, 404);

  // A restored device state carries on where it stopped.
  const c = new lifepath.SyncEngine(JSON.parse(JSON.stringify(a.state())));
  r = await syncOnce(c, transport);
  assert.deepEqual([r.pushed, r.pulled], [0, 0]);
  assert.deepEqual(c.list('goal'), a.list('goal'));

  // A bad token is a SyncHttpError 401 with the problem body; the batch stays queued.
  const stale = new FetchTransport({ baseUrl: SERVER, accessToken: async () => 'not-a-token' });
  edit(a, trip.id, { name: 'Porto', updated_at: at(3) });
  await assert.rejects(syncOnce(a, stale), (e) => {
    assert.ok(e instanceof SyncHttpError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.problem.status, 401);
    return true;
  });
  assert.equal(a.pendingCount(), 1);
  r = await syncOnce(a, transport);
  assert.equal(r.applied, 1);
  await syncOnce(b, transport);
  assert.equal(b.get('goal', trip.id).name, 'Porto');
  for (const e of [a, b, c]) e.free();
});
