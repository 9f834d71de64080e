/**
 * import: stalls — while each import runs, steady other traffic (bench/lib/traffic.ts): GET
 * /api/health with a session, a learner's course list (GET /api/courses) and self-enrolls (POST
 * /api/courses/:id/enroll, a write), each one request at a time; p50, p99 (goal for all of them
 * together: ≤ 250 ms) and the worst stall are reported with the load average. The imports of N rows
 * run all-or-nothing on PostgreSQL and valid-rows on SQLite (where all-or-nothing takes at most one
 * write batch, a larger file is refused: see oneBatchOnSqlite in platform/imports-kind.ts).
 *
 * import: POST /api/enrollments/import?wait=true with N rows (upload, parse, validation of every
 * row, set-based writes with conflict handling, one audit entry per created row), with no other
 * traffic, against a raw batched insert of the same rows into the same table (multi-row INSERT of
 * 2000, one transaction) on the same database in the same run. Goals: import ≤ 3 × raw; 100,000
 * rows ≤ 10 s on SQLite. (The import next to the traffic shares the server with it, by design:
 * its time is printed, not compared.)
 */
import { randomBytes } from 'node:crypto';
import { nowIso } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import type { NewEnrollmentsRow } from '../src/server/db/schema.ts';
import type { ImportState } from '../src/contract/imports.ts';
import { courseId, newTag, seedCourses, seedUsers, userEmail, userId } from '../scripts/seed-scale.ts';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';
import { request } from './lib/load.ts';
import { loadAverage, runTraffic, sender, trafficResults, type TrafficKind } from './lib/traffic.ts';
import { startBenchServer } from './lib/server.ts';

