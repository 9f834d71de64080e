/**
 * mandatory-compliance: GET /api/statistics/mandatory-compliance over 100,000 active employees
 * (each with a user) × 10 published mandatory courses = 1,000,000 enrollments of mixed progress
 * (40% complete, 30% in progress, 30% not started) and 600,000 training assignments (a third of
 * them overdue); 10,000 employees with --quick. Goal: p95 ≤ 250 ms, without and with a department
 * filter. Then POST /api/employee-onboardings/batch of 1,000 new employees (each enrolled in the
 * 10 courses with one assignment per course) in one request.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db, Dialect } from '../src/server/db/database.ts';
import { newTag, seedCourses, seedUsers } from '../scripts/seed-scale.ts';
import { summarize } from './lib/stats.ts';
import { request } from './lib/load.ts';
import { compared, figure, defineBenchmark, type BenchResult } from './lib/types.ts';
import { startBenchServer } from './lib/server.ts';

const PAD = 10;
const COURSES = 10;
const DEPARTMENTS = 20;
const GOAL_MS = 250;

function padded(dialect: Dialect, prefix: string, expr: RawBuilder<unknown>): RawBuilder<string> {
  return dialect === 'sqlite'
    ? sql<string>`${sql.lit(prefix)} || printf(${sql.lit(`%0${PAD}d`)}, ${expr})`
    : sql<string>`${sql.lit(prefix)} || lpad((${expr})::text, ${PAD}, '0')`;
}

function series(dialect: Dialect, from: number, to: number): RawBuilder<unknown> {
  const a = sql.lit(from);
  const b = sql.lit(to - 1);
  return dialect === 'sqlite'
    ? sql`(with recursive s(n) as (select ${a} union all select n + 1 from s where n < ${b}) select n from s) as seq`
    : sql`(select generate_series(${a}::bigint, ${b}::bigint) as n) as seq`;
}

/**
 * `employees + batch` users, each with an employee record (every 50th of the first `employees`
 * has left) in 20 departments; 10 published mandatory courses; `employees × 10` enrollments and
 * their open assignments. Returns the tag the ids are built from.
 */
