/**
 * Builds a large, realistic organisation quickly with set-based SQL (INSERT ... SELECT over a
 * generated number series), on SQLite or PostgreSQL:
 *
 *   npm run seed:scale -- --employees 100000 --courses 200 --enrollments 1000000 [--lessons 5]
 *
 * Uses DATABASE_URL like every other command (unset: ./data/smooth.db). Every run has its own
 * tag, so ids and emails never collide with earlier runs; ids are deterministic within a run
 * (see userId/courseId/lessonId) so benchmarks can address rows without reading them back.
 *
 * People: users with the LMS Student role (employee records arrive with the HR module; until
 * then "employees" are their user accounts). Courses: published, one chapter with `lessons`
 * lessons, every fifth mandatory. Enrollments: distinct member + course pairs spread over all
 * courses, each with 0..lessons completed lessons (lesson_completions rows) and the completed lesson count and
 * completed_at that recomputeProgress would derive from them.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { sql, type RawBuilder } from 'kysely';
import type { Db, Dialect } from '../src/server/db/database.ts';
import { sha256 } from '../src/server/platform/auth.service.ts';
import { refreshStatistics } from '../src/server/db/statistics.ts';

export interface ScaleOptions {
  employees: number;
  courses: number;
  enrollments: number;
  lessons?: number;
  /** Rows per INSERT ... SELECT statement (one transaction each). */
  chunk?: number;
  log?: (msg: string) => void;
}

export interface ScaleSeed {
  tag: string;
  employees: number;
  courses: number;
  lessons: number;
  enrollments: number;
  lessonCompletions: number;
}

const PAD = 10;

export function newTag(): string {
  // Lowercase letters only, so that tag + kind letter + digits is a valid id.
  return Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join('');
}
export const userId = (tag: string, n: number) => `${tag}u${String(n).padStart(PAD, '0')}`;
export const userEmail = (tag: string, n: number) => `employee${n}.${tag}@scale.example.com`;
export const courseId = (tag: string, j: number) => `${tag}c${String(j).padStart(PAD, '0')}`;
export const courseTitle = (tag: string, j: number) => `Scale course ${j} (${tag})`;
export const chapterId = (tag: string, j: number) => `${tag}h${String(j).padStart(PAD, '0')}`;
export const lessonId = (tag: string, j: number, i: number) => `${tag}l${String(j).padStart(PAD - 2, '0')}${String(i).padStart(2, '0')}`;

/** `prefix || zero-padded(expr)` in SQL, the same text as the JS helpers above. */
function padded(dialect: Dialect, prefix: string, expr: RawBuilder<unknown>, width = PAD): RawBuilder<string> {
  return dialect === 'sqlite'
    ? sql<string>`${sql.lit(prefix)} || printf(${sql.lit(`%0${width}d`)}, ${expr})`
    : sql<string>`${sql.lit(prefix)} || lpad((${expr})::text, ${width}, '0')`;
}

/** A number series from `from` to `to - 1` as a derived table `seq(n)`. */
function series(dialect: Dialect, from: number, to: number): RawBuilder<unknown> {
  const a = sql.lit(from);
  const b = sql.lit(to - 1);
  return dialect === 'sqlite'
    ? sql`(with recursive s(n) as (select ${a} union all select n + 1 from s where n < ${b}) select n from s) as seq`
    : sql`(select generate_series(${a}::bigint, ${b}::bigint) as n) as seq`;
}

async function inChunks(total: number, chunk: number, fn: (from: number, to: number) => Promise<void>): Promise<void> {
  for (let from = 0; from < total; from += chunk) await fn(from, Math.min(total, from + chunk));
}

/** `count` users (LMS Student) numbered 0..count-1. */
export async function seedUsers(
  db: Db,
  dialect: Dialect,
  tag: string,
  count: number,
  opts: { chunk?: number; log?: (m: string) => void } = {},
): Promise<void> {
  const now = new Date().toISOString();
  const chunk = opts.chunk ?? 200_000;
  await inChunks(count, chunk, async (from, to) => {
    const n = sql`seq.n`;
    await db.transaction().execute(async (trx) => {
      await sql`insert into users (id, email, full_name, password_hash, enabled, created_at, updated_at)
        select ${padded(dialect, `${tag}u`, n)}, ${sql.lit('employee')} || cast(seq.n as text) || ${sql.lit(`.${tag}@scale.example.com`)},
               ${sql.lit('Employee ')} || cast(seq.n as text), null, 1, ${now}, ${now}
          from ${series(dialect, from, to)}`.execute(trx);
      await sql`insert into user_roles (user_id, role)
        select ${padded(dialect, `${tag}u`, n)}, ${'LMS Student'} from ${series(dialect, from, to)}`.execute(trx);
    });
    opts.log?.(`users ${to}/${count}`);
  });
}

