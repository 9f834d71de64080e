import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import type { App } from './http/types.ts';
import { pageCsp } from './http/security-headers.ts';

/** Where index.html takes the response's style nonce (see src/web/index.html). */
const NONCE_PLACEHOLDER = '__CSP_NONCE__';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Smooth LMS</title></head>
<body><main><h1>Smooth LMS</h1><p>The web app is not built yet. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p></main></body></html>`;

/** Answers the app's index.html (the status is the caller's: 200, or 404 for an unknown URL). */
export function webPage(webDir: string): (req: unknown, reply: FastifyReply) => FastifyReply {
  const indexFile = path.join(webDir, 'index.html');
  let indexHtml: string | null = null;
  return (_req, reply) => {
    if (indexHtml === null && fs.existsSync(indexFile)) indexHtml = fs.readFileSync(indexFile, 'utf8');
    // A new nonce for every response: the only inline styles the page accepts are the ones the app
    // writes with it.
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('Cache-Control', 'no-cache')
      .header('content-security-policy', pageCsp(nonce))
      .type('text/html; charset=utf-8')
      .send(indexHtml === null ? NOT_BUILT : indexHtml.replaceAll(NONCE_PLACEHOLDER, nonce));
  };
}

/**
 * Serves the single-page app: hashed assets, and index.html for every page URL so deep links
 * survive a reload (the app itself asks the API who is logged in).
 */
export function registerWebRoutes(app: App, webDir: string): void {
  const page = webPage(webDir);
  for (const url of ['/', '/setup', '/login', '/forgot-password', '/lms', '/lms/*', '/app', '/app/*']) {
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, page);
  }
  app.get('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const assets = path.join(webDir, 'assets');
    const full = path.resolve(assets, rel);
    if (!full.startsWith(assets + path.sep) || !fs.existsSync(full)) {
      return reply.code(404).type('text/plain').send('Not found');
    }
    return reply.header('Cache-Control', 'public, max-age=31536000, immutable').sendFile(path.join('assets', rel));
  });
  for (const file of ['favicon.svg']) {
    app.get(`/${file}`, { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) =>
      fs.existsSync(path.join(webDir, file)) ? reply.sendFile(file) : reply.code(404).send(),
    );
  }
}
