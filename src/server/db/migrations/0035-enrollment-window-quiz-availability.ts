import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Enrollment window and capacity per course; quiz availability and per-learner quiz overrides.
 *
 * - courses.enrollment_opens_at / enrollment_closes_at (ISO timestamps, UTC, `...Z`): when
 *   self-enrollment is open; opens before closes. courses.max_enrollments: at most this many
 *   enrollments by self-enrollment (positive). Staff, cohorts, onboarding and training
 *   assignments are not held by either.
 * - quizzes.opens_at / closes_at: when learners may start and submit attempts; opens before closes.
 * - quiz_overrides: one row per quiz + learner, set by staff: extra attempts (0–100) and a later
 *   close time for that learner.
 *
 * Timestamps are stored as ISO text of one length (`toISOString()`), so comparing them as text
 * orders them in time on both dialects. SQLite cannot add a table CHECK to an existing table: the
 * checks ride on the added columns there (SQLite allows a column CHECK to name other columns).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const courseWindow = sql`enrollment_opens_at is null or enrollment_closes_at is null or enrollment_opens_at < enrollment_closes_at`;
  const quizWindow = sql`opens_at is null or closes_at is null or opens_at < closes_at`;
  if (dialect === 'postgres') {
    await db.schema
      .alterTable('courses')
      .addColumn('enrollment_opens_at', 'text')
      .addColumn('enrollment_closes_at', 'text')
      .addColumn('max_enrollments', 'integer')
      .execute();
    await sql`alter table courses add constraint courses_enrollment_window check (${courseWindow})`.execute(db);
    await sql`alter table courses add constraint courses_max_enrollments check (max_enrollments is null or max_enrollments > 0)`.execute(db);
    await db.schema.alterTable('quizzes').addColumn('opens_at', 'text').addColumn('closes_at', 'text').execute();
    await sql`alter table quizzes add constraint quizzes_window check (${quizWindow})`.execute(db);
  } else {
    await db.schema.alterTable('courses').addColumn('enrollment_opens_at', 'text').execute();
    await db.schema
      .alterTable('courses')
      .addColumn('enrollment_closes_at', 'text', (c) => c.check(courseWindow))
      .execute();
    await db.schema
      .alterTable('courses')
      .addColumn('max_enrollments', 'integer', (c) => c.check(sql`max_enrollments is null or max_enrollments > 0`))
      .execute();
    await db.schema.alterTable('quizzes').addColumn('opens_at', 'text').execute();
    await db.schema
      .alterTable('quizzes')
      .addColumn('closes_at', 'text', (c) => c.check(quizWindow))
      .execute();
  }
  await db.schema
    .createTable('quiz_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('extra_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('closes_at', 'text')
    .addColumn('updated_by', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('quiz_overrides_extra_attempts', sql`extra_attempts >= 0 and extra_attempts <= 100`)
    .execute();
  await db.schema.createIndex('quiz_overrides_uq').on('quiz_overrides').columns(['quiz_id', 'member_id']).unique().execute();
  await db.schema.createIndex('quiz_overrides_member_idx').on('quiz_overrides').columns(['member_id']).execute();
}
