// Node entry (ESM) of lifepath: the nodejs build (CommonJS; the .wasm is loaded synchronously
// on import) plus a no-op `init`/`initSync`, so code written for the web build
// (`await init()`) runs unchanged in Node.
export * from './lifepath.js';

/** No-op in Node: the module is ready as soon as it is imported. */
export default async function init() {}

/** No-op in Node: the module is ready as soon as it is imported. */
export function initSync() {}
