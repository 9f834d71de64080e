/**
 * soak: mixed traffic for SOAK_SECONDS (default 600; 30 with --quick) against one server, each
 * kind in its own loop, one request at a time (bench/lib/traffic.ts): logins, lists (course
 * catalogue, My Courses, the staff enrollment list), self-enrolls, lesson completes, quiz submits and
 * quiz report PDFs. Reports errors (goal 0), p50/p99 per kind overall and per time window (the log
 * prints every window), and the server's resident memory over time, read every 2 s. The goal (flat,
 * ≤ 1 MB/min) is the least-squares slope over the second half of the run: in the first minutes the
 * server's memory fills up to its working size (SQLite's page cache of up to 64 MB per connection,
 * the V8 heap growing to its collection threshold, the PDF render pool's threads), which is not a
 * leak; a leak keeps the slope up in the second half too. The slope after the first window, the
 * readings per window, start, end and peak are printed beside it.
 */
import fs from 'node:fs';
import { courseId, lessonId, newTag, seedCourses } from '../scripts/seed-scale.ts';
import { percentile, summarize } from './lib/stats.ts';
import { request } from './lib/load.ts';
import { startBenchServer, type BenchUser } from './lib/server.ts';
import { loadAverage, runTraffic, sender, type KindRecord, type TrafficKind } from './lib/traffic.ts';
import { defineBenchmark, figure, type BenchResult } from './lib/types.ts';

const COURSES = 400;
const LESSONS = 4;
const LEARNERS = 20;
const WINDOWS = 10;
const RSS_SAMPLE_MS = 2_000;

/** Resident memory of process `pid` in MB (Linux /proc), or NaN where it cannot be read. */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

function windowP99(r: KindRecord, from: number, to: number): number {
  const xs: number[] = [];
  for (let i = 0; i < r.at.length; i++) if (r.at[i]! >= from && r.at[i]! < to) xs.push(r.latency[i]!);
  return percentile(xs, 99);
}

