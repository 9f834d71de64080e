/**
 * enroll-throughput: requests/s of POST /api/courses/:id/enroll (self-enroll, every request a new
 * member: session lookup, course checks, insert with conflict handling, audit) and of
 * POST /api/lessons/:id/complete (first completion of each member: completion insert, set-based
 * progress recompute), against a minimal Fastify server doing one raw INSERT per request into
 * the same kind of database (same database file / server, its own table with the same unique
 * index). Goal for both: ratio ≥ 0.5.
 *
 * Also POST /api/enrollments by API token (a Moderator's Bearer token, a new member each time, at
 * concurrency 4 and 8): the route an HR system calls one record at a time. Goal: at concurrency 8,
 * ≥ 0.7 of the self-enroll rate of the same run.
 *
 * The raw server is this file run as a script: `node --import tsx bench/enroll-throughput.bench.ts`
 * with SMOOTH_RAW_INSERT_DB set; it runs in its own process like the real server. It also answers
 * POST /raw-session: the session lookup of the request's cookie (one indexed read of sessions),
 * then the same raw insert for that member — the two round trips any authenticated write makes.
 * The authenticated-write goal: self-enroll and enrollment by token ≥ 0.7 of that server.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { DatabaseTarget } from '../src/server/config.ts';
import { newTag, seedCourses, seedSessions, seedUsers, sessionToken, courseId, lessonId, userId } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, durations, type BenchResult } from './lib/types.ts';
import { describeLoad, load, mergeLoadResults, request, type LoadResult } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';
import { createApiToken } from '../src/server/platform/auth.service.ts';
import { addCpu, cpuSince, cpuSnapshot, describeCpuPerRequest, type CpuParts } from './lib/cpu.ts';
import { refreshStatistics } from '../src/server/db/statistics.ts';

const CONCURRENCY = 8;
/** Concurrency levels of the enrollment by API token. */
const TOKEN_CONCURRENCY = [4, 8] as const;
const RAW_MARKER = '@@RAW_INSERT_SERVER@@';
const SELF = fileURLToPath(import.meta.url);

