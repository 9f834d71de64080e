import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { rebuildSqliteTable } from './sqlite-rebuild.ts';

/** Lesson kinds after this migration (the lessons_kind check). */
const LESSON_KINDS = ['text', 'video', 'pdf', 'scorm', 'quiz', 'assignment'];
/** Certificate sources after this migration (the certificates_source check). */
const CERTIFICATE_SOURCES = ['auto', 'claim', 'manual', 'evaluation'];

const list = (xs: readonly string[]) => sql.join(xs.map((x) => sql.lit(x)));

/**
 * Assignments (LMS Assignment) with every submitted version and its grade, batch assessments
 * (a quiz or an assignment a batch is assessed on, with a due date), and certificate evaluations:
 * an evaluator's weekly availability in their time zone, their unavailable dates, and the
 * requests learners book into it. Lessons gain the kind `assignment`; certificates the source
 * `evaluation` and the batch they were earned in; courses the flag `evaluation_required`.
 *
 * Invariants held by the database:
 * - one version number per member + assignment; at most one submission waiting for a grade and at
 *   most one passed per member + assignment (partial unique indexes);
 * - a graded submission has its grader and time, a waiting one has neither;
 * - an evaluator slot (evaluator, start) is held by at most one scheduled request;
 * - a member has at most one open (requested or scheduled) request per course.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await replaceCheck(db, dialect, 'lessons', 'lessons_kind', sql`kind in (${list(LESSON_KINDS)})`);
  await replaceCheck(db, dialect, 'certificates', 'certificates_source', sql`source in (${list(CERTIFICATE_SOURCES)})`);
  await db.schema.alterTable('certificates').addColumn('batch_id', 'text', (c) => c.references('batches.id').onDelete('set null')).execute();
  await db.schema.alterTable('courses').addColumn('evaluation_required', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('instructions', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('submission_kind', 'text', (c) => c.notNull())
    .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('cascade'))
    .addColumn('lesson_id', 'text', (c) => c.references('lessons.id').onDelete('set null'))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('assignments_kind', sql`submission_kind in ('text', 'file', 'url')`)
    .addCheckConstraint('assignments_lesson_course', sql`lesson_id is null or course_id is not null`)
    .execute();
  // One assignment per lesson.
  await db.schema.createIndex('assignments_lesson_uq').on('assignments').column('lesson_id').unique().where(sql.ref('lesson_id'), 'is not', null).execute();
  await db.schema.createIndex('assignments_course_idx').on('assignments').columns(['course_id', 'id']).execute();

  await db.schema
    .createTable('assignment_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('assignment_id', 'text', (c) => c.notNull().references('assignments.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('url', 'text')
    .addColumn('file_id', 'text', (c) => c.references('files.id'))
    .addColumn('batch_id', 'text', (c) => c.references('batches.id').onDelete('set null'))
    .addColumn('due_date', 'text')
    .addColumn('late', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('score', 'real')
    .addColumn('comment', 'text')
    .addColumn('graded_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('graded_at', 'text')
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addCheckConstraint('assignment_submissions_status', sql`status in ('submitted', 'passed', 'failed')`)
    .addCheckConstraint('assignment_submissions_graded', sql`(status = 'submitted') = (graded_at is null)`)
    .addCheckConstraint('assignment_submissions_version', sql`version >= 1`)
    .addCheckConstraint('assignment_submissions_content', sql`text is not null or url is not null or file_id is not null`)
    .addCheckConstraint('assignment_submissions_score', sql`score is null or (score >= 0 and score <= 100000)`)
    .execute();
  await db.schema
    .createIndex('assignment_submissions_version_uq')
    .on('assignment_submissions')
    .columns(['assignment_id', 'member_id', 'version'])
    .unique()
    .execute();
  await db.schema
    .createIndex('assignment_submissions_pending_uq')
    .on('assignment_submissions')
    .columns(['assignment_id', 'member_id'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('submitted'))
    .execute();
  await db.schema
    .createIndex('assignment_submissions_passed_uq')
    .on('assignment_submissions')
    .columns(['assignment_id', 'member_id'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('passed'))
    .execute();
  await db.schema.createIndex('assignment_submissions_status_idx').on('assignment_submissions').columns(['status', 'id']).execute();
  await db.schema.createIndex('assignment_submissions_member_idx').on('assignment_submissions').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('assignment_submissions_batch_idx').on('assignment_submissions').columns(['batch_id', 'id']).execute();

  await db.schema
    .createTable('batch_assessments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('quiz_id', 'text', (c) => c.references('quizzes.id').onDelete('cascade'))
    .addColumn('assignment_id', 'text', (c) => c.references('assignments.id').onDelete('cascade'))
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'batch_assessments_kind',
      sql`(kind = 'quiz' and quiz_id is not null and assignment_id is null) or (kind = 'assignment' and assignment_id is not null and quiz_id is null)`,
    )
    .execute();
  await db.schema.createIndex('batch_assessments_quiz_uq').on('batch_assessments').columns(['batch_id', 'quiz_id']).unique().execute();
  await db.schema.createIndex('batch_assessments_assignment_uq').on('batch_assessments').columns(['batch_id', 'assignment_id']).unique().execute();
  await db.schema.createIndex('batch_assessments_assignment_idx').on('batch_assessments').columns(['assignment_id', 'batch_id']).execute();

  await db.schema
    .createTable('evaluator_settings')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('slot_minutes', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('meeting_url', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('evaluator_settings_slot', sql`slot_minutes between 10 and 240`)
    .execute();
  await db.schema
    .createTable('evaluator_availability')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('weekday', 'integer', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text', (c) => c.notNull())
    .addCheckConstraint('evaluator_availability_weekday', sql`weekday between 1 and 7`)
    .addCheckConstraint('evaluator_availability_times', sql`start_time < end_time`)
    .execute();
  await db.schema.createIndex('evaluator_availability_user_idx').on('evaluator_availability').columns(['user_id', 'weekday']).execute();
  await db.schema
    .createTable('evaluator_unavailable_dates')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('evaluator_unavailable_dates_pk', ['user_id', 'date'])
    .execute();

  await db.schema
    .createTable('certificate_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('batch_id', 'text', (c) => c.references('batches.id').onDelete('set null'))
    .addColumn('evaluator_id', 'text', (c) => c.references('users.id'))
    .addColumn('date', 'text')
    .addColumn('start_time', 'text')
    .addColumn('starts_at', 'text')
    .addColumn('ends_at', 'text')
    .addColumn('timezone', 'text')
    .addColumn('meeting_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('reason', 'text')
    .addColumn('certificate_id', 'text', (c) => c.references('certificates.id').onDelete('set null'))
    .addColumn('requested_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('result_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('result_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('certificate_requests_status', sql`status in ('requested', 'scheduled', 'passed', 'failed', 'cancelled')`)
    .addCheckConstraint(
      'certificate_requests_slot',
      sql`status in ('requested', 'cancelled') or (evaluator_id is not null and starts_at is not null and ends_at is not null)`,
    )
    .execute();
  // Two learners never hold the same evaluator slot.
  await db.schema
    .createIndex('certificate_requests_slot_uq')
    .on('certificate_requests')
    .columns(['evaluator_id', 'starts_at'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('scheduled'))
    .execute();
  // One open request per member and course.
  await db.schema
    .createIndex('certificate_requests_open_uq')
    .on('certificate_requests')
    .columns(['member_id', 'course_id'])
    .unique()
    .where(sql<boolean>`status in ('requested', 'scheduled')`)
    .execute();
  await db.schema.createIndex('certificate_requests_evaluator_idx').on('certificate_requests').columns(['evaluator_id', 'starts_at']).execute();
  await db.schema.createIndex('certificate_requests_member_idx').on('certificate_requests').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('certificate_requests_batch_idx').on('certificate_requests').columns(['batch_id', 'id']).execute();
}

/**
 * Replaces a named CHECK constraint. PostgreSQL drops and adds it; SQLite cannot change a
 * constraint, so the table is rebuilt from its own definition with the new check (see
 * rebuildSqliteTable), its indexes and triggers recreated.
 */
