// lifepath/client (issue 14 §3) against a REAL running lifepath server: sign-up and sign-in,
// a refused access token refreshed once and the request retried, problem+json answers thrown
// as ApiError with their code and fields, paging as async iteration, and another user's
// record answered 404.
//
// The server's base URL comes from LIFEPATH_TEST_SERVER (scripts/test-sync.sh starts a server
// and sets it); without it the test is skipped and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './lifepath.mjs';

const SERVER = process.env.LIFEPATH_TEST_SERVER;
const SKIP = 'SKIPPED: LIFEPATH_TEST_SERVER not set (scripts/test-sync.sh starts a server)';
const { createClient, ApiError } = await import(pathToFileURL(join(root, 'wasm', 'pkg', 'client', 'client.js')).href);

const PASSWORD = 'correct horse battery staple';

function snapshotInput(year, month, dining) {
  return {
    period_year: year,
    period_month: month,
    budget_model: {
      incomes: [{ id: 'salary', name: 'Salary', type: 'earned', monthly_amount: '4000.00', stability: 'stable' }],
      expenses: [{ id: 'dining', name: 'Dining', category: 'dining', monthly_amount: dining, essential: false }],
      debts: [],
    },
  };
}

test('the typed client: tokens, refresh on 401, problems, paging, isolation', async (t) => {
  if (!SERVER) {
    t.skip(SKIP);
    return;
  }
  const seen = [];
  const client = createClient({ baseUrl: SERVER, onTokens: (tk) => seen.push(tk) });
  const email = `client-${randomUUID()}@example.com`;
  const auth = await client.register({ email, password: PASSWORD });
  assert.equal(auth.user.email, email);
  assert.ok(client.tokens.accessToken && client.tokens.refreshToken);
  assert.equal(seen.length, 1);
  assert.equal((await client.me()).email, email);

  // 15 snapshots, read back 4 to a page: every one, in period order.
  for (let m = 1; m <= 15; m++) {
    const y = 2025 + Math.floor((m - 1) / 12);
    await client.snapshots.create(snapshotInput(y, ((m - 1) % 12) + 1, `${300 + m}.00`));
  }
  const periods = [];
  for await (const s of client.snapshots.list({ limit: 4 })) periods.push(`${s.period_year}-${s.period_month}`);
  assert.equal(periods.length, 15);
  assert.equal(new Set(periods).size, 15);
  const ranged = [];
  for await (const s of client.snapshots.list({ from: '2025-11', to: '2026-02', limit: 2 })) ranged.push(s.total_expenses);
  assert.deepEqual(ranged.sort(), ['311.00', '312.00', '313.00', '314.00']);
  assert.equal((await client.snapshots.byPeriod('2026-03')).total_expenses, '315.00');

  // The typed raw client reaches every route.
  const { data: trends } = await client.api.GET('/api/v1/budgets/trends', { params: { query: { months: 6 } } });
  assert.equal(trends.window.months_with_data, 6);

  // A problem+json answer is an ApiError with its code and fields.
  await assert.rejects(client.snapshots.create(snapshotInput(2026, 13, '1.00')), (e) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 422);
    assert.equal(e.code, 'validation_failed');
    assert.ok(e.errors.some((f) => f.field === 'period_month'), JSON.stringify(e.errors));
    return true;
  });
  await assert.rejects(client.snapshots.byPeriod('2030-01'), (e) => e instanceof ApiError && e.status === 404);

  // Another user cannot see this user's snapshot.
  const other = createClient({ baseUrl: SERVER });
  await other.register({ email: `client-other-${randomUUID()}@example.com`, password: PASSWORD });
  const mine = await client.api.GET('/api/v1/budgets/snapshots/by-period/{period}', { params: { path: { period: '2026-01' } } });
  assert.equal(mine.response.status, 200);
  await assert.rejects(other.snapshots.get(mine.data.id), (e) => e instanceof ApiError && e.status === 404);
  const theirs = [];
  for await (const s of other.snapshots.list()) theirs.push(s);
  assert.deepEqual(theirs, []);
  // A refused access token: one refresh, and the request retried with the new token.
  const stale = createClient({ baseUrl: SERVER, tokens: { accessToken: 'not-a-token', refreshToken: client.tokens.refreshToken } });
  assert.equal((await stale.me()).email, email);
  assert.notEqual(stale.tokens.accessToken, 'not-a-token');
  // The old refresh token was rotated moments ago: a second tab presenting it within the reuse
  // interval (10 s) gets the same new pair, and stays signed in.
  const tab = createClient({ baseUrl: SERVER, tokens: { accessToken: 'not-a-token', refreshToken: client.tokens.refreshToken } });
  assert.equal((await tab.me()).email, email);
  assert.deepEqual(tab.tokens, stale.tokens);
  // A refresh token the server refuses: the request is 401 and the tokens are cleared.
  const refused = createClient({ baseUrl: SERVER, tokens: { accessToken: 'not-a-token', refreshToken: 'not-a-refresh-token' } });
  await assert.rejects(refused.me(), (e) => e instanceof ApiError && e.status === 401);
  assert.equal(refused.tokens.refreshToken, null);

  await other.logout();
  assert.deepEqual(other.tokens, { accessToken: null, refreshToken: null });
});