/** The raw-insert server (runs in the child process). */
async function serveRawInsert(target: DatabaseTarget): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { openDatabase } = await import('../src/server/db/database.ts');
  const { newId } = await import('../src/server/db/ids.ts');
  const database = openDatabase(target);
  const db = database.db;
  await sql`create table if not exists bench_raw_enrollments (id text primary key, member_id text not null, course_id text not null, created_at text not null)`.execute(
    db,
  );
  await sql`create unique index if not exists bench_raw_enrollments_uq on bench_raw_enrollments (member_id, course_id)`.execute(db);
  const { sha256 } = await import('../src/server/platform/auth.service.ts');
  const app = Fastify({ logger: false });
  app.post('/raw-session', async (req, reply) => {
    const token = /(?:^|;\s*)smooth_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const session = token
      ? await sql<{ user_id: string }>`select user_id from sessions where id = ${sha256(token)} and expires_at > ${new Date().toISOString()}`.execute(db)
      : null;
    const member = session?.rows[0]?.user_id;
    if (!member) return reply.code(401).send({ code: 'UNAUTHENTICATED' });
    const id = newId();
    await sql`insert into bench_raw_enrollments (id, member_id, course_id, created_at) values (${id}, ${member}, ${id}, ${new Date().toISOString()})
      on conflict (member_id, course_id) do nothing`.execute(db);
    return reply.code(201).send({ id });
  });
  app.post('/raw', async (_req, reply) => {
    const id = newId();
    await sql`insert into bench_raw_enrollments (id, member_id, course_id, created_at) values (${id}, ${id}, ${'course'}, ${new Date().toISOString()})
      on conflict (member_id, course_id) do nothing`.execute(db);
    return reply.code(201).send({ id });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.stdout.write(`${RAW_MARKER}${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  const stop = async () => {
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** The raw-insert server in its own process (this file run as a script); also used by scorm-commits. */
export async function startRawInsertServer(target: DatabaseTarget): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
    env: { ...process.env, SMOOTH_RAW_INSERT_DB: JSON.stringify(target) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the raw insert server did not start')), 60_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      buf += c;
      const at = buf.indexOf(RAW_MARKER);
      const nl = buf.indexOf('\n', at);
      if (at >= 0 && nl > at) {
        clearTimeout(timer);
        resolve((JSON.parse(buf.slice(at + RAW_MARKER.length, nl)) as { url: string }).url);
      }
    });
    void exited.then(() => reject(new Error('the raw insert server exited before it listened')));
  });
  return {
    url,
    pid: child.pid!,
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export default defineBenchmark({
  name: 'enroll-throughput',
  description:
    'Requests/s of self-enroll (POST /api/courses/:id/enroll, a new member each time) and of a first lesson completion ' +
    '(POST /api/lessons/:id/complete) vs a minimal Fastify server doing one raw INSERT per request into the same database; goal ratio ≥ 0.5. ' +
      'Also vs the same server doing a session lookup and then the insert (the round trips of any authenticated write): the ' +
      'authenticated-write goal is ≥ 0.7 of that "session lookup + insert" server (self-enroll, enrollment by token). And staff ' +
      'enrollment by API token (POST /api/enrollments, concurrency 4 and 8): goal ≥ 0.7 of the self-enroll rate of the same run.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const { warmupMs, measureMs } = durations(quick);
    // Every request needs a member who has not done it yet: enough for the whole run at a few thousand req/s.
    const members = quick ? 10_000 : 100_000;
    const server = await startBenchServer(dialect, { log });
    let raw: { url: string; pid: number; close(): Promise<void> } | null = null;
    try {
      const db = server.ctx.db;
      const tag = newTag();
      await seedUsers(db, dialect, tag, members);
      await seedSessions(db, tag, 0, members);
      // Course 0 for self-enrollment and lesson completion, course 1 for the enrollment by token.
      await seedCourses(db, dialect, tag, 2, 4);
      await refreshStatistics(db, dialect, { full: true });
      const staff = await server.createUser(['Moderator'], 'HR sync');
      const { token } = await createApiToken(server.ctx, staff.id, 'enroll-throughput');
      log(`seeded ${members} members with sessions and two courses of 4 lessons; a Moderator's API token`);
      const scratch = JSON.parse(JSON.stringify(server.ctx.config.database)) as DatabaseTarget;
      raw = await startRawInsertServer(scratch);
      log(`raw insert server at ${raw.url}`);

      const course = courseId(tag, 0);
      const lesson = lessonId(tag, 0, 0);
      const cookieOf = (n: number) => `smooth_session=${sessionToken(tag, n)}`;
      const first = await request(`${server.url}/api/courses/${course}/enroll`, { method: 'POST', headers: { cookie: cookieOf(0) } });
      if (first.status !== 201) throw new Error(`self-enroll answered ${first.status}: ${first.body}`);
      const firstDone = await request(`${server.url}/api/lessons/${lesson}/complete`, { method: 'POST', headers: { cookie: cookieOf(0) } });
      if (firstDone.status !== 200) throw new Error(`lesson complete answered ${firstDone.status}: ${firstDone.body}`);
      const rawOnce = await request(`${raw.url}/raw`, { method: 'POST' });
      if (rawOnce.status !== 201) throw new Error(`raw insert answered ${rawOnce.status}: ${rawOnce.body}`);
      const tokenCourse = courseId(tag, 1);
      const tokenHeaders = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const tokenOnce = await request(`${server.url}/api/enrollments`, {
        method: 'POST',
        headers: tokenHeaders,
        body: JSON.stringify({ courseId: tokenCourse, memberId: userId(tag, 0) }),
      });
      if (tokenOnce.status !== 201) throw new Error(`enrollment by token answered ${tokenOnce.status}: ${tokenOnce.body}`);
      const rawSessionOnce = await request(`${raw.url}/raw-session`, { method: 'POST', headers: { cookie: cookieOf(0) } });
      if (rawSessionOnce.status !== 201) throw new Error(`raw session + insert answered ${rawSessionOnce.status}: ${rawSessionOnce.body}`);

      let nextEnroll = 1;
      let nextComplete = 1;
      let enrolledUpTo = 1;
      let nextSession = 0;
      let nextToken = 1;
      type Target = 'raw' | 'rawSession' | 'enroll' | 'complete' | 'token4' | 'token8';
      const run = (what: Target, durationMs: number): Promise<LoadResult> => {
        if (what === 'token4' || what === 'token8') {
          const concurrency = what === 'token4' ? TOKEN_CONCURRENCY[0] : TOKEN_CONCURRENCY[1];
          const left = members - nextToken;
          return load({
            url: `${server.url}/api/enrollments`,
            method: 'POST',
            headers: tokenHeaders,
            body: () => JSON.stringify({ courseId: tokenCourse, memberId: userId(tag, nextToken++) }),
            concurrency,
            durationMs,
            requests: Math.max(1, left - concurrency),
            label: `enrollment by token (concurrency ${concurrency})`,
          });
        }
        if (what === 'raw')
          return load({ url: `${raw!.url}/raw`, method: 'POST', concurrency: CONCURRENCY, durationMs, label: 'raw insert' });
        if (what === 'rawSession')
          return load({
            url: `${raw!.url}/raw-session`,
            method: 'POST',
            headers: () => ({ cookie: cookieOf(nextSession++ % members) }),
            concurrency: CONCURRENCY,
            durationMs,
            label: 'raw session lookup + insert',
          });
        if (what === 'enroll') {
          const left = members - nextEnroll;
          return load({
            url: `${server.url}/api/courses/${course}/enroll`,
            method: 'POST',
            headers: () => ({ cookie: cookieOf(nextEnroll++) }),
            concurrency: CONCURRENCY,
            durationMs,
            requests: Math.max(1, left - CONCURRENCY),
            label: 'self-enroll',
          }).finally(() => (enrolledUpTo = nextEnroll));
        }
        const left = enrolledUpTo - nextComplete;
        return load({
          url: `${server.url}/api/lessons/${lesson}/complete`,
          method: 'POST',
          headers: () => ({ cookie: cookieOf(nextComplete++) }),
          concurrency: CONCURRENCY,
          durationMs,
          requests: Math.max(1, left - CONCURRENCY),
          label: 'lesson complete',
        });
      };

      log(`warm-up ${warmupMs / 1000} s per target, concurrency ${CONCURRENCY}`);
      await run('raw', warmupMs);
      await run('rawSession', warmupMs / 2);
      await run('enroll', warmupMs);
      await run('complete', warmupMs / 2);
      await run('token8', warmupMs / 2);

      const rounds = quick ? 2 : 4;
      const seg = measureMs / (2 * rounds);
      const parts: Record<Target, LoadResult[]> = { raw: [], rawSession: [], enroll: [], complete: [], token4: [], token8: [] };
      const zero: CpuParts = { client: 0, server: 0, database: 0 };
      const cpu: Record<Target, CpuParts> = { raw: zero, rawSession: zero, enroll: zero, complete: zero, token4: zero, token8: zero };
      const snapshot = (k: Target) => cpuSnapshot(k === 'raw' || k === 'rawSession' ? raw!.pid : server.pid, dialect === 'postgres');
      for (let r = 0; r < rounds; r++) {
        for (const k of ['raw', 'rawSession', 'enroll', 'token8', 'token4', 'complete', 'complete', 'token4', 'token8', 'enroll', 'rawSession', 'raw'] as const) {
          const before = snapshot(k);
          parts[k].push(await run(k, seg));
          cpu[k] = addCpu(cpu[k], cpuSince(before, snapshot(k)));
        }
        log(`  round ${r + 1}: members used for enroll ${nextEnroll}, for complete ${nextComplete}, by token ${nextToken} of ${members}`);
      }
      const m = {
        raw: mergeLoadResults(parts.raw),
        rawSession: mergeLoadResults(parts.rawSession),
        enroll: mergeLoadResults(parts.enroll),
        complete: mergeLoadResults(parts.complete),
        token4: mergeLoadResults(parts.token4),
        token8: mergeLoadResults(parts.token8),
      };
      for (const [k, r] of Object.entries(m)) log(`${describeLoad(r)}; ${describeCpuPerRequest(cpu[k as keyof typeof m], r.requests)}`);

      const enrolled = await db
        .selectFrom('enrollments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('course_id', '=', course)
        .executeTakeFirstOrThrow();
      if (Number(enrolled.n) !== nextEnroll) log(`note: ${Number(enrolled.n)} enrollments for ${nextEnroll} self-enroll requests`);

      const results: BenchResult[] = [
        compared('self-enroll throughput', m.enroll.rps, 'req/s', { name: 'raw insert server', value: m.raw.rps }, { atLeast: 0.5 }),
        compared('lesson-complete throughput', m.complete.rps, 'req/s', { name: 'raw insert server', value: m.raw.rps }, { atLeast: 0.5 }),
        compared('self-enroll p95 latency', m.enroll.latency.p95, 'ms', { name: 'raw insert p95', value: m.raw.latency.p95 }),
        compared('self-enroll vs an authenticated raw insert', m.enroll.rps, 'req/s', { name: 'raw session lookup + insert server', value: m.rawSession.rps }, { atLeast: 0.7 }),
        compared('lesson complete vs an authenticated raw insert', m.complete.rps, 'req/s', { name: 'raw session lookup + insert server', value: m.rawSession.rps }),
        compared('enrollment by token (concurrency 8) vs self-enroll', m.token8.rps, 'req/s', { name: 'self-enroll (concurrency 8)', value: m.enroll.rps }, { atLeast: 0.7 }),
        compared('enrollment by token (concurrency 4) vs self-enroll', m.token4.rps, 'req/s', { name: 'self-enroll (concurrency 8)', value: m.enroll.rps }),
        compared('enrollment by token (concurrency 8) vs an authenticated raw insert', m.token8.rps, 'req/s', { name: 'raw session lookup + insert server', value: m.rawSession.rps }, { atLeast: 0.7 }),
      ];
      return results;
    } finally {
      await raw?.close();
      await server.close();
    }
  },
});

if (process.env.SMOOTH_RAW_INSERT_DB && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void serveRawInsert(JSON.parse(process.env.SMOOTH_RAW_INSERT_DB) as DatabaseTarget).catch((e: unknown) => {
    console.error('raw insert server failed:', e);
    process.exit(1);
  });
}