function multipartCsv(csv: string, mode: string): { body: string; boundary: string } {
  const boundary = `----bench-${randomBytes(8).toString('hex')}`;
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\n${mode}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n` +
    `--${boundary}--\r\n`;
  return { body, boundary };
}

/** Courses the traffic's learners self-enroll into, one enrollment per request. */
const SELF_ENROLL_COURSES = 300;
/** Course 0 takes the import alone, course 1 the raw insert, course 2 the import next to the traffic. */
const FIRST_TRAFFIC_COURSE = 3;
const LEARNERS = 8;

/**
 * The steady other traffic: health with a session, a learner's course list, and self-enrolls
 * (each learner walks the courses from FIRST_TRAFFIC_COURSE in order, so every enroll creates a row).
 */
async function otherTraffic(
  url: string,
  cookie: string,
  tag: string,
  newLearner: () => Promise<{ email: string; password: string }>,
  login: (u: { email: string; password: string }) => Promise<string>,
): Promise<TrafficKind[]> {
  const learners: string[] = [];
  for (let i = 0; i < LEARNERS; i++) learners.push(await login(await newLearner()));
  let next = 0;
  return [
    { name: 'GET /api/health (session)', send: sender(`${url}/api/health`, cookie) },
    { name: 'GET /api/courses (learner)', send: sender(`${url}/api/courses?limit=20`, learners[0]!) },
    {
      name: 'POST /api/courses/:id/enroll',
      // Past the last pair (a very long import) the enrolls repeat: 409 ALREADY_ENROLLED, still an answer.
      expect: [409],
      send: () => {
        const k = next++;
        const learner = learners[k % LEARNERS]!;
        const course = courseId(tag, FIRST_TRAFFIC_COURSE + (Math.floor(k / LEARNERS) % SELF_ENROLL_COURSES));
        return request(`${url}/api/courses/${course}/enroll`, { method: 'POST', headers: { cookie: learner }, timeoutMs: 120_000 });
      },
    },
  ];
}

export default defineBenchmark({
  name: 'import',
  description:
    'POST /api/enrollments/import?wait=true of 100,000 rows (10,000 with --quick) vs a raw batched insert of the same rows ' +
    '(multi-row INSERT of 2000 in one transaction) on the same database; goals: ≤ 3× raw, and ≤ 10 s for 100,000 rows on SQLite. ' +
    'Next to it and to an employee import of as many rows: steady health, course-list and self-enroll requests, p99 ≤ 250 ms.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (msg: string) => opts.log(msg);
    const n = quick ? 10_000 : 100_000;
    const server = await startBenchServer(dialect, { log });
    try {
      const db = server.ctx.db;
      const tag = newTag();
      await seedUsers(db, dialect, tag, n);
      // Course 0 receives the import alone, course 1 the raw insert, course 2 the import next to the
      // traffic: same rows, same indexes, no conflicts. The others take the traffic's self-enrolls.
      await seedCourses(db, dialect, tag, FIRST_TRAFFIC_COURSE + SELF_ENROLL_COURSES, 1);
      log(`seeded ${n} members and ${FIRST_TRAFFIC_COURSE + SELF_ENROLL_COURSES} courses`);
      const admin = await server.createUser(['System Manager']);
      const cookie = await server.login(admin);
      const traffic = await otherTraffic(server.url, cookie, tag, () => server.createUser(['LMS Student']), (u) => server.login(u));
      // Where SQLite would hold every request for the whole write, the import goes in batches.
      const mode = dialect === 'sqlite' ? 'valid-rows' : 'all-or-nothing';

      /** Imports N enrollments into a course; returns the time and the traffic's answers when it ran next to it. */
      const importInto = async (course: number, withTraffic: boolean) => {
        let csv = 'memberEmail,courseId\n';
        for (let i = 0; i < n; i++) csv += `${userEmail(tag, i)},${courseId(tag, course)}\n`;
        const { body, boundary } = multipartCsv(csv, mode);
        log(
          `importing ${n} enrollments (${mode}, ${(body.length / 1024 / 1024).toFixed(1)} MB upload)` +
            `${withTraffic ? ' next to steady other traffic' : ' alone'}; load ${loadAverage()}`,
        );
        const t0 = performance.now();
        const importing = request(`${server.url}/api/enrollments/import?wait=true`, {
          method: 'POST',
          headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
          body,
          timeoutMs: 600_000,
        });
        const answers = withTraffic ? await runTraffic(traffic, importing) : null;
        const res = await importing;
        const ms = performance.now() - t0;
        if (res.status !== 200) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 500)}`);
        const state = JSON.parse(res.body) as ImportState;
        if (state.status !== 'done' || state.created !== n) throw new Error(`import did not create ${n} rows: ${res.body.slice(0, 500)}`);
        log(`import${withTraffic ? ' next to the traffic' : ''}: ${n} rows in ${ms.toFixed(0)} ms`);
        return { ms, answers };
      };
      const importMs = (await importInto(0, false)).ms;
      const next = await importInto(2, true);
      const enrollmentTraffic = next.answers!;

      const now = nowIso();
      const t1 = performance.now();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i += 2000) {
          const rows: NewEnrollmentsRow[] = [];
          for (let k = i; k < Math.min(n, i + 2000); k++) {
            rows.push({
              id: newId(),
              member_id: userId(tag, k),
              course_id: courseId(tag, 1),
              completed_lessons: 0,
              current_lesson_id: null,
              source: 'import',
              batch_id: null,
              payment_id: null,
              completed_at: null,
              last_activity_at: now,
              created_by: admin.id,
              created_at: now,
            });
          }
          await trx
            .insertInto('enrollments')
            .values(rows)
            .onConflict((oc) => oc.columns(['member_id', 'course_id']).doNothing())
            .execute();
        }
      });
      const rawMs = performance.now() - t1;
      log(`raw batched insert: ${n} rows in ${rawMs.toFixed(0)} ms`);

      // Employees: the import the stall was reported for.
      let employees = 'employeeCode,fullName\n';
      for (let i = 0; i < n; i++) employees += `${tag}E${i},Bench Employee ${i}\n`;
      const employeeMode = mode;
      const up = multipartCsv(employees, employeeMode);
      log(`importing ${n} employees (${employeeMode}) next to steady other traffic; load ${loadAverage()}`);
      const t2 = performance.now();
      const employeeImport = request(`${server.url}/api/employees/import?wait=true`, {
        method: 'POST',
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${up.boundary}` },
        body: up.body,
        timeoutMs: 600_000,
      });
      const employeeTraffic = await runTraffic(traffic, employeeImport);
      const er = await employeeImport;
      const employeeMs = performance.now() - t2;
      const es = JSON.parse(er.body) as ImportState;
      if (er.status !== 200 || es.status !== 'done' || es.created !== n) throw new Error(`employee import did not create ${n} rows: ${er.body.slice(0, 500)}`);
      log(`employee import: ${n} rows in ${employeeMs.toFixed(0)} ms`);

      const results: BenchResult[] = [
        ...trafficResults(`the enrollment import (${mode}, ${n.toLocaleString('en-US')} rows)`, enrollmentTraffic),
        ...trafficResults(`the employee import (${employeeMode}, ${n.toLocaleString('en-US')} rows)`, employeeTraffic),
        figure('employee import', employeeMs, 'ms'),
        figure(`enrollment import next to the traffic`, next.ms, 'ms'),
        compared(
          `import of ${n.toLocaleString('en-US')} rows (${mode})`,
          importMs,
          'ms',
          { name: 'raw batched insert', value: rawMs },
          { atMost: 3 },
        ),
        figure('import throughput', (n * 1000) / importMs, 'rows/s'),
      ];
      if (dialect === 'sqlite' && !quick) {
        results.push({
          metric: `import of 100,000 rows (${mode}, absolute)`,
          value: importMs / 1000,
          unit: 's',
          goal: '≤ 10 s',
          ok: importMs <= 10_000,
        });
      }
      return results;
    } finally {
      await server.close();
    }
  },
});
