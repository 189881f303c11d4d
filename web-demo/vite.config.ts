import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

// The service worker is a plain script (`src/sw.js`) emitted as `/sw.js` (scope `/`) with the
// build's file list and a version derived from it, so each build precaches its own app shell
// and drops the previous one.
function serviceWorker(): Plugin {
  return {
    name: 'lifepath-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = ['/', '/index.html', ...Object.keys(bundle).map((f) => `/${f}`)];
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const source = readFileSync(new URL('./src/sw.js', import.meta.url), 'utf8')
        .replace('self.__PRECACHE__', JSON.stringify(files))
        .replace('__VERSION__', version);
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  plugins: [serviceWorker()],
  // lifepath is a file: link into wasm/pkg; its dependency (openapi-fetch, for lifepath/client)
  // is resolved from the demo's node_modules, as it is when installed from the registry.
  resolve: { dedupe: ['openapi-fetch'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1200 },
  // `npm run dev`: the API of a server started separately (./scripts/run-server.sh).
  server: { proxy: { '/api': process.env.LIFEPATH_API ?? 'http://127.0.0.1:8080' } },
  logLevel: 'warn',
});
