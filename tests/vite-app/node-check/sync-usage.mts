// Type-checked with module/moduleResolution "nodenext" and no DOM lib (tsconfig.node.json):
// what a Node ESM project sees of `lifepath/sync` through the `node` condition of the exports
// map (its types come from the nodejs build; fetch is typed without the DOM lib).
import { SyncEngine, type SyncState } from 'lifepath';
import { FetchTransport, SyncHttpError, syncOnce, type SyncReport } from 'lifepath/sync';

export async function syncFromNode(baseUrl: string, token: string, saved?: SyncState): Promise<SyncReport | number> {
  const engine = new SyncEngine(saved ?? null);
  try {
    return await syncOnce(engine, new FetchTransport({ baseUrl, accessToken: () => token }), { batchSize: 100 });
  } catch (e: unknown) {
    if (e instanceof SyncHttpError) return e.status;
    throw e;
  } finally {
    engine.free();
  }
}