/** How progress is kept: derived from counts (the schema since migration 0014), or stored (before it). */
export type ProgressSchema = 'counts' | 'stored';

/** `count` published courses, each with one chapter and `lessons` text lessons. */
export async function seedCourses(db: Db, dialect: Dialect, tag: string, count: number, lessons: number, schema: ProgressSchema = 'counts'): Promise<void> {
  const now = new Date().toISOString();
  const j = sql`seq.n`;
  const lessonCount = schema === 'counts' ? { column: sql`lesson_count, `, value: sql`${sql.lit(lessons)}, ` } : { column: sql``, value: sql`` };
  await db.transaction().execute(async (trx) => {
    await sql`insert into courses (id, title, short_introduction, description, tags, published, published_at, mandatory, paid,
                                   enable_certification, certificate_issue_mode, disable_self_enrollment, sequential, ${lessonCount.column}created_at, updated_at)
      select ${padded(dialect, `${tag}c`, j)}, ${sql.lit('Scale course ')} || cast(seq.n as text) || ${sql.lit(` (${tag})`)}, ${'A course of the scale seed'}, ${''}, ${'[]'},
             1, ${now}, case when seq.n % 5 = 0 then 1 else 0 end, 0, 0, ${'auto'}, 0, 0, ${lessonCount.value}${now}, ${now}
        from ${series(dialect, 0, count)}`.execute(trx);
    await sql`insert into chapters (id, course_id, title, position, created_at)
      select ${padded(dialect, `${tag}h`, j)}, ${padded(dialect, `${tag}c`, j)}, ${'Chapter 1'}, 0, ${now}
        from ${series(dialect, 0, count)}`.execute(trx);
    const i = sql`seq.n % ${sql.lit(lessons)}`;
    const c = sql`seq.n / ${sql.lit(lessons)}`;
    const lessonIdSql =
      dialect === 'sqlite'
        ? sql<string>`${sql.lit(`${tag}l`)} || printf(${sql.lit(`%0${PAD - 2}d`)}, ${c}) || printf('%02d', ${i})`
        : sql<string>`${sql.lit(`${tag}l`)} || lpad((${c})::text, ${PAD - 2}, '0') || lpad((${i})::text, 2, '0')`;
    await sql`insert into lessons (id, course_id, chapter_id, title, kind, body, is_preview, position, created_at, updated_at)
      select ${lessonIdSql}, ${padded(dialect, `${tag}c`, c)}, ${padded(dialect, `${tag}h`, c)}, ${sql.lit('Lesson ')} || cast(${i} + 1 as text), ${'text'},
             ${'Some text.'}, 0, ${i}, ${now}, ${now}
        from ${series(dialect, 0, count * lessons)}`.execute(trx);
  });
}

/**
 * Enrollment number k (0 <= k < count) pairs member k % employees with course
 * ((k / employees) + member) % courses: distinct pairs while count <= employees × courses. Its
 * completed lessons: (k × 7919 + 13) % (lessons + 1) of them, in order.
 */
export async function seedEnrollments(
  db: Db,
  dialect: Dialect,
  tag: string,
  opts: {
    employees: number;
    courses: number;
    lessons: number;
    count: number;
    source?: string;
    chunk?: number;
    /** Write the lesson_completions rows behind each progress (default true; list/export benchmarks skip them). */
    completions?: boolean;
    /** 'stored' writes the progress column of the schema before migration 0014 instead of the count. */
    schema?: ProgressSchema;
    log?: (m: string) => void;
  },
): Promise<{ completions: number }> {
  const { employees: u, courses: cc, lessons: l, count } = opts;
  if (count > u * cc) throw new Error(`at most employees × courses = ${u * cc} distinct enrollments`);
  const now = new Date().toISOString();
  const chunk = opts.chunk ?? 200_000;
  const U = sql.lit(u);
  const C = sql.lit(cc);
  const L = sql.lit(l);
  const member = sql`(seq.n % ${U})`;
  const course = sql`(((seq.n / ${U}) + (seq.n % ${U})) % ${C})`;
  const done = sql`((seq.n * 7919 + 13) % (${L} + 1))`;
  let completions = 0;
  await inChunks(count, chunk, async (from, to) => {
    await db.transaction().execute(async (trx) => {
      const progress = opts.schema === 'stored' ? { column: sql`progress`, value: sql`(${done} * 100) / ${L}` } : { column: sql`completed_lessons`, value: done };
      await sql`insert into enrollments (id, member_id, course_id, ${progress.column}, source, completed_at, last_activity_at, created_at)
        select ${padded(dialect, `${tag}e`, sql`seq.n`, 12)}, ${padded(dialect, `${tag}u`, member)}, ${padded(dialect, `${tag}c`, course)},
               ${progress.value}, ${opts.source ?? 'admin'}, case when ${done} = ${L} then ${now} else null end, ${now}, ${now}
          from ${series(dialect, from, to)}`.execute(trx);
      if (opts.completions === false) return;
      const lessonIdSql =
        dialect === 'sqlite'
          ? sql<string>`${sql.lit(`${tag}l`)} || printf(${sql.lit(`%0${PAD - 2}d`)}, ${course}) || printf('%02d', i.n)`
          : sql<string>`${sql.lit(`${tag}l`)} || lpad((${course})::text, ${PAD - 2}, '0') || lpad(i.n::text, 2, '0')`;
      const lessonSeries =
        dialect === 'sqlite'
          ? sql`(with recursive s(n) as (select 0 union all select n + 1 from s where n < ${L} - 1) select n from s) as i`
          : sql`(select generate_series(0, ${L} - 1) as n) as i`;
      const r = await sql`insert into lesson_completions (id, member_id, lesson_id, course_id, completed_at)
        select ${padded(dialect, `${tag}e`, sql`seq.n`, 12)} || ${sql.lit('x')} || cast(i.n as text), ${padded(dialect, `${tag}u`, member)}, ${lessonIdSql},
               ${padded(dialect, `${tag}c`, course)}, ${now}
          from ${series(dialect, from, to)} cross join ${lessonSeries}
         where i.n < ${done}`.execute(trx);
      completions += Number(r.numAffectedRows ?? 0);
    });
    opts.log?.(`enrollments ${to}/${count}`);
  });
  return { completions };
}

