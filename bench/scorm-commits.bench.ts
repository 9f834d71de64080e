/**
 * scorm-commits: requests/s of the SCORM runtime's commit (PUT /api/lessons/:id/scorm-attempt:
 * session lookup, the lesson, package, SCO and enrollment in one read, the data model checks and
 * one monotonic upsert), a learner's SCO a few times a minute as scorm-again sends it, against the
 * raw-insert server of enroll-throughput (a minimal Fastify server doing one raw INSERT per request
 * into the same database). Goal: ratio ≥ 0.5. A commit is an authenticated write, so it is also
 * measured against the same server's "session lookup + insert" route (the two round trips any
 * authenticated write makes): goal ≥ 0.7 of it, the authenticated-write goal of enroll-throughput.
 * Every learner's first commit, which creates the SCO's row, runs before the warm-up and is logged
 * on its own: the segments measure the later commits.
 *
 * Also the upload of a 50 MB package (POST /api/scorm-packages: streamed to the file store,
 * validated from the zip's central directory, extracted entry by entry): its time, and the server
 * process's peak memory growth over its memory before the uploads, compared with the same for a 25 MB package (goal: the
 * growth does not follow the package size, ratio ≤ 1.5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import yazl from 'yazl';
import type { DatabaseTarget } from '../src/server/config.ts';
import { courseId, lessonId, newTag, seedCourses, seedEnrollments, seedSessions, seedUsers, sessionToken } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, durations, figure, type BenchResult } from './lib/types.ts';
import { describeLoad, load, mergeLoadResults, type LoadResult } from './lib/load.ts';
import { startBenchServer } from './lib/server.ts';
import { addCpu, cpuSince, cpuSnapshot, describeCpuPerRequest, type CpuParts } from './lib/cpu.ts';
import { refreshStatistics } from '../src/server/db/statistics.ts';
import { startRawInsertServer } from './enroll-throughput.bench.ts';

const CONCURRENCY = 8;
const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/scorm-samples/RuntimeBasicCalls_SCORM12.zip');

/** A valid SCORM 1.2 package of about `mb` MB (incompressible media files of 1 MB), written to a temp file. */
async function bigPackage(dir: string, mb: number): Promise<string> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(
    Buffer.from(`<?xml version="1.0"?>
<manifest identifier="bench.big" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Big package</title>
    <item identifier="i" identifierref="r"><title>Video lesson</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>
</manifest>`),
    'imsmanifest.xml',
  );
  zip.addBuffer(Buffer.from('<html><body>Big</body></html>'), 'index.html');
  for (let i = 0; i < mb; i++) zip.addBuffer(randomBytes(1024 * 1024), `media/clip-${i}.bin`, { compress: false });
  zip.end();
  const file = path.join(dir, `package-${mb}mb.zip`);
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(file)).on('finish', resolve).on('error', reject);
  });
  return file;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * Uploads a package while sampling the server's resident memory; returns seconds and the peak
 * growth in MB over `base` (the server's memory before any upload of the run).
 */
async function measuredUpload(
  url: string,
  cookie: string,
  pid: number,
  file: string,
  base: number,
): Promise<{ seconds: number; growthMb: number }> {
  let peak = rssKb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 5);
  const started = performance.now();
  try {
    const form = new FormData();
    form.append('file', await fs.openAsBlob(file, { type: 'application/zip' }), path.basename(file));
    const res = await fetch(`${url}/api/scorm-packages`, { method: 'POST', headers: { cookie, origin: url }, body: form });
    if (res.status !== 201) throw new Error(`upload of ${path.basename(file)} answered ${res.status}: ${await res.text()}`);
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, rssKb(pid));
  return { seconds: (performance.now() - started) / 1000, growthMb: (peak - base) / 1024 };
}

