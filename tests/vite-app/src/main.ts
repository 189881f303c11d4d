// The page: runs the example (every export of lifepath) and shows what it computed.
import init from 'lifepath';
import { runExample } from './example';
import { runClientCheck } from './client';
import { runSyncCheck } from './sync';
import { runActualsCheck } from './actuals';

const show = (id: string, text: string): void => {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
};

async function main(): Promise<void> {
  await init();
  const r = runExample();
  show('surplus', r.latestSurplus);
  show('dining-trend', r.diningTrend);
  show('anomaly', r.anomaly);
  show('goal-date', r.projectedCompletion);
  show('exports', String(r.exportsUsed));
  show('sync', await runSyncCheck());
  show('client', await runClientCheck());
  show('actuals', await runActualsCheck());
  show('status', 'ok');
}

main().catch((e: unknown) => {
  show('status', `error: ${e instanceof Error ? e.message : String(e)}`);
  throw e;
});
