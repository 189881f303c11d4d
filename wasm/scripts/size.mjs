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
// lifepath/actuals is its own module, loaded only where bank files are imported: reported, and
// held to the same budget.
for (const target of ['web', 'node']) {
  const file = join(pkg, 'actuals', target, 'actuals_bg.wasm');
  if (!existsSync(file)) {
    console.error(`missing ${file}: run wasm/build.sh first`);
    process.exit(1);
  }
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  const within = gz.length < BUDGET;
  ok &&= within;
  console.log(`actuals/${target}/actuals_bg.wasm: ${raw.length} bytes raw (${(raw.length / 1024).toFixed(1)} KiB), ${gz.length} bytes gzip -9 (${(gz.length / 1024).toFixed(1)} KiB) - budget < 250 KiB gzip: ${within ? 'met' : 'NOT met'}`);
}
process.exit(ok ? 0 : 1);
