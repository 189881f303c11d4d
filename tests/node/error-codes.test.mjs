// The package's TypeScript `ErrorCode` is the list of codes kept once on the core's error
// (`Error::CODES` in core/src/error.rs) plus the package's own `internal`, in every build's
// .d.ts: the union is written from that list when the package is compiled (wasm/src/types.rs);
// this checks what was shipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lifepath, root, thrown } from './lifepath.mjs';

/** The codes of `pub const CODES` in core/src/error.rs. */
function coreCodes() {
  const source = readFileSync(join(root, 'core', 'src', 'error.rs'), 'utf8');
  const list = source.match(/pub const CODES: &'static \[&'static str\] = &\[([^\]]*)\];/);
  assert.ok(list, 'core/src/error.rs no longer declares `pub const CODES: &[&str] = &[...]`');
  const codes = [...list[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 0, 'Error::CODES is empty');
  return codes;
}

/** The members of `export type ErrorCode = | "a" | "b";` in a .d.ts. */
function errorCodeUnion(dts) {
  const union = dts.match(/export type ErrorCode =([^;]*);/);
  assert.ok(union, 'no `export type ErrorCode` in the .d.ts');
  return union[1].split('|').map((m) => m.trim()).filter((m) => m !== '').map((m) => JSON.parse(m));
}

test("every build's TypeScript ErrorCode is the core's Error::CODES plus internal", () => {
  const expected = [...coreCodes(), 'internal'];
  for (const target of ['web', 'bundler', 'node']) {
    const dts = readFileSync(join(root, 'wasm', 'pkg', target, 'lifepath.d.ts'), 'utf8');
    assert.deepEqual(errorCodeUnion(dts), expected, `${target}/lifepath.d.ts`);
    assert.match(dts, /code: ErrorCode;/, `${target}: LifepathError.code is an ErrorCode`);
  }
});

test('the codes thrown at run time are members of ErrorCode', () => {
  const codes = new Set([...coreCodes(), 'internal']);
  for (const e of [
    thrown(() => lifepath.summarize(null)),
    thrown(() => new lifepath.SyncEngine().upsert('nope', 'x', {})),
    thrown(() => new lifepath.SyncEngine().delete('goal', '00000000-0000-0000-0000-000000000001')),
  ]) {
    assert.ok(lifepath.isLifepathError(e), String(e));
    assert.ok(codes.has(e.code), `${e.code} is not an ErrorCode`);
  }
});
