/**
 * portal: what the learning portal costs a learner's browser.
 *
 * Against the real server (its own process) with the built web app (dist/web, rebuilt when
 * src/web is newer) and a learner holding 50 enrollments (courses with lessons, assorted progress):
 *   - initial JavaScript of /lms, gzip: every script the browser has downloaded when My Courses
 *     shows its 50 cards (the page's resource timings at that moment: scripts fetched later do not
 *     count), each gzip-compressed here (the server sends them uncompressed; a proxy or CDN
 *     compresses in production). Goal ≤ 150 KB.
 *   - time to interactive of My Courses: from navigation start to the moment all 50 cards are on
 *     the page with their Continue links (data loaded and rendered, handlers attached), in a
 *     fresh browser context each time (cold cache) and again with a warm cache. Median of the
 *     runs. Goal ≤ 600 ms (cold).
 * Headless Chromium (playwright-core) on the same machine as the server.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';
import { REPO_ROOT, startBenchServer } from './lib/server.ts';
import { createCourse, createChapter, createLesson } from '../src/server/lms/courses/index.ts';
import { completeLesson, enroll, setCurrentLesson } from '../src/server/lms/enrollments/index.ts';
import type { Actor } from '../src/server/context.ts';

const ENROLLMENTS = 50;
const LESSONS_PER_COURSE = 4;
const JS_GOAL_KB = 150;
const TTI_GOAL_MS = 600;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** dist/web must hold what src/web says: rebuild when it is missing or older. */
function ensureBuilt(log: (m: string) => void): void {
  const index = path.join(REPO_ROOT, 'dist/web/index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtime(path.join(REPO_ROOT, 'src/web'))) return;
  log('building the web app (npx vite build)');
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error('npx vite build failed');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export default defineBenchmark({
  name: 'portal',
  description:
    `Initial JavaScript of /lms (gzip, goal ≤ ${JS_GOAL_KB} KB) and time to interactive of My Courses with ${ENROLLMENTS} enrollments ` +
    `(cold and warm cache, median, goal ≤ ${TTI_GOAL_MS} ms cold) in headless Chromium against the real server.`,
  async run({ dialect, quick, log }) {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    ensureBuilt(log);
    const server = await startBenchServer(dialect, { log });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      // ---- seed: an author, 50 published courses of 4 lessons, one learner enrolled in all ----
      const author = await server.createUser(['System Manager'], 'Bench Author');
      const learner = await server.createUser(['LMS Student'], 'Bench Learner');
      const authorActor: Actor = { id: author.id, roles: new Set(author.roles) };
      const learnerActor: Actor = { id: learner.id, roles: new Set(learner.roles) };
      log(`seeding ${ENROLLMENTS} courses × ${LESSONS_PER_COURSE} lessons and enrollments`);
      for (let i = 0; i < ENROLLMENTS; i++) {
        const course = await createCourse(server.ctx, authorActor, {
          title: `Bench course ${String(i + 1).padStart(2, '0')}`,
          shortIntroduction: 'A course of the portal benchmark, with a short introduction.',
          published: true,
          mandatory: i % 3 === 0,
        });
        const chapter = await createChapter(server.ctx, authorActor, course.id, 'Chapter 1');
        const lessonIds: string[] = [];
        for (let l = 0; l < LESSONS_PER_COURSE; l++) {
          lessonIds.push((await createLesson(server.ctx, authorActor, chapter.id, { title: `Lesson ${l + 1}`, kind: 'text', body: 'Text.' })).id);
        }
        await server.ctx.db.transaction().execute((trx) => enroll(server.ctx, trx, { memberId: learner.id, courseId: course.id, source: 'admin', actorId: author.id }));
        // Assorted progress: 0, 1, 2, 3 or 4 lessons done.
        const done = i % (LESSONS_PER_COURSE + 1);
        for (let l = 0; l < done; l++) await completeLesson(server.ctx, learnerActor, lessonIds[l]!);
        if (done > 0 && done < LESSONS_PER_COURSE) await setCurrentLesson(server.ctx, learnerActor, lessonIds[done]!);
      }
      const cookie = await server.login(learner);
      const [name, ...rest] = cookie.split(';')[0]!.split('=');
      const sessionCookie = { name: name!, value: rest.join('='), url: server.url };

      const url = `${server.url}/lms`;
      const ready = () =>
        document.querySelectorAll('[data-testid="course-card"]').length === 50 &&
        document.querySelectorAll('[data-testid="course-card"] a[href^="/lms/courses/"]').length >= 50;

      /** One page load; returns ms to interactive and the scripts fetched. */
      const loadOnce = async (context: Awaited<ReturnType<typeof browser.newContext>>, profile?: string) => {
        const page = await context.newPage();
        const cdp = profile ? await context.newCDPSession(page) : null;
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
        }
        const scripts = new Map<string, Buffer>();
        page.on('response', (res) => {
          if (res.request().resourceType() === 'script' && res.ok()) {
            void res
              .body()
              .then((b) => scripts.set(res.url(), b))
              .catch(() => undefined);
          }
        });
        await page.goto(url, { waitUntil: 'commit' });
        await page.waitForFunction(ready, undefined, { polling: 'raf', timeout: 30_000 });
        // The moment of interactive and the scripts fully downloaded by then.
        const { ms, initial } = await page.evaluate(() => {
          const now = performance.now();
          const js = performance
            .getEntriesByType('resource')
            .filter((e) => new URL(e.name).pathname.endsWith('.js') && (e as PerformanceResourceTiming).responseEnd <= now)
            .map((e) => e.name);
          return { ms: now, initial: js };
        });
        // Where the time went: the document, scripts and API calls (start → end, ms from navigation).
        const timeline = await page.evaluate(() =>
          [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
            .filter((e) => !e.name.endsWith('.css') && !e.name.endsWith('.svg'))
            .map((e) => `${new URL(e.name).pathname.replace(/^\/assets\//, '')} ${e.startTime.toFixed(0)}→${(e as PerformanceResourceTiming).responseEnd.toFixed(0)}`)
            .join(', '),
        );
        if (cdp && profile) fs.writeFileSync(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
        await page.waitForLoadState('networkidle');
        await page.close();
        const missing = initial.filter((u) => !scripts.has(u));
        if (missing.length > 0) throw new Error(`no body captured for the scripts ${missing.join(', ')}`);
        const later = [...scripts.keys()].filter((u) => !initial.includes(u));
        return { ms, scripts: new Map([...scripts].filter(([u]) => initial.includes(u))), later, timeline };
      };

      // Warm-up (server caches, JIT), not counted.
      {
        const ctx = await browser.newContext();
        await ctx.addCookies([sessionCookie]);
        await loadOnce(ctx);
        await ctx.close();
      }

      const runs = quick ? 3 : 10;
      const cold: number[] = [];
      const warm: number[] = [];
      let initialScripts = new Map<string, Buffer>();
      for (let r = 0; r < runs; r++) {
        const ctx = await browser.newContext();
        await ctx.addCookies([sessionCookie]);
        // PORTAL_CPU_PROFILE=file.cpuprofile: the browser's CPU profile of the first cold load.
        const first = await loadOnce(ctx, r === 0 ? process.env.PORTAL_CPU_PROFILE : undefined);
        cold.push(first.ms);
        if (r === 0) {
          initialScripts = first.scripts;
          log(`cold load timeline: ${first.timeline}; interactive at ${first.ms.toFixed(0)}`);
          log(`scripts downloaded after interactive (not counted): ${first.later.map((u) => new URL(u).pathname).join(', ') || 'none'}`);
        }
        warm.push((await loadOnce(ctx)).ms);
        await ctx.close();
      }
      let raw = 0;
      let gzip = 0;
      for (const body of initialScripts.values()) {
        raw += body.length;
        gzip += zlib.gzipSync(body).length;
      }
      const gzipKb = gzip / 1024;
      log(`initial JS of /lms: ${initialScripts.size} scripts, ${(raw / 1024).toFixed(1)} KB raw, ${gzipKb.toFixed(1)} KB gzip`);
      log(`time to interactive (ms) cold: ${cold.map((x) => x.toFixed(0)).join(', ')}; warm: ${warm.map((x) => x.toFixed(0)).join(', ')}`);

      const results: BenchResult[] = [
        compared('initial JS of /lms (gzip)', Number(gzipKb.toFixed(1)), 'KB', { name: `budget ${JS_GOAL_KB} KB`, value: JS_GOAL_KB }, { atMost: 1 }),
        figure('initial JS of /lms (uncompressed)', Number((raw / 1024).toFixed(1)), 'KB'),
        compared(
          `My Courses time to interactive, ${ENROLLMENTS} enrollments, cold cache (median of ${runs})`,
          Math.round(median(cold)),
          'ms',
          { name: `goal ${TTI_GOAL_MS} ms`, value: TTI_GOAL_MS },
          { atMost: 1 },
        ),
        figure(`My Courses time to interactive, warm cache (median of ${runs})`, Math.round(median(warm)), 'ms'),
      ];
      return results;
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