export default defineBenchmark({
  name: 'soak',
  description:
    'SOAK_SECONDS (default 600, 30 with --quick) of mixed traffic, one loop per kind: logins, course list, My Courses, enrollment list, ' +
    'self-enroll, lesson complete, quiz submit, quiz report PDF. Goals: 0 errors, RSS slope ≤ 1 MB/min over the second half of the run (memory fills to its working size first); p99 per kind and window in the log.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const seconds = Number(process.env.SOAK_SECONDS ?? (quick ? 30 : 600));
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`SOAK_SECONDS must be a positive number of seconds (got "${process.env.SOAK_SECONDS}")`);
    const server = await startBenchServer(dialect, { log });
    try {
      const db = server.ctx.db;
      const tag = newTag();
      await seedCourses(db, dialect, tag, COURSES, LESSONS);
      const admin = await server.createUser(['System Manager']);
      const adminCookie = await server.login(admin);
      const learners: { user: BenchUser; cookie: string }[] = [];
      for (let i = 0; i < LEARNERS; i++) {
        const user = await server.createUser(['LMS Student']);
        learners.push({ user, cookie: await server.login(user) });
      }
      // Course 0 holds the quiz and the lessons every learner completes; the others take self-enrolls.
      const home = courseId(tag, 0);
      for (const l of learners) {
        const res = await request(`${server.url}/api/courses/${home}/enroll`, { method: 'POST', headers: { cookie: l.cookie } });
        if (res.status !== 201) throw new Error(`enroll answered ${res.status}: ${res.body.slice(0, 300)}`);
      }
      const quizRes = await request(`${server.url}/api/quizzes`, {
        method: 'POST',
        headers: { cookie: adminCookie, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Soak quiz',
          courseId: home,
          passingPercentage: 50,
          maxAttempts: 0,
          questions: Array.from({ length: 10 }, (_, i) => ({
            kind: 'single',
            text: `Question ${i + 1}: which rule applies?`,
            options: [
              { text: `Rule ${i + 1} applies`, correct: true },
              { text: `Rule ${i + 1} does not`, correct: false },
            ],
          })),
        }),
      });
      if (quizRes.status !== 201) throw new Error(`quiz answered ${quizRes.status}: ${quizRes.body.slice(0, 300)}`);
      const quiz = JSON.parse(quizRes.body) as { id: string; questions: { id: string }[] };
      const answers = { answers: quiz.questions.map((q, i) => ({ questionId: q.id, choice: [i % 2] })) };
      const firstSub = await request(`${server.url}/api/quizzes/${quiz.id}/submissions`, {
        method: 'POST',
        headers: { cookie: learners[0]!.cookie, 'content-type': 'application/json' },
        body: JSON.stringify(answers),
      });
      if (firstSub.status !== 201) throw new Error(`quiz submit answered ${firstSub.status}: ${firstSub.body.slice(0, 300)}`);
      const submissionId = (JSON.parse(firstSub.body) as { id: string }).id;
      log(`seeded ${COURSES} courses, ${LEARNERS} learners, a 10-question quiz; soaking ${seconds} s; load ${loadAverage()}`);

      let k = 0;
      const learner = () => learners[k++ % LEARNERS]!;
      let enrolls = 0;
      let completes = 0;
      let submits = 0;
      let logins = 0;
      const kinds: TrafficKind[] = [
        {
          name: 'login',
          pauseMs: 100,
          send: async () => {
            await server.login(learners[logins++ % LEARNERS]!.user);
            return { status: 200, body: '' };
          },
        },
        { name: 'GET /api/courses', send: () => sender(`${server.url}/api/courses?limit=20`, learner().cookie)() },
        { name: 'GET /api/me/courses', send: () => sender(`${server.url}/api/me/courses`, learner().cookie)() },
        { name: 'GET /api/enrollments', send: sender(`${server.url}/api/enrollments?limit=50`, adminCookie) },
        {
          name: 'POST /api/courses/:id/enroll',
          // Past the last learner and course pair (a very long soak) an enroll repeats: 409 is its answer.
          expect: [409],
          send: () => {
            const n = enrolls++;
            const l = learners[n % LEARNERS]!;
            const c = courseId(tag, 1 + (Math.floor(n / LEARNERS) % (COURSES - 1)));
            return request(`${server.url}/api/courses/${c}/enroll`, { method: 'POST', headers: { cookie: l.cookie }, timeoutMs: 120_000 });
          },
        },
        {
          name: 'POST /api/lessons/:id/complete',
          send: () => {
            const n = completes++;
            const l = learners[n % LEARNERS]!;
            return sender(`${server.url}/api/lessons/${lessonId(tag, 0, Math.floor(n / LEARNERS) % LESSONS)}/complete`, l.cookie, 'POST', {})();
          },
        },
        {
          name: 'POST /api/quizzes/:id/submissions',
          send: () => sender(`${server.url}/api/quizzes/${quiz.id}/submissions`, learners[submits++ % LEARNERS]!.cookie, 'POST', answers)(),
        },
        { name: 'GET quiz report PDF', pauseMs: 250, send: sender(`${server.url}/api/quiz-submissions/${submissionId}/report.pdf`, adminCookie) },
      ];

      const rss: { x: number; y: number }[] = [];
      const t0 = performance.now();
      const sampler = setInterval(() => rss.push({ x: (performance.now() - t0) / 60_000, y: rssMb(server.pid) }), RSS_SAMPLE_MS);
      rss.push({ x: 0, y: rssMb(server.pid) });
      const windowMs = (seconds * 1000) / WINDOWS;
      const progress = setInterval(() => log(`${Math.round((performance.now() - t0) / 1000)} s: RSS ${rss[rss.length - 1]!.y.toFixed(0)} MB; load ${loadAverage()}`), windowMs);
      const records = await runTraffic(kinds, t0 + seconds * 1000);
      clearInterval(sampler);
      clearInterval(progress);
      rss.push({ x: (performance.now() - t0) / 60_000, y: rssMb(server.pid) });

      // p99 per kind and window, in the log.
      const header = ['kind', ...Array.from({ length: WINDOWS }, (_, w) => `${Math.round(((w + 1) * windowMs) / 1000)}s`)];
      log(`p99 ms per window: ${header.join(' | ')}`);
      for (const r of records) {
        const row = Array.from({ length: WINDOWS }, (_, w) => windowP99(r, w * windowMs, (w + 1) * windowMs).toFixed(0));
        log(`p99 ms per window: ${r.name} | ${row.join(' | ')}`);
        for (const f of r.failures) log(`error (${r.name}): ${f}`);
      }

      const results: BenchResult[] = [];
      const errors = records.reduce((n, r) => n + r.errors, 0);
      const total = records.reduce((n, r) => n + r.latency.length, 0);
      results.push({ metric: `errors in ${total} requests over ${seconds} s`, value: errors, unit: 'requests', goal: '0', ok: errors === 0 });
      for (const r of records) {
        const s = summarize(r.latency);
        const p99s = Array.from({ length: WINDOWS }, (_, w) => windowP99(r, w * windowMs, (w + 1) * windowMs)).filter(Number.isFinite);
        results.push(figure(`${r.name}: p50 (${s.count} requests)`, s.p50, 'ms'));
        results.push(figure(`${r.name}: p99`, s.p99, 'ms'));
        results.push(figure(`${r.name}: p99 of the first / last window ${p99s[0]?.toFixed(0)} / ${p99s[p99s.length - 1]?.toFixed(0)} ms; worst window`, Math.max(...p99s), 'ms'));
      }
      const readable = rss.filter((p) => Number.isFinite(p.y));
      const perWindow = Array.from({ length: WINDOWS }, (_, w) => readable.filter((p) => p.x * 60_000 < (w + 1) * windowMs).at(-1)?.y ?? Number.NaN);
      log(`RSS MB at the end of each window: ${perWindow.map((y) => y.toFixed(0)).join(', ')}`);
      results.push(figure('server RSS slope after the first window', slope(readable.filter((p) => p.x * 60_000 >= windowMs)), 'MB/min'));
      const secondHalf = slope(readable.filter((p) => p.x * 60_000 >= (seconds * 1000) / 2));
      results.push({ metric: 'server RSS slope over the second half of the run', value: secondHalf, unit: 'MB/min', goal: '≤ 1 MB/min', ok: secondHalf <= 1 });
      const ys = rss.map((p) => p.y).filter(Number.isFinite);
      results.push(figure(`server RSS start / end (peak ${Math.max(...ys).toFixed(0)} MB)`, ys[ys.length - 1]! - ys[0]!, 'MB growth'));
      results.push(figure(`server RSS at start ${ys[0]?.toFixed(0)} MB, at end`, ys[ys.length - 1]!, 'MB'));
      results.push(figure(`load average (1/5/15 min) at the end: ${loadAverage()}`, Number(loadAverage().split(' / ')[0]), ''));
      return results;
    } finally {
      await server.close();
    }
  },
});
