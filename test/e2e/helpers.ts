/**
 * Browser-test helpers: a real server on a free port with a fresh SQLite database, a headless
 * Chromium driven by playwright-core, axe accessibility checks and screenshots.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'vitest';
import { chromium, type APIResponse, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../src/server/config.ts';
import { openAndMigrate, startServer } from '../../src/server/main.ts';
import { seedDemo } from '../../src/server/demo-seed.ts';

const require = createRequire(import.meta.url);

export const WEB_DIR = path.resolve('dist/web');
export const SCREENSHOT_DIR = path.resolve('test/e2e/screenshots');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * How long a page's action or wait may take before the test fails (ms): a page answers in well under
 * a second, but two browser test files (each with its server and Chromium) share two cores, and a
 * render that waits its turn there must not read as a defect. A passing test never waits for it.
 */
export const UI_WAIT = 20_000;

export interface TestServer {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

let built = false;

/** Builds the web app once when dist/web is missing (`npm test` builds it before running Vitest). */
function ensureWebBuilt(): void {
  if (built || fs.existsSync(path.join(WEB_DIR, 'index.html'))) {
    built = true;
    return;
  }
  // Vitest sets NODE_ENV=test, which would make a development build of React.
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error('`npx vite build` failed; the browser tests need the built web app in dist/web.');
  built = true;
}

function sqliteConfig(dataDir: string) {
  return loadConfig(
    { ...process.env, SMOOTH_DATA_DIR: dataDir, DATABASE_URL: `sqlite:${path.join(dataDir, 'smooth.db')}` },
    { port: 0, host: '127.0.0.1' },
  );
}

let migratedTemplate: string | null = null;

const TEMPLATE_PREFIX = 'smooth-e2e-template-';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A SQLite file with every migration applied, made once per test process (the browser project
 * keeps its modules from one file to the next) and copied for each server: migrating a new file
 * again for every test file was about half a second each. The server still runs its migrations
 * at start, finding none pending. Vitest ends its workers without an 'exit' event, so the folder
 * is named by process id and the folders of processes that are gone are removed here.
 */
async function migratedDatabase(): Promise<string> {
  if (migratedTemplate && fs.existsSync(migratedTemplate)) return migratedTemplate;
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(name.slice(TEMPLATE_PREFIX.length));
    if (name.startsWith(TEMPLATE_PREFIX) && Number.isInteger(pid) && pid > 0 && !processAlive(pid))
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
  const dir = path.join(os.tmpdir(), `${TEMPLATE_PREFIX}${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const database = await openAndMigrate(sqliteConfig(dir));
  await database.close();
  migratedTemplate = path.join(dir, 'smooth.db');
  return migratedTemplate;
}

/**
 * A real server (HTTP on 127.0.0.1, a free port) over a new SQLite database: empty (migrated), or
 * with the demo organisation of `smooth seed --demo` (`{ demo: true }`).
 */
export async function startTestServer(opts: { demo?: boolean } = {}): Promise<TestServer> {
  ensureWebBuilt();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-e2e-'));
  fs.copyFileSync(await migratedDatabase(), path.join(dataDir, 'smooth.db'));
  const config = sqliteConfig(dataDir);
  config.admin = null;
  config.publicUrl = null;
  config.logLevel = 'silent';
  config.secureCookies = false;
  const running = await startServer(config, { logger: false, webDir: WEB_DIR });
  if (opts.demo) await seedDemo(running.built.ctx);
  return {
    url: running.url,
    dataDir,
    async close() {
      await running.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The body of an API answer with the expected status; any other status throws with the answer's text. */
export async function ok<T>(res: APIResponse, status: number): Promise<T> {
  if (res.status() !== status) throw new Error(`${res.url()} answered ${res.status()}: ${await res.text()}`);
  return (await res.json()) as T;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface ContextOptions {
  viewport?: { width: number; height: number };
  locale?: string;
  timezoneId?: string;
  /** Playwright's default timeout for the context's actions and waits (ms). */
  timeout?: number;
}

export interface SignInOptions extends ContextOptions {
  /** A path the page opens once signed in (e.g. '/lms/grading'). */
  open?: string;
}

export interface SignedIn {
  ctx: BrowserContext;
  page: Page;
  /** What showed up red in the page's console (see watchPageErrors). */
  errors: string[];
}

/**
 * A new browser context (its own cookies) signed in as `who` through POST /api/auth/login, with one
 * page that is watched for errors: the session cookie the login page would get, without typing
 * into it. Each portal and desk keeps a test that logs in through the page itself
 * (setup-login.test.ts, portal-learner.test.ts).
 */
export async function signIn(browser: Browser, server: TestServer, who: Credentials, opts: SignInOptions = {}): Promise<SignedIn> {
  const ctx = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    locale: opts.locale ?? 'en-GB',
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
  });
  ctx.setDefaultTimeout(opts.timeout ?? UI_WAIT);
  await ok(await ctx.request.post(`${server.url}/api/auth/login`, { data: { email: who.email, password: who.password } }), 200);
  const page = await ctx.newPage();
  const errors = watchPageErrors(page);
  if (opts.open) await page.goto(`${server.url}${opts.open}`);
  return { ctx, page, errors };
}

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A describe block for browser tests. Without Chromium it fails in CI (CI=true) and is skipped,
 * loudly, everywhere else.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (chromiumAvailable()) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`Chromium is missing at ${CHROMIUM_PATH}; CI requires it (apt-get install chromium, or set CHROMIUM_PATH).`);
      });
    });
    return;
  }
  console.warn(
    `\n!!! Chromium not found at ${CHROMIUM_PATH}: the browser tests "${name}" are SKIPPED. Install it: apt-get install -y chromium !!!\n`,
  );
  describe.skip(name, fn);
}

let axeSource: string | null = null;

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

/**
 * Runs axe-core on the current page and throws a readable list of the serious and critical
 * violations. The source is evaluated through the DevTools protocol, which the page's CSP
 * (script-src 'self') does not block.
 */
export async function checkA11y(page: Page, label = page.url()): Promise<void> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // A dialog fading in is measured half-transparent (its colours blend with the overlay): wait until
  // every running CSS transition and animation has finished, so axe sees what the user sees.
  // Spinners repeat forever and are left out.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().iterations ?? 1))
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  const bad = (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length === 0) return;
  const lines = bad.map((v) => {
    const nodes = v.nodes
      .slice(0, 5)
      .map(
        (n) =>
          `      - ${n.target.join(' ')}\n        ${n.html.slice(0, 160)}\n        ${(n.failureSummary ?? '').replace(/\n/g, '\n        ')}`,
      )
      .join('\n');
    return `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})\n    ${v.helpUrl}\n${nodes}`;
  });
  throw new Error(`Accessibility violations on ${label}:\n${lines.join('\n')}`);
}

/** Saves a full-page PNG to test/e2e/screenshots/<name>.png (the folder is not committed). */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/**
 * Collects what would show up red in the browser console: uncaught errors and CSP refusals.
 * API answers the app handles itself (400 field errors, 401 for an ended session, 409, 429) are not
 * counted; a 404 or 5xx (e.g. a missing script) is.
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/Failed to load resource: the server responded with a status of (400|401|409|429)/.test(text)) return;
    errors.push(`console error: ${text}`);
  });
  return errors;
}

/**
 * Collects the page's Content-Security-Policy refusals (an inline style or script the policy
 * blocked), from the document's `securitypolicyviolation` events and from the console. The
 * listener is installed through the DevTools protocol, which the policy does not govern; call it
 * before the page loads anything.
 */
export async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeBinding('__smoothCspViolation', (_source, text: string) => void violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __smoothCspViolation: (t: string) => void }).__smoothCspViolation;
      void report(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile || document.location.pathname}:${e.lineNumber} (${e.sample})`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) violations.push(`console: ${msg.text()}`);
  });
  return violations;
}

/** A 96x32 PNG written by hand: a blue band on white (RGB, no filter, deflated). */
export function logoPng(): Buffer {
  const width = 96;
  const height = 32;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3, 0xff);
    row[0] = 0;
    if (y > 8 && y < 24) for (let x = 0; x < width; x++) row.set([0x1c, 0x7e, 0xd6], 1 + x * 3);
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
