// lifepath/client in strict mode (exactOptionalPropertyTypes): every call below is type-checked
// against the types generated from the server's OpenAPI document, and the lines marked as
// expected errors prove that a wrong field, a wrong enum value or an unknown route is refused
// at compile time. In the page it builds a client and turns a real problem+json Response into
// the typed ApiError (the requests themselves are tested against a running server in
// tests/node/client.test.mjs); the bundle runs in Chromium and its fetch answers one
// problem+json, which must come out as the typed ApiError with its field errors.
import { ApiError, createClient, unwrap, type BudgetSnapshot, type Goal, type GoalInput, type LifepathClient } from 'lifepath/client';

export async function useClient(client: LifepathClient): Promise<string[]> {
  const lines: string[] = [];
  const me = await client.me();
  lines.push(me.email ?? '(no email)');
  for await (const s of client.snapshots.list({ from: '2026-01', to: '2026-06', limit: 50 })) {
    const snap: BudgetSnapshot = s;
    lines.push(`${snap.period_year}-${snap.period_month}: ${snap.budget_model.incomes?.length ?? 0} incomes`);
  }
  const input: GoalInput = {
    name: 'Rainy day',
    goal_type: 'emergency_fund',
    category: 'emergency',
    target_amount: '5000.00',
    start_date: '2026-01-01',
  };
  const goal: Goal = await client.goals.create(input);
  await client.goals.update(goal.id, { version: goal.version, status: 'paused' });
  const withHistory = await client.goals.get(goal.id, ['progress', 'contributions']);
  lines.push(`${withHistory.name}: ${withHistory.progress?.items.length ?? 0} progress entries`);
  for await (const g of client.goals.list({ status: ['active', 'paused'] })) lines.push(g.status ?? 'active');
  for await (const e of client.audit.list({ action: 'user.login' })) lines.push(e.action);
  const trends = unwrap(await client.api.GET('/api/v1/budgets/trends', { params: { query: { months: 12 } } }));
  lines.push(Object.keys(trends.category_changes).join(','));

  // @ts-expect-error goal_type is an enum of the document
  await client.goals.create({ ...input, goal_type: 'lottery' });
  // @ts-expect-error target_amount is required
  await client.goals.create({ name: 'x', goal_type: 'custom', category: 'other', start_date: '2026-01-01' });
  // @ts-expect-error no such route
  await client.api.GET('/api/v1/nowhere');
  return lines;
}

/** A client whose fetch answers 422 problem+json: the call must throw the typed ApiError. */
export async function runClientCheck(): Promise<string> {
  const body = { type: 'about:blank', title: 'Validation failed', status: 422, code: 'validation_failed', errors: [{ field: 'target_amount', message: 'must be positive' }] };
  const seen: string[] = [];
  const client = createClient({
    baseUrl: 'https://budget.example.com',
    tokens: { accessToken: 'a', refreshToken: 'r' },
    fetch: async (request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization') ?? ''}`);
      return new Response(JSON.stringify(body), { status: 422, headers: { 'content-type': 'application/problem+json' } });
    },
  });
  try {
    await client.goals.create({ name: 'x', goal_type: 'custom', category: 'other', target_amount: '-1', start_date: '2026-01-01' });
    return 'no error';
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return `${seen.join('; ')} → ${e.status} ${e.code} ${e.errors.map((f) => f.field).join(',')}`;
  }
}
