export * from './lifepath.js';

/** No-op in Node: the module is ready as soon as it is imported (kept so web code runs unchanged). */
export default function init(module_or_path?: unknown): Promise<void>;

/** No-op in Node: the module is ready as soon as it is imported (kept so web code runs unchanged). */
export function initSync(module?: unknown): void;
