/**
 * scale-out: two server processes on one database against one. The same load (concurrency 8) is
 * sent either all to server A or split 4 + 4 between A and B, in alternating rounds, for a read
 * (GET /api/me/courses of a learner with 5 enrollments) and a write (self-enroll, a new member each
 * request). The figure is requests/s with two processes; the limit is the same with one; the ratio
 * is the scale-out factor (on a 2-core machine that also runs the load generator and the
 * database, little above 1 is expected; the point is that two processes work side by side).
 *
 * Both processes run the scheduler with `auth.purge` every second (SMOOTH_JOB_SCHEDULES); at the
 * end every second of the run must have been claimed by exactly one of them.
 */
import { courseId, newTag, seedCourses, seedEnrollments, seedSessions, seedUsers, sessionToken } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, durations, figure, type BenchResult } from './lib/types.ts';
import { describeLoad, load, mergeLoadResults, type LoadResult } from './lib/load.ts';
import { spawnServer, startBenchServer, type ChildServer } from './lib/server.ts';
import { refreshStatistics } from '../src/server/db/statistics.ts';

const CONCURRENCY = 8;
const READERS = 2_000;
const JOB = 'auth.purge';

export default defineBenchmark({
  name: 'scale-out',
  description:
    'Requests/s of two server processes on one database vs one (same total load, concurrency 8), for GET /api/me/courses and ' +
    'self-enroll; both processes schedule a job every second and each second must run once.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (m: string) => opts.log(m);
    const { warmupMs, measureMs } = durations(quick);
    const writers = quick ? 4_000 : 16_000;
    const jobEnv = { SMOOTH_JOB_SCHEDULES: `${JOB}=* * * * * *` };
    const a = await startBenchServer(dialect, { log, env: jobEnv });
    let b: ChildServer | null = null;
    try {
      const db = a.ctx.db;
      const tag = newTag();
      await seedUsers(db, dialect, tag, READERS + writers);
      await seedSessions(db, tag, 0, READERS + writers);
      await seedCourses(db, dialect, tag, 6, 4);
      // Readers 0..READERS-1 in courses 0..4; course 5 is left for the self-enrolls.
      await seedEnrollments(db, dialect, tag, { employees: READERS, courses: 5, lessons: 4, count: READERS * 5, completions: false });
      await refreshStatistics(db, dialect, { full: true });
      b = await spawnServer('app', {
        ...process.env,
        ...jobEnv,
        BENCH_DATABASE: JSON.stringify(a.ctx.config.database),
        SMOOTH_SCRYPT_COST: String(process.env.SMOOTH_SCRYPT_COST ?? 10),
      });
      log(`server A ${a.url} (pid ${a.pid}), server B ${b.url} (pid ${b.pid}) on one ${dialect} database`);
      const startedAt = new Date();

      const cookie = (n: number) => ({ cookie: `smooth_session=${sessionToken(tag, n)}` });
      let reader = 0;
      let writer = READERS;
      const target = courseId(tag, 5);
      const one = (what: 'read' | 'write', base: string, concurrency: number, ms: number): Promise<LoadResult> =>
        what === 'read'
          ? load({ url: `${base}/api/me/courses`, headers: () => cookie(reader++ % READERS), concurrency, durationMs: ms, label: 'my courses' })
          : load({
              url: `${base}/api/courses/${target}/enroll`,
              method: 'POST',
              headers: () => cookie(writer++),
              concurrency,
              durationMs: ms,
              // Members with a session left, shared by the loads running side by side (by their concurrency).
              requests: Math.max(1, Math.floor(((READERS + writers - writer - CONCURRENCY * 4) * concurrency) / CONCURRENCY)),
              label: 'self-enroll',
            });
      const sum = (x: LoadResult, y: LoadResult): LoadResult => ({ ...x, ok: x.ok + y.ok, rps: x.rps + y.rps });
      const run = async (what: 'read' | 'write', servers: 1 | 2, ms: number): Promise<LoadResult> =>
        servers === 1
          ? one(what, a.url, CONCURRENCY, ms)
          : (await Promise.all([one(what, a.url, CONCURRENCY / 2, ms), one(what, b!.url, CONCURRENCY / 2, ms)])).reduce(sum);

      log(`warm-up ${warmupMs / 1000} s`);
      await run('read', 2, warmupMs);
      await run('write', 2, warmupMs / 2);
      const rounds = quick ? 2 : 4;
      const seg = measureMs / (2 * rounds);
      const parts: Record<string, LoadResult[]> = { read1: [], read2: [], write1: [], write2: [] };
      for (let r = 0; r < rounds; r++) {
        for (const [what, n] of [
          ['read', 1],
          ['read', 2],
          ['write', 2],
          ['write', 1],
          ['read', 2],
          ['read', 1],
          ['write', 1],
          ['write', 2],
        ] as const) {
          parts[`${what}${n}`]!.push(await run(what, n, seg));
        }
      }
      const m = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, mergeLoadResults(v)])) as Record<string, LoadResult>;
      for (const [k, r] of Object.entries(m)) log(`${k}: ${describeLoad(r)}`);

      // Every self-enroll made exactly one row, whichever process answered it.
      const enrolled = Number(
        (await db.selectFrom('enrollments').select((eb) => eb.fn.countAll<number>().as('n')).where('course_id', '=', target).executeTakeFirstOrThrow()).n,
      );
      const answered = Object.entries(parts)
        .filter(([k]) => k.startsWith('write'))
        .flatMap(([, v]) => v)
        .reduce((n, r) => n + r.ok, 0);
      log(`self-enroll rows ${enrolled}, successful self-enroll requests measured ${answered} (plus warm-up)`);

      // Let the last second's job finish, then check the claims.
      await new Promise((r) => setTimeout(r, 1_500));
      const runs = await db
        .selectFrom('job_runs')
        .select(['slot', 'status'])
        .where('name', '=', JOB)
        .where('slot', '>=', startedAt.toISOString())
        .execute();
      const slots = new Set(runs.map((r) => r.slot));
      const seconds = Math.floor((Date.now() - startedAt.getTime()) / 1000);
      log(`job ${JOB}: ${runs.length} runs for ${slots.size} distinct slots over ~${seconds} s (statuses: ${[...new Set(runs.map((r) => r.status))].join(', ')})`);
      if (runs.length !== slots.size) throw new Error(`a job slot ran twice: ${runs.length} runs for ${slots.size} slots`);
      if (runs.length === 0) throw new Error('the job never ran');

      const results: BenchResult[] = [
        compared('my courses, 2 processes vs 1', m.read2!.rps, 'req/s', { name: '1 process', value: m.read1!.rps }),
        compared('self-enroll, 2 processes vs 1', m.write2!.rps, 'req/s', { name: '1 process', value: m.write1!.rps }),
        figure('job slots run once each (of ~1/s)', runs.length, 'runs'),
      ];
      return results;
    } finally {
      await b?.close();
      await a.close();
    }
  },
});