export default defineBenchmark({
  name: 'scorm-commits',
  description:
    'Requests/s of the SCORM runtime commit (PUT /api/lessons/:id/scorm-attempt, monotonic upsert of one SCO) vs the raw-insert server ' +
    'of enroll-throughput; goal ratio ≥ 0.5; and vs its "session lookup + insert" route (authenticated write): goal ≥ 0.7. Upload and extraction of a 50 MB package: time, and the server’s peak memory growth vs a 25 MB ' +
    'package (goal ≤ 1.5: memory does not follow the package size).',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const { warmupMs, measureMs } = durations(quick);
    const learners = quick ? 500 : 2_000;
    const server = await startBenchServer(dialect, { log });
    let raw: { url: string; pid: number; close(): Promise<void> } | null = null;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-bench-scorm-'));
    try {
      const db = server.ctx.db;
      const staff = await server.createUser(['Moderator'], 'Package uploader');
      const cookie = await server.login(staff);

      // Upload: a 25 MB and a 50 MB package, memory sampled in the server process.
      const files = { small: await bigPackage(tmp, 25), big: await bigPackage(tmp, 50) };
      const base = rssKb(server.pid);
      const small = await measuredUpload(server.url, cookie, server.pid, files.small, base);
      const big = await measuredUpload(server.url, cookie, server.pid, files.big, base);
      log(
        `upload 25 MB: ${small.seconds.toFixed(2)} s, peak RSS growth ${small.growthMb.toFixed(1)} MB; 50 MB: ${big.seconds.toFixed(2)} s, ${big.growthMb.toFixed(1)} MB`,
      );

      // Commits: learners enrolled in a course whose first lesson plays the Run-time Basic Calls sample.
      const form = new FormData();
      form.append('file', await fs.openAsBlob(SAMPLE, { type: 'application/zip' }), 'RuntimeBasicCalls_SCORM12.zip');
      const up = await fetch(`${server.url}/api/scorm-packages`, { method: 'POST', headers: { cookie, origin: server.url }, body: form });
      if (up.status !== 201) throw new Error(`sample upload answered ${up.status}: ${await up.text()}`);
      const pkg = (await up.json()) as { id: string };
      const tag = newTag();
      await seedUsers(db, dialect, tag, learners);
      await seedSessions(db, tag, 0, learners);
      await seedCourses(db, dialect, tag, 1, 2);
      const lesson = lessonId(tag, 0, 0);
      await db.updateTable('lessons').set({ kind: 'scorm', scorm_package_id: pkg.id }).where('id', '=', lesson).execute();
      await seedEnrollments(db, dialect, tag, { employees: learners, courses: 1, lessons: 2, count: learners, completions: false });
      await refreshStatistics(db, dialect, { full: true });
      log(`seeded ${learners} learners with sessions, enrolled in ${courseId(tag, 0)} whose first lesson plays the 1.2 sample`);
      raw = await startRawInsertServer(JSON.parse(JSON.stringify(server.ctx.config.database)) as DatabaseTarget);
      log(`raw insert server at ${raw.url}`);

      let seq = 1;
      let next = 0;
      const commitUrl = `${server.url}/api/lessons/${lesson}/scorm-attempt`;
      const body = () => {
        const page = seq % 16;
        return JSON.stringify({
          scoId: 'item_1',
          seq: seq++,
          session: 'bench',
          cmi: {
            cmi: {
              core: {
                lesson_status: 'incomplete',
                lesson_location: String(page),
                session_time: '00:01:30',
                exit: '',
                score: { raw: '', min: '', max: '' },
              },
              suspend_data: `page=${page};visited=${'1'.repeat(page)}`,
            },
          },
        });
      };
      type Target = 'raw' | 'rawSession' | 'commit';
      let nextSession = 0;
      const run = (what: Target, durationMs: number, requests?: number): Promise<LoadResult> => {
        if (what === 'raw') return load({ url: `${raw!.url}/raw`, method: 'POST', concurrency: CONCURRENCY, durationMs, label: 'raw insert' });
        if (what === 'rawSession')
          return load({
            url: `${raw!.url}/raw-session`,
            method: 'POST',
            headers: () => ({ cookie: `smooth_session=${sessionToken(tag, nextSession++ % learners)}` }),
            concurrency: CONCURRENCY,
            durationMs,
            label: 'raw session lookup + insert',
          });
        return load({
          url: commitUrl,
          method: 'PUT',
          headers: () => ({ cookie: `smooth_session=${sessionToken(tag, next++ % learners)}`, 'content-type': 'application/json' }),
          body,
          concurrency: CONCURRENCY,
          durationMs,
          requests,
          label: 'SCORM commit',
        });
      };

      // Each learner's first commit creates the SCO's row, once per learner and SCO; a player then
      // commits to that row for the rest of the lesson, which is what the segments measure. Without
      // this pass the share of first commits in the measurement would follow the machine's speed.
      const first = await run('commit', 120_000, learners);
      log(`first commit of each learner (creates the row): ${describeLoad(first)}`);

      log(`warm-up ${warmupMs / 1000} s per target, concurrency ${CONCURRENCY}`);
      await run('raw', warmupMs / 2);
      await run('rawSession', warmupMs / 2);
      await run('commit', warmupMs);
      const rounds = quick ? 2 : 4;
      const seg = measureMs / (3 * rounds);
      const parts: Record<Target, LoadResult[]> = { raw: [], rawSession: [], commit: [] };
      const zero: CpuParts = { client: 0, server: 0, database: 0 };
      const cpu: Record<Target, CpuParts> = { raw: zero, rawSession: zero, commit: zero };
      const snapshot = (k: Target) => cpuSnapshot(k === 'commit' ? server.pid : raw!.pid, dialect === 'postgres');
      for (let r = 0; r < rounds; r++)
        for (const k of ['raw', 'rawSession', 'commit', 'commit', 'rawSession', 'raw'] as const) {
          const before = snapshot(k);
          parts[k].push(await run(k, seg));
          cpu[k] = addCpu(cpu[k], cpuSince(before, snapshot(k)));
        }
      const m = { raw: mergeLoadResults(parts.raw), rawSession: mergeLoadResults(parts.rawSession), commit: mergeLoadResults(parts.commit) };
      for (const k of ['raw', 'rawSession', 'commit'] as const) log(`${describeLoad(m[k])}; ${describeCpuPerRequest(cpu[k], m[k].requests)}`);
      const stored = await sql<{ n: number }>`select count(*) as n from scorm_attempts where lesson_id = ${lesson}`.execute(db);
      log(`${Number(stored.rows[0]?.n ?? 0)} SCO rows for ${learners} learners`);
      log(
        `load average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
      );

      const results: BenchResult[] = [
        compared('SCORM commit throughput', m.commit.rps, 'req/s', { name: 'raw insert server', value: m.raw.rps }, { atLeast: 0.5 }),
        compared('SCORM commit vs an authenticated raw insert', m.commit.rps, 'req/s', { name: 'raw session lookup + insert server', value: m.rawSession.rps }, { atLeast: 0.7 }),
        compared('SCORM commit p95 latency', m.commit.latency.p95, 'ms', { name: 'raw insert p95', value: m.raw.latency.p95 }),
        figure('upload + extraction of a 50 MB package', big.seconds, 's'),
        compared(
          'server peak memory growth, 50 MB package upload',
          big.growthMb,
          'MB',
          { name: 'growth with a 25 MB package', value: Math.max(1, small.growthMb) },
          { atMost: 1.5 },
        ),
      ];
      return results;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      await raw?.close();
      await server.close();
    }
  },
});
