import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { complianceTriggers, countExisting, type EnrollmentTerms } from './0009-compliance-speed.ts';
import { rebuildSqliteTable } from './sqlite-rebuild.ts';

/**
 * Progress is derived instead of stored: an enrollment keeps the number of its course's lessons the
 * member completed (enrollments.completed_lessons) and the course keeps its number of lessons
 * (courses.lesson_count). Progress = floor(completed_lessons / lesson_count × 100), 100 exactly
 * when completed_at is set (lms/progress.service.ts). Adding a lesson to a course with 100,000
 * enrollments then rewrites only the enrollments that were complete (they are not any more), not
 * every row; lists filter a course's progress range through (course_id, completed_lessons, id).
 *
 * The compliance counts (0009) count an enrollment as started when completed_lessons > 0, completed
 * when completed_at is set and in progress in between; their triggers are recreated on those terms
 * and the counts refilled.
 *
 * lesson_completions loses (member_id, course_id): (course_id, member_id) serves the same lookups.
 *
 * SQLite cannot drop a column that a CHECK constraint names, so enrollments is rebuilt
 * (rebuildSqliteTable).
 */
export const DERIVED_TERMS: EnrollmentTerms = {
  started: (t) => `${t}.completed_lessons > 0`,
  completed: (t) => `case when ${t}.completed_at is not null then 1 else 0 end`,
  inProgress: (t) => `case when ${t}.completed_lessons > 0 and ${t}.completed_at is null then 1 else 0 end`,
  stateColumns: 'completed_lessons, completed_at',
};

const COUNT_COMPLETIONS = sql`(select count(*) from lesson_completions lc where lc.member_id = enrollments.member_id and lc.course_id = enrollments.course_id)`;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    // Writers of these tables wait until the counts and triggers are in place.
    await sql`lock table courses, lessons, enrollments, lesson_completions, training_assignments, employees in share row exclusive mode`.execute(
      db,
    );
    await sql`alter table courses add column lesson_count integer not null default 0`.execute(db);
    await sql`alter table enrollments add column completed_lessons integer not null default 0`.execute(db);
    // The count triggers (0009) name progress; they are recreated below, with the counts refilled.
    await sql`drop function compliance_enrollments_changed() cascade`.execute(db);
    await sql`drop function compliance_assignments_changed() cascade`.execute(db);
    await sql`drop function compliance_employees_changed() cascade`.execute(db);
    // Every enrollment with a completion gets a new row version. Building the indexes once afterwards
    // beats adding every new version to each of them: on 1,000,000 enrollments the difference is
    // minutes of the tables being locked (bench/progress-migration.bench.ts). Plain indexes only:
    // the primary key and unique ones stay, and so do those an operator marked (clustered,
    // replica identity, another tablespace, a comment), which a rebuild from their definition
    // would not carry over. Those that depend on the progress column go with it.
    const indexes = (
      await sql<{ name: string; definition: string; on_progress: boolean }>`
        select i.relname as name, pg_get_indexdef(x.indexrelid) as definition,
               exists (select 1 from pg_depend d join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                        where d.classid = 'pg_class'::regclass and d.objid = x.indexrelid
                          and d.refclassid = 'pg_class'::regclass and d.refobjid = x.indrelid and a.attname = 'progress') as on_progress
          from pg_index x join pg_class i on i.oid = x.indexrelid
         where x.indrelid = 'enrollments'::regclass
           and not x.indisunique and not x.indisclustered and not x.indisreplident and i.reltablespace = 0
           and obj_description(x.indexrelid, 'pg_class') is null
           and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`.execute(db)
    ).rows;
    for (const r of indexes) await sql`drop index ${sql.id(r.name)}`.execute(db);
    await sql`update enrollments e set completed_lessons = c.n
                from (select member_id, course_id, count(*) as n from lesson_completions group by member_id, course_id) c
               where c.member_id = e.member_id and c.course_id = e.course_id`.execute(db);
    // Drops the progress check constraint with it.
    await sql`alter table enrollments drop column progress`.execute(db);
    await sql`alter table enrollments add constraint enrollments_completed_lessons check (completed_lessons >= 0)`.execute(db);
    for (const r of indexes.filter((i) => !i.on_progress)) await sql.raw(r.definition).execute(db);
    await fillCounts(db);
  } else {
    await rebuildSqliteEnrollments(db);
    await fillCounts(db);
  }
  await db.schema.createIndex('enrollments_course_done_idx').on('enrollments').columns(['course_id', 'completed_lessons', 'id']).execute();
  // (course_id, member_id) from 0013 answers the same lookups (both are equalities); one index
  // fewer to write per completion.
  await sql`drop index lesson_completions_member_course_idx`.execute(db);
  await sql`delete from compliance_progress_counts`.execute(db);
  await sql`delete from compliance_open_assignment_counts`.execute(db);
  await sql`delete from compliance_headcounts`.execute(db);
  await countExisting(db, DERIVED_TERMS);
  for (const statement of complianceTriggers(dialect, DERIVED_TERMS)) await sql.raw(statement).execute(db);
}

