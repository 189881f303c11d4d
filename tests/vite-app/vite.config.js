import { defineConfig } from 'vite';

// The package is a `file:` dependency (a symlink into wasm/pkg); its web build fetches
// `lifepath_bg.wasm` with `new URL(..., import.meta.url)`, which Vite turns into an asset.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
