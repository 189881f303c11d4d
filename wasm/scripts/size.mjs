// Size check of DESIGN §6: raw and gzip bytes of every .wasm in pkg/ (budget < 250 KiB gzip).
// Exits non-zero when the budget is broken.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 250 * 1024;
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', 'pkg');
let ok = true;
for (const target of ['web', 'bundler', 'node']) {
  const file = join(pkg, target, 'lifepath_bg.wasm');
  if (!existsSync(file)) {
    console.error(`missing ${file}: run wasm/build.sh first`);
    process.exit(1);
  }
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  const within = gz.length < BUDGET;
  ok &&= within;
  console.log(`${target}/lifepath_bg.wasm: ${raw.length} bytes raw (${(raw.length / 1024).toFixed(1)} KiB), ${gz.length} bytes gzip -9 (${(gz.length / 1024).toFixed(1)} KiB) - budget < 250 KiB gzip: ${within ? 'met' : 'NOT met'}`);
}
// lifepath/actuals and lifepath/insights are modules of their own, loaded only where they are
// used: reported, and each held to the same budget.
for (const [module, target] of [['actuals', 'web'], ['actuals', 'node'], ['insights', 'web'], ['insights', 'node']]) {
  const file = join(pkg, module, target, `${module}_bg.wasm`);
  if (!existsSync(file)) {
    console.error(`missing ${file}: run wasm/build.sh first`);
    process.exit(1);
  }
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  const within = gz.length < BUDGET;
  ok &&= within;
  console.log(`${module}/${target}/${module}_bg.wasm: ${raw.length} bytes raw (${(raw.length / 1024).toFixed(1)} KiB), ${gz.length} bytes gzip -9 (${(gz.length / 1024).toFixed(1)} KiB) - budget < 250 KiB gzip: ${within ? 'met' : 'NOT met'}`);
}
process.exit(ok ? 0 : 1);
