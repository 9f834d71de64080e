import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Writes a Brotli (.br) and a gzip (.gz) copy beside every script, stylesheet and SVG of the build
 * that compression makes smaller; the server sends the one the browser accepts (@fastify/static
 * preCompressed), so pages download about a quarter of the bytes without compressing per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'smooth-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const assets = path.join(outDir, 'assets');
      for (const name of fs.readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const file = path.join(assets, name);
        const raw = fs.readFileSync(file);
        if (raw.length < 1024) continue;
        const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
        const gz = zlib.gzipSync(raw, { level: 9 });
        if (br.length < raw.length) fs.writeFileSync(`${file}.br`, br);
        if (gz.length < raw.length) fs.writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

/**
 * The web app (learning portal, staff desk, setup and login pages). `vite build` writes it to
 * dist/web, which the server serves; `vite` runs a dev server that proxies /api to the server.
 */
export default defineConfig({
  root: path.join(here, 'src/web'),
  base: '/',
  plugins: [react(), precompress()],
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
