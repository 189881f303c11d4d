import { defineConfig } from 'vite';

// The package is a `file:` dependency (a symlink into wasm/pkg); its web build fetches
// `lifepath_bg.wasm` with `new URL(..., import.meta.url)`, which Vite turns into an asset.
// The package's own dependency (openapi-fetch, for lifepath/client) is resolved from this app's
// node_modules, as it is when the package is installed from the registry.
export default defineConfig({
  resolve: { dedupe: ['openapi-fetch'] },
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
