import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The web app (learning portal, staff desk, setup and login pages). `vite build` writes it to
 * dist/web, which the server serves; `vite` runs a dev server that proxies /api to the server.
 */
export default defineConfig({
  root: path.join(here, 'src/web'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(here, 'dist/web'),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    // dist/web/.vite/manifest.json: the server reads which chunks each area of the app needs and
    // names them all in the page it sends, so the browser fetches them at once (src/server/web.routes.ts).
    manifest: true,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false },
    },
  },
});
