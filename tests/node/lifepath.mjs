// The BUILT npm package under test (wasm/pkg, nodejs build, through its ESM entry), and the
// shared helpers of the Node suites.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
const entry = join(root, 'wasm', 'pkg', 'node', 'index.mjs');
if (!existsSync(entry)) {
  throw new Error(`${entry} is missing: build the package first (bash wasm/build.sh)`);
}
export const lifepath = await import(entry);

/** The fixture files tests/fixtures/users/*.json. */
export function fixtureFiles() {
  const dir = join(root, 'tests', 'fixtures', 'users');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Deep equality with the fixtures' rule: strings, booleans, null and integers exactly;
 * other numbers to a relative tolerance of 1e-9. Reports the path of the first difference.
 */
export function assertClose(actual, expected, path = '$') {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual)) {
      assert.equal(actual, expected, `${path}: ${actual} !== ${expected}`);
      return;
    }
    const scale = Math.max(Math.abs(expected), Math.abs(actual), Number.MIN_VALUE);
    assert.ok(Math.abs(actual - expected) <= 1e-9 * scale, `${path}: ${actual} is not ${expected} (relative 1e-9)`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length ${actual.length} !== ${expected.length}`);
    expected.forEach((e, i) => assertClose(actual[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path}: expected an object, got ${JSON.stringify(actual)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: keys differ`);
    for (const k of Object.keys(expected)) assertClose(actual[k], expected[k], `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, `${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`);
}

/** Runs `f` and returns what it threw, failing when it did not throw a LifepathError. */
export function thrown(f) {
  try {
    f();
  } catch (e) {
    assert.ok(lifepath.isLifepathError(e), `not a LifepathError: ${e && e.stack}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'LifepathError');
    assert.equal(typeof e.message, 'string');
    assert.ok(Array.isArray(e.errors));
    return e;
  }
  assert.fail('expected a LifepathError, nothing was thrown');
}
