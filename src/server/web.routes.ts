import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MY_ASSIGNMENTS_URL, MY_COURSES_URL, SESSION_URL } from '../contract/first-requests.ts';
import type { App } from './http/types.ts';
import { pageCsp } from './http/security-headers.ts';

/** Where index.html takes the response's style nonce (see src/web/index.html). */
const NONCE_PLACEHOLDER = '__CSP_NONCE__';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Smooth LMS</title></head>
<body><main><h1>Smooth LMS</h1><p>The web app is not built yet. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p></main></body></html>`;

/** One module of the build's manifest (vite `build.manifest`): its file and the chunks it imports. */
interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}
type Manifest = Record<string, ManifestChunk>;

/** The two areas of the app, by the page URLs that open them, and the module of each (src/web/ui/areas.tsx). */
const AREAS = [
  { prefix: '/lms', module: 'portal/PortalFrame.tsx' },
  { prefix: '/app', module: 'desk/DeskFrame.tsx' },
] as const;

/** Pages under /lms opened without a session, outside the portal's frame (src/web/routes.tsx). */
const PUBLIC_PORTAL_PAGES = ['/lms/set-password', '/lms/certificates/verify/'];

/** The scripts and stylesheets of modules with every chunk they import, imported ones first (as vite orders them). */
function closureOf(manifest: Manifest, keys: readonly string[]): { scripts: Set<string>; styles: Set<string> } {
  const scripts = new Set<string>();
  const styles = new Set<string>();
  const seen = new Set<string>();
  const visit = (k: string) => {
    const chunk = manifest[k];
    if (!chunk || seen.has(k)) return;
    seen.add(k);
    for (const i of chunk.imports ?? []) visit(i);
    scripts.add(chunk.file);
    for (const css of chunk.css ?? []) styles.add(css);
  };
  for (const key of keys) visit(key);
  return { scripts, styles };
}

/** The code hints of each area by its module, worked out on first use for each manifest. */
const areaCodeHints = new WeakMap<Manifest, Map<string, readonly string[]>>();

/**
 * The stylesheet and modulepreload links for every chunk of an area's code that the entry script
 * does not load already. They depend only on the build, so they are computed once per manifest.
 */
function areaCodeLinks(manifest: Manifest, areaModule: string): readonly string[] {
  let byArea = areaCodeHints.get(manifest);
  if (!byArea) {
    const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
    const inEntry = closureOf(manifest, entryKey ? [entryKey] : []);
    byArea = new Map(
      AREAS.map((a) => {
        const code = closureOf(manifest, [a.module]);
        const links: string[] = [];
        for (const css of code.styles) if (!inEntry.styles.has(css)) links.push(`<link rel="stylesheet" crossorigin href="/${css}">`);
        for (const js of code.scripts) if (!inEntry.scripts.has(js)) links.push(`<link rel="modulepreload" crossorigin href="/${js}">`);
        return [a.module, links];
      }),
    );
    areaCodeHints.set(manifest, byArea);
  }
  return byArea.get(areaModule) ?? [];
}

/**
 * What the page of a URL needs besides the entry script (which index.html names), as `<link>`
 * hints the browser acts on at once instead of one after another: the code of the area the URL
 * opens (every chunk, not only the first), who is logged in, and for My Courses its data when the
 * request came with a session (a logged-out visitor is sent to the login page, which needs none).
 */
export function pageHints(manifest: Manifest | null, pathname: string, loggedIn: boolean): string {
  const publicPage = pathname === '/forgot-password' || PUBLIC_PORTAL_PAGES.some((p) => pathname.startsWith(p));
  const area = publicPage ? undefined : AREAS.find((a) => pathname === a.prefix || pathname.startsWith(`${a.prefix}/`));
  const links = area && manifest ? [...areaCodeLinks(manifest, area.module)] : [];
  const data: string[] = [];
  if (area || ['/', '/login', '/setup'].includes(pathname)) data.push(SESSION_URL);
  if (loggedIn && /^\/lms\/?$/.test(pathname)) data.push(MY_COURSES_URL, MY_ASSIGNMENTS_URL);
  for (const url of data) links.push(`<link rel="preload" as="fetch" crossorigin href="${url.replaceAll('&', '&amp;')}">`);
  return links.join('\n    ');
}

/** Answers the app's index.html (the status is the caller's: 200, or 404 for an unknown URL). */
export function webPage(webDir: string): (req: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const indexFile = path.join(webDir, 'index.html');
  const manifestFile = path.join(webDir, '.vite/manifest.json');
  let indexHtml: string | null = null;
  let manifest: Manifest | null = null;
  return (req, reply) => {
    if (indexHtml === null && fs.existsSync(indexFile)) {
      indexHtml = fs.readFileSync(indexFile, 'utf8');
      if (fs.existsSync(manifestFile)) manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
    }
    // A new nonce for every response: the only inline styles the page accepts are the ones the app
    // writes with it.
    const nonce = randomBytes(16).toString('base64');
    const hints = indexHtml === null ? '' : pageHints(manifest, req.url.split('?')[0] ?? '/', !!req.principal);
    return (
      reply
        .header('Cache-Control', 'no-cache')
        // The hints differ with and without a session.
        .header('Vary', 'Cookie')
        .header('content-security-policy', pageCsp(nonce))
        .type('text/html; charset=utf-8')
        .send(indexHtml === null ? NOT_BUILT : indexHtml.replaceAll(NONCE_PLACEHOLDER, nonce).replace('</head>', `  ${hints}\n  </head>`))
    );
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
    // Hashed names: a file never changes under its name, so browsers keep it for a year without asking.
    return reply.sendFile(path.join('assets', rel), { maxAge: '365d', immutable: true });
  });
  for (const file of ['favicon.svg']) {
    app.get(`/${file}`, { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) =>
      fs.existsSync(path.join(webDir, file)) ? reply.sendFile(file) : reply.code(404).send(),
    );
  }
}