export async function seedCompliance(db: Db, dialect: Dialect, employees: number, batch: number, log: (m: string) => void): Promise<string> {
  const tag = newTag();
  const now = new Date().toISOString();
  let t = performance.now();
  await seedUsers(db, dialect, tag, employees + batch, { log });
  await seedCourses(db, dialect, tag, COURSES, 1);
  await sql`update courses set mandatory = 1 where id like ${`${tag}c%`}`.execute(db);
  const n = sql`seq.n`;
  await db.transaction().execute(async (trx) => {
    await sql`insert into departments (id, name, created_at)
      select ${padded(dialect, `${tag}d`, n)}, ${sql.lit('Department ')} || cast(seq.n as text), ${now} from ${series(dialect, 0, DEPARTMENTS)}`.execute(trx);
    // Employees 0..employees+batch-1, each linked to user n; every 50th has left.
    await sql`insert into employees (id, employee_code, full_name, user_id, department_id, designation_id, reports_to_id, date_of_joining,
                                     status, left_on, created_by, created_at, updated_at)
      select ${padded(dialect, `${tag}e`, n)}, ${sql.lit(`${tag}-`)} || cast(seq.n as text), ${sql.lit('Employee ')} || cast(seq.n as text),
             ${padded(dialect, `${tag}u`, n)}, ${padded(dialect, `${tag}d`, sql`seq.n % ${sql.lit(DEPARTMENTS)}`)}, null, null, '2025-01-01',
             case when seq.n % 50 = 49 and seq.n < ${sql.lit(employees)} then 'left' else 'active' end, null, null, ${now}, ${now}
        from ${series(dialect, 0, employees + batch)}`.execute(trx);
  });
  log(`seeded ${employees + batch} users and employees in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Enrollment k: member k / 10, course k % 10; bucket m = (member × 7 + course × 3) % 10 decides the progress.
  t = performance.now();
  const chunk = 250_000;
  const total = employees * COURSES;
  for (let from = 0; from < total; from += chunk) {
    const to = Math.min(total, from + chunk);
    const member = sql`seq.n / ${sql.lit(COURSES)}`;
    const course = sql`seq.n % ${sql.lit(COURSES)}`;
    const bucket = sql`((seq.n / ${sql.lit(COURSES)}) * 7 + (seq.n % ${sql.lit(COURSES)}) * 3) % 10`;
    await db.transaction().execute(async (trx) => {
      await sql`insert into enrollments (id, member_id, course_id, progress, current_lesson_id, source, batch_id, payment_id, completed_at,
                                         last_activity_at, created_by, created_at)
        select ${padded(dialect, `${tag}n`, n)}, ${padded(dialect, `${tag}u`, member)}, ${padded(dialect, `${tag}c`, course)},
               case when ${bucket} < 4 then 100 when ${bucket} < 7 then 50 else 0 end, null, 'onboarding', null, null,
               case when ${bucket} < 4 then ${now} else null end, ${now}, null, ${now}
          from ${series(dialect, from, to)}`.execute(trx);
      // Open assignments for the enrollments not complete; a third of them overdue.
      await sql`insert into training_assignments (id, member_id, course_id, enrollment_id, due_date, status, source, onboarding_id,
                                                  completed_at, created_by, created_at, updated_at)
        select ${padded(dialect, `${tag}a`, n)}, ${padded(dialect, `${tag}u`, member)}, ${padded(dialect, `${tag}c`, course)},
               ${padded(dialect, `${tag}n`, n)}, case when seq.n % 3 = 0 then '2020-01-01' else '2099-01-01' end, 'open', 'onboarding',
               null, null, null, ${now}, ${now}
          from ${series(dialect, from, to)}
         where ${bucket} >= 4`.execute(trx);
    });
    log(`enrollments ${to}/${total}`);
  }
  // As autovacuum would have by now on PostgreSQL (visibility map for index-only scans).
  await sql.raw(dialect === 'postgres' ? 'vacuum analyze' : 'analyze').execute(db);
  const counts = await sql<{ e: number; a: number }>`select (select count(*) from enrollments) as e, (select count(*) from training_assignments) as a`.execute(db);
  log(
    `seeded ${Number(counts.rows[0]!.e)} enrollments and ${Number(counts.rows[0]!.a)} assignments in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return tag;
}

export default defineBenchmark({
  name: 'mandatory-compliance',
  description:
    'p95 of GET /api/statistics/mandatory-compliance (all departments and one department) over 100,000 employees × 10 mandatory ' +
    'courses = 1,000,000 enrollments (10,000 employees with --quick), goal ≤ 250 ms; and one onboarding batch of 1,000 employees.',
  async run(opts) {
    const { dialect, quick } = opts;
    const log = (m: string) => opts.log(m);
    const employees = quick ? 10_000 : 100_000;
    const batch = 1_000;
    const server = await startBenchServer(dialect, { log });
    const results: BenchResult[] = [];
    try {
      const db = server.ctx.db;
      const tag = await seedCompliance(db, dialect, employees, batch, log);

      const hr = await server.createUser(['HR Manager']);
      const cookie = await server.login(hr);
      const get = async (url: string) => {
        const res = await request(`${server.url}${url}`, { headers: { cookie } });
        if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status} ${res.body}`);
        return JSON.parse(res.body) as { courseId: string; expected: number; completed: number; inProgress: number; notStarted: number; overdue: number }[];
      };
      // Sanity: we measure what we think we measure.
      const rows = await get('/api/statistics/mandatory-compliance');
      const active = employees + batch - Math.floor(employees / 50);
      if (rows.length !== COURSES || rows.some((r) => r.expected !== active || r.completed + r.inProgress + r.notStarted !== active || r.overdue === 0)) {
        throw new Error(`unexpected statistics: ${JSON.stringify(rows.slice(0, 2))}`);
      }
      log(`first course: ${JSON.stringify(rows[0])}`);

      const measure = async (label: string, url: string) => {
        for (let i = 0; i < 3; i++) await get(url);
        const samples: number[] = [];
        const deadline = performance.now() + (quick ? 5_000 : 20_000);
        while (samples.length < 10 || (samples.length < 200 && performance.now() < deadline)) {
          const s = performance.now();
          await get(url);
          samples.push(performance.now() - s);
        }
        const sum = summarize(samples);
        log(`${label}: ${sum.count} requests, p50 ${sum.p50.toFixed(1)} ms, p95 ${sum.p95.toFixed(1)} ms, max ${sum.max.toFixed(1)} ms`);
        results.push(compared(`${label} p95 (${employees.toLocaleString('en')} employees × ${COURSES} courses)`, Math.round(sum.p95 * 10) / 10, 'ms', { name: 'goal', value: GOAL_MS }, { atMost: 1 }));
      };
      await measure('GET /api/statistics/mandatory-compliance', '/api/statistics/mandatory-compliance');
      await measure('… ?department=Department 7', `/api/statistics/mandatory-compliance?department=${encodeURIComponent('Department 7')}`);

      // Onboarding: 1,000 employees without any enrollment yet, one request.
      const ids = await db.selectFrom('employees').select('id').where('id', '>=', `${tag}e${String(employees).padStart(PAD, '0')}`).where('id', 'like', `${tag}e%`).orderBy('id').execute();
      if (ids.length !== batch) throw new Error(`expected ${batch} fresh employees, found ${ids.length}`);
      const activeIds = ids.map((r) => r.id);
      const s = performance.now();
      const res = await request(`${server.url}/api/employee-onboardings/batch`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ items: activeIds.map((employeeId) => ({ employeeId })) }),
      });
      const ms = performance.now() - s;
      if (res.status !== 201) throw new Error(`onboarding batch answered ${res.status} ${res.body.slice(0, 500)}`);
      const created = JSON.parse(res.body) as { items: { enrolled: unknown[]; assignments: unknown[]; skipped: unknown[] }[] };
      const enrolled = created.items.reduce((a, o) => a + o.enrolled.length, 0);
      const assigned = created.items.reduce((a, o) => a + o.assignments.length, 0);
      log(`onboarding batch: ${created.items.length} onboardings, ${enrolled} enrollments, ${assigned} assignments in ${ms.toFixed(0)} ms`);
      results.push(figure(`POST /api/employee-onboardings/batch, ${batch} employees × ${COURSES} courses`, Math.round(ms), 'ms'));
      results.push(figure('onboarding batch throughput', Math.round((batch / ms) * 1000), 'employees/s'));
      return results;
    } finally {
      await server.close();
    }
  },
});