async function replaceCheck(db: Kysely<unknown>, dialect: Dialect, table: string, name: string, check: ReturnType<typeof sql>): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(name)}`.execute(db);
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(name)} check (${check})`.execute(db);
    return;
  }
  await rebuildSqliteTable(db, '0027', table, async () => {
    const row = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db)).rows[0];
    if (!row) throw new Error(`0027: the ${table} table is missing`);
    const head = new RegExp(`^create table "${table}"`, 'i');
    const marker = `constraint "${name}" check (`;
    const at = row.sql.toLowerCase().indexOf(marker.toLowerCase());
    if (!head.test(row.sql) || at < 0) throw new Error(`0027: unexpected ${table} definition: ${row.sql}`);
    // The end of the check: the parenthesis that closes the one after "check".
    let depth = 0;
    let end = -1;
    for (let i = at + marker.length - 1; i < row.sql.length; i++) {
      const ch = row.sql[i];
      if (ch === "'") i = row.sql.indexOf("'", i + 1);
      else if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new Error(`0027: unbalanced check ${name} in ${table}`);
    const compiled = check.compile(db);
    if (compiled.parameters.length) throw new Error('0027: a check constraint takes literals only');
    const copy = `${table}_0027`;
    const createNew = `${row.sql.slice(0, at)}constraint "${name}" check (${compiled.sql})${row.sql.slice(end + 1)}`.replace(head, `create table "${copy}"`);
    const others = (
      await sql<{ sql: string }>`
        select sql from sqlite_master where tbl_name = ${table} and type in ('index', 'trigger') and sql is not null order by type, name`.execute(db)
    ).rows;
    const columns = (await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(db)).rows.map((c) => c.name);
    const cols = sql.join(columns.map((c) => sql.ref(c)));
    await sql.raw(createNew).execute(db);
    await sql`insert into ${sql.table(copy)} (${cols}) select ${cols} from ${sql.table(table)}`.execute(db);
    await sql`drop table ${sql.table(table)}`.execute(db);
    await sql`alter table ${sql.table(copy)} rename to ${sql.table(table)}`.execute(db);
    for (const o of others) await sql.raw(o.sql).execute(db);
  });
}