/**
 * Users, courses (5 lessons each) and enrollments without lesson completions, then ANALYZE: the
 * data set of the list, export and desk benchmarks. Returns the tag the ids are built from.
 */
export async function seedEnrollmentsOnly(
  db: Db,
  dialect: Dialect,
  opts: { employees: number; courses: number; enrollments: number; log: (msg: string) => void },
): Promise<string> {
  const tag = newTag();
  const t0 = Date.now();
  await seedUsers(db, dialect, tag, opts.employees);
  await seedCourses(db, dialect, tag, opts.courses, 5);
  await seedEnrollments(db, dialect, tag, {
    employees: opts.employees,
    courses: opts.courses,
    lessons: 5,
    count: opts.enrollments,
    completions: false,
    log: opts.log,
  });
  await refreshStatistics(db, dialect, { full: true });
  opts.log(`seeded ${opts.enrollments} enrollments in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return tag;
}

export async function seedScale(db: Db, dialect: Dialect, opts: ScaleOptions): Promise<ScaleSeed> {
  const tag = newTag();
  const lessons = opts.lessons ?? 5;
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  await seedUsers(db, dialect, tag, opts.employees, { chunk: opts.chunk, log });
  log(`${opts.employees} employees in ${Date.now() - t0} ms`);
  const t1 = Date.now();
  await seedCourses(db, dialect, tag, opts.courses, lessons);
  log(`${opts.courses} courses × ${lessons} lessons in ${Date.now() - t1} ms`);
  const t2 = Date.now();
  const { completions } = await seedEnrollments(db, dialect, tag, {
    employees: opts.employees,
    courses: opts.courses,
    lessons,
    count: opts.enrollments,
    chunk: opts.chunk,
    log,
  });
  log(`${opts.enrollments} enrollments + ${completions} lesson completions in ${Date.now() - t2} ms`);
  await refreshStatistics(db, dialect, { full: true });
  return { tag, employees: opts.employees, courses: opts.courses, lessons, enrollments: opts.enrollments, lessonCompletions: completions };
}

export const COMPLIANCE_COURSES = 10;
export const COMPLIANCE_DEPARTMENTS = 20;
/** Employee n of the compliance data set (seedCompliance). */
export const employeeId = (tag: string, n: number) => `${tag}e${String(n).padStart(PAD, '0')}`;

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
  await seedCourses(db, dialect, tag, COMPLIANCE_COURSES, 2);
  await sql`update courses set mandatory = 1 where id like ${`${tag}c%`}`.execute(db);
  const n = sql`seq.n`;
  await db.transaction().execute(async (trx) => {
    await sql`insert into departments (id, name, created_at)
      select ${padded(dialect, `${tag}d`, n)}, ${sql.lit('Department ')} || cast(seq.n as text), ${now} from ${series(dialect, 0, COMPLIANCE_DEPARTMENTS)}`.execute(trx);
    // Employees 0..employees+batch-1, each linked to user n; every 50th has left.
    await sql`insert into employees (id, employee_code, full_name, user_id, department_id, designation_id, reports_to_id, date_of_joining,
                                     status, left_on, created_by, created_at, updated_at)
      select ${padded(dialect, `${tag}e`, n)}, ${sql.lit(`${tag}-`)} || cast(seq.n as text), ${sql.lit('Employee ')} || cast(seq.n as text),
             ${padded(dialect, `${tag}u`, n)}, ${padded(dialect, `${tag}d`, sql`seq.n % ${sql.lit(COMPLIANCE_DEPARTMENTS)}`)}, null, null, '2025-01-01',
             case when seq.n % 50 = 49 and seq.n < ${sql.lit(employees)} then 'left' else 'active' end, null, null, ${now}, ${now}
        from ${series(dialect, 0, employees + batch)}`.execute(trx);
  });
  log(`seeded ${employees + batch} users and employees in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Enrollment k: member k / 10, course k % 10; bucket m = (member × 7 + course × 3) % 10 decides the progress.
  t = performance.now();
  const chunk = 250_000;
  const total = employees * COMPLIANCE_COURSES;
  for (let from = 0; from < total; from += chunk) {
    const to = Math.min(total, from + chunk);
    const member = sql`seq.n / ${sql.lit(COMPLIANCE_COURSES)}`;
    const course = sql`seq.n % ${sql.lit(COMPLIANCE_COURSES)}`;
    const bucket = sql`((seq.n / ${sql.lit(COMPLIANCE_COURSES)}) * 7 + (seq.n % ${sql.lit(COMPLIANCE_COURSES)}) * 3) % 10`;
    await db.transaction().execute(async (trx) => {
      await sql`insert into enrollments (id, member_id, course_id, completed_lessons, current_lesson_id, source, batch_id, payment_id, completed_at,
                                         last_activity_at, created_by, created_at)
        select ${padded(dialect, `${tag}n`, n)}, ${padded(dialect, `${tag}u`, member)}, ${padded(dialect, `${tag}c`, course)},
               case when ${bucket} < 4 then 2 when ${bucket} < 7 then 1 else 0 end, null, 'onboarding', null, null,
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
  await refreshStatistics(db, dialect, { full: true });
  const counts = await sql<{ e: number; a: number }>`select (select count(*) from enrollments) as e, (select count(*) from training_assignments) as a`.execute(db);
  log(
    `seeded ${Number(counts.rows[0]!.e)} enrollments and ${Number(counts.rows[0]!.a)} assignments in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return tag;
}

async function main(): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { loadConfig } = await import('../src/server/config.ts');
  const { openAndMigrate } = await import('../src/server/main.ts');
  const { values } = parseArgs({
    options: {
      employees: { type: 'string', default: '1000' },
      courses: { type: 'string', default: '20' },
      enrollments: { type: 'string', default: '10000' },
      lessons: { type: 'string', default: '5' },
    },
  });
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      process.stderr.write(`seed:scale: --${name} must be an integer from ${min} to ${max} (got "${v}")\n`);
      process.exit(2);
    }
    return n;
  };
  const opts: ScaleOptions = {
    employees: num('employees', values.employees, 1, 10_000_000),
    courses: num('courses', values.courses, 1, 100_000),
    enrollments: num('enrollments', values.enrollments, 0, 50_000_000),
    lessons: num('lessons', values.lessons, 1, 99),
    log: (m) => process.stderr.write(`${m}\n`),
  };
  if (opts.enrollments > opts.employees * opts.courses) {
    process.stderr.write(`seed:scale: --enrollments can be at most employees × courses (${opts.employees * opts.courses})\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const database = await openAndMigrate(config);
  const started = Date.now();
  try {
    const seed = await seedScale(database.db, database.dialect, opts);
    process.stdout.write(
      `Seeded ${database.dialect} (tag ${seed.tag}): ${seed.employees} employees, ${seed.courses} courses × ${seed.lessons} lessons, ` +
        `${seed.enrollments} enrollments, ${seed.lessonCompletions} lesson completions in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`seed:scale failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

/**
 * Sessions for seeded users from..to-1 (benchmarks: thousands of logged-in people without
 * thousands of logins). The cookie value of user n is sessionToken(tag, n).
 */
export const sessionToken = (tag: string, n: number) => `scale-${tag}-${n}-session-token`;

export async function seedSessions(db: Db, tag: string, from: number, to: number): Promise<void> {
  const now = new Date();
  const expires = new Date(now.getTime() + 24 * 3_600_000).toISOString();
  const rows = [];
  for (let n = from; n < to; n++) {
    rows.push({
      id: sha256(sessionToken(tag, n)),
      user_id: userId(tag, n),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expires,
      ip: '127.0.0.1',
      user_agent: 'seed-scale',
    });
  }
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('sessions')
      .values(rows.slice(i, i + 1000))
      .execute();
}
