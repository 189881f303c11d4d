// Type-checked with module/moduleResolution "nodenext" (tsconfig.node.json): what a Node ESM
// project sees through the `node` condition of the package's exports map.
import init, { initSync, computeTrends, isLifepathError, type Trends, type BudgetSnapshot } from 'lifepath';

export async function trendsOf(snapshots: BudgetSnapshot[]): Promise<Trends | string> {
  await init();
  initSync();
  try {
    return computeTrends(snapshots, { months: 6 });
  } catch (e: unknown) {
    return isLifepathError(e) ? `${e.code} at ${e.field ?? '?'}` : 'unknown error';
  }
}
