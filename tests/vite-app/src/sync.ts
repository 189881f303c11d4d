// The offline-sync surface of lifepath in the browser, type-checked in strict mode: a
// SyncEngine's state saved to the real IndexedDB with lifepath/sync's IndexedDbStore, loaded
// back (the same state) and given to a new engine; plus the types of the transport and the
// sync loop, which this page does not run (it has no server).
import { SyncEngine, type GoalRecord, type SyncState, type PushRequest, type PushResponse, type PullResponse } from 'lifepath';
import { IndexedDbStore, FetchTransport, SyncHttpError, syncOnce, type SyncReport, type SyncTransport } from 'lifepath/sync';

const GOAL_ID = '00000000-0000-4000-8000-000000000001';
const NOW = '2026-11-21T09:00:00Z';

/** A transport that never calls a server: the push is applied, the pull is empty. */
const offline: SyncTransport = {
  push: async (req: PushRequest): Promise<PushResponse> => ({
    results: req.mutations.map((m) => ({ op_id: m.op_id, status: 'applied', version: m.base_version + 1 })),
  }),
  pull: async (since?: string | null): Promise<PullResponse> => ({ changes: [], cursor: since ?? 'start', has_more: false }),
};

export async function runSyncCheck(): Promise<string> {
  const engine = new SyncEngine();
  engine.upsert('goal', GOAL_ID, { id: GOAL_ID, name: 'Emergency fund', target_amount: '6000.00', updated_at: NOW });
  engine.upsert('snapshot', '00000000-0000-4000-8000-000000000002', { id: '00000000-0000-4000-8000-000000000002', period_year: 2026 });
  const report: SyncReport = await syncOnce(engine, offline, { batchSize: 1 });
  engine.upsert('goal', GOAL_ID, { ...(engine.get('goal', GOAL_ID) as GoalRecord), name: 'Rainy day' });
  const state: SyncState = engine.state();

  const store = await IndexedDbStore.open('lifepath-vite-app');
  await store.save('user-1', state);
  store.close();
  const reopened = await IndexedDbStore.open('lifepath-vite-app');
  const loaded = await reopened.load('user-1');
  if (!loaded) throw new Error('IndexedDB: nothing loaded');
  if (JSON.stringify(loaded) !== JSON.stringify(state)) throw new Error('IndexedDB: the loaded state differs');
  const restored = new SyncEngine(loaded);
  if (JSON.stringify(restored.state()) !== JSON.stringify(state)) throw new Error('the restored engine differs');
  const goal = restored.get('goal', GOAL_ID) as GoalRecord | undefined;
  await reopened.delete('user-1');
  const gone = await reopened.load('user-1');
  reopened.close();

  // Types only: how an app wires the transport.
  const transport = new FetchTransport({ baseUrl: 'https://lifepath.invalid', accessToken: () => null, fetch: (input, init) => fetch(input, init) });
  const isAuthError = (e: unknown): boolean => e instanceof SyncHttpError && e.status === 401 && e.problem?.code === 'unauthorized';
  void transport;
  void isAuthError;

  return `${report.pushed} pushed; saved ${state.records.length} records and ${state.queue.length} pending, loaded the same state (${goal?.name ?? '?'}, pending ${restored.pendingCount()}); deleted: ${gone === undefined}`;
}
