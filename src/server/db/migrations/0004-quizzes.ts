import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

const QUESTION_KINDS = ['single', 'multiple', 'text', 'open'] as const;
const SUBMISSION_STATUSES = ['in_progress', 'pending_review', 'graded', 'expired'] as const;

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('quizzes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('passing_percentage', 'double precision', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('time_limit_minutes', 'integer')
    .addColumn('shuffle', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('show_answers', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('quizzes_passing', sql`passing_percentage >= 0 and passing_percentage <= 100`)
    .addCheckConstraint('quizzes_max_attempts', sql`max_attempts >= 0`)
    .addCheckConstraint('quizzes_time_limit', sql`time_limit_minutes is null or time_limit_minutes > 0`)
    .execute();
  await db.schema.createIndex('quizzes_course_idx').on('quizzes').columns(['course_id', 'id']).execute();

  await db.schema
    .createTable('quiz_questions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('options_json', 'text')
    .addColumn('answers_json', 'text')
    .addColumn('marks', 'integer', (c) => c.notNull())
    .addColumn('explanation', 'text')
    .addCheckConstraint('quiz_questions_kind', sql`kind in (${sql.join(QUESTION_KINDS.map((k) => sql.lit(k)))})`)
    .addCheckConstraint('quiz_questions_marks', sql`marks > 0`)
    .execute();
  await db.schema.createIndex('quiz_questions_quiz_idx').on('quiz_questions').columns(['quiz_id', 'position']).execute();

  await db.schema
    .createTable('quiz_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('set null'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('deadline_at', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('time_taken_seconds', 'integer')
    .addColumn('order_json', 'text', (c) => c.notNull())
    .addColumn('answers_json', 'text')
    .addColumn('score', 'double precision')
    .addColumn('max_score', 'double precision')
    .addColumn('percentage', 'double precision')
    .addColumn('passed', 'integer')
    .addColumn('graded_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('graded_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('quiz_submissions_status', sql`status in (${sql.join(SUBMISSION_STATUSES.map((k) => sql.lit(k)))})`)
    .addCheckConstraint('quiz_submissions_attempt', sql`attempt >= 1`)
    .addCheckConstraint('quiz_submissions_final', sql`(status = 'graded') = (passed is not null)`)
    .execute();
  // Max attempts under concurrency: an attempt number is taken once per member and quiz.
  await db.schema
    .createIndex('quiz_submissions_attempt_uq')
    .on('quiz_submissions')
    .columns(['quiz_id', 'member_id', 'attempt'])
    .unique()
    .execute();
  await db.schema.createIndex('quiz_submissions_quiz_idx').on('quiz_submissions').columns(['quiz_id', 'id']).execute();
  await db.schema.createIndex('quiz_submissions_course_idx').on('quiz_submissions').columns(['course_id', 'id']).execute();
  await db.schema.createIndex('quiz_submissions_member_idx').on('quiz_submissions').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('quiz_submissions_status_idx').on('quiz_submissions').columns(['status', 'id']).execute();
  await db.schema.createIndex('quiz_submissions_course_passed_idx').on('quiz_submissions').columns(['course_id', 'passed', 'percentage']).execute();
}