/** Lesson counts of every course. */
async function fillCounts(db: Kysely<unknown>): Promise<void> {
  await sql`update courses set lesson_count = (select count(*) from lessons l where l.course_id = courses.id)
             where exists (select 1 from lessons l where l.course_id = courses.id)`.execute(db);
}

const SQLITE_ENROLLMENTS = `create table "enrollments_0014" (
  "id" text primary key,
  "member_id" text not null references "users" ("id"),
  "course_id" text not null references "courses" ("id"),
  "completed_lessons" integer default 0 not null,
  "current_lesson_id" text references "lessons" ("id") on delete set null,
  "source" text not null,
  "batch_id" text,
  "payment_id" text references "payments" ("id"),
  "completed_at" text,
  "last_activity_at" text not null,
  "created_by" text,
  "created_at" text not null,
  constraint "enrollments_completed_lessons" check (completed_lessons >= 0),
  constraint "enrollments_source" check (source in ('self', 'admin', 'cohort', 'onboarding', 'assignment', 'import'))
)`;

const KEPT_COLUMNS = [
  'id',
  'member_id',
  'course_id',
  'current_lesson_id',
  'source',
  'batch_id',
  'payment_id',
  'completed_at',
  'last_activity_at',
  'created_by',
  'created_at',
];

async function rebuildSqliteEnrollments(db: Kysely<unknown>): Promise<void> {
  await rebuildSqliteTable(db, '0014', 'enrollments', async () => {
    await sql`alter table courses add column lesson_count integer not null default 0`.execute(db);
    // The count triggers name enrollments.progress (also those on employees): they are recreated later.
    const triggers = (
      await sql<{ name: string }>`select name from sqlite_master where type = 'trigger' and name like '%compliance%'`.execute(db)
    ).rows;
    for (const t of triggers) await sql`drop trigger ${sql.id(t.name)}`.execute(db);
    const columns = (await sql<{ name: string }>`select name from pragma_table_info('enrollments') order by cid`.execute(db)).rows.map(
      (c) => c.name,
    );
    const expected = [...KEPT_COLUMNS, 'progress'].sort();
    if (JSON.stringify([...columns].sort()) !== JSON.stringify(expected))
      throw new Error(`0014: unexpected enrollments columns: ${columns.join(', ')}`);
    // Indexes that do not name progress come back as they were.
    const indexes = (
      await sql<{ sql: string }>`
        select sql from sqlite_master
         where tbl_name = 'enrollments' and type = 'index' and sql is not null and sql not like '%progress%'
         order by name`.execute(db)
    ).rows;
    const list = sql.join(KEPT_COLUMNS.map((c) => sql.ref(c)));
    await sql.raw(SQLITE_ENROLLMENTS).execute(db);
    await sql`insert into enrollments_0014 (${list}, completed_lessons) select ${list}, ${COUNT_COMPLETIONS} from enrollments`.execute(db);
    await sql`drop table enrollments`.execute(db);
    await sql`alter table enrollments_0014 rename to enrollments`.execute(db);
    for (const i of indexes) await sql.raw(i.sql).execute(db);
  });
}
