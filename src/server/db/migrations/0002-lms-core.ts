import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { ENROLLMENT_SOURCES } from '../../../contract/enrollments.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('courses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('short_introduction', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('image_file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('category', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published_at', 'text')
    .addColumn('mandatory', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('paid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('price', 'numeric(12, 2)')
    .addColumn('currency', 'text')
    .addColumn('enable_certification', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('certificate_issue_mode', 'text', (c) => c.notNull().defaultTo('auto'))
    .addColumn('certificate_template_id', 'text')
    .addColumn('certificate_validity_months', 'integer')
    .addColumn('disable_self_enrollment', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sequential', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('courses_issue_mode', sql`certificate_issue_mode in ('auto', 'claim')`)
    .addCheckConstraint('courses_price', sql`price is null or price >= 0`)
    .execute();
  await db.schema.createIndex('courses_published_idx').on('courses').columns(['published', 'mandatory']).execute();
  await db.schema.createIndex('courses_title_idx').on('courses').column('title').execute();

  await db.schema
    .createTable('course_instructors')
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('course_instructors_pk', ['course_id', 'user_id'])
    .execute();
  await db.schema.createIndex('course_instructors_user_idx').on('course_instructors').columns(['user_id', 'course_id']).execute();

  await db.schema
    .createTable('chapters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chapters_course_idx').on('chapters').columns(['course_id', 'position']).execute();

  await db.schema
    .createTable('lessons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('chapter_id', 'text', (c) => c.notNull().references('chapters.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('video_url', 'text')
    .addColumn('file_id', 'text', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('quiz_id', 'text')
    .addColumn('scorm_package_id', 'text')
    .addColumn('is_preview', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('lessons_kind', sql`kind in ('text', 'video', 'pdf', 'scorm', 'quiz')`)
    .execute();
  await db.schema.createIndex('lessons_chapter_idx').on('lessons').columns(['chapter_id', 'position']).execute();
  await db.schema.createIndex('lessons_course_idx').on('lessons').columns(['course_id']).execute();
  await db.schema.createIndex('lessons_quiz_idx').on('lessons').columns(['quiz_id']).execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('amount', 'numeric(12, 2)', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('gateway_reference', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('payments_status', sql`status in ('pending', 'completed', 'failed', 'refunded')`)
    .execute();
  await db.schema.createIndex('payments_member_course_idx').on('payments').columns(['member_id', 'course_id', 'status']).execute();

  await db.schema
    .createTable('enrollments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('current_lesson_id', 'text', (c) => c.references('lessons.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text')
    .addColumn('payment_id', 'text', (c) => c.references('payments.id'))
    .addColumn('completed_at', 'text')
    .addColumn('last_activity_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('enrollments_progress_range', sql`progress >= 0 and progress <= 100`)
    .addCheckConstraint('enrollments_source', sql`source in (${sql.join(ENROLLMENT_SOURCES.map((k) => sql.lit(k)))})`)
    .addCheckConstraint('enrollments_completed', sql`(progress = 100) = (completed_at is not null)`)
    .execute();
  // One enrollment per member + course, whatever the path.
  await db.schema.createIndex('enrollments_member_course_uq').on('enrollments').columns(['member_id', 'course_id']).unique().execute();
  await db.schema.createIndex('enrollments_course_progress_idx').on('enrollments').columns(['course_id', 'progress', 'id']).execute();
  await db.schema.createIndex('enrollments_course_id_idx').on('enrollments').columns(['course_id', 'id']).execute();
  await db.schema.createIndex('enrollments_member_activity_idx').on('enrollments').columns(['member_id', 'last_activity_at']).execute();
  await db.schema.createIndex('enrollments_progress_idx').on('enrollments').columns(['progress', 'id']).execute();
  await db.schema.createIndex('enrollments_source_idx').on('enrollments').columns(['source', 'id']).execute();

  await db.schema
    .createTable('lesson_completions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('lesson_id', 'text', (c) => c.notNull().references('lessons.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('lesson_completions_member_lesson_uq').on('lesson_completions').columns(['member_id', 'lesson_id']).unique().execute();
  await db.schema.createIndex('lesson_completions_member_course_idx').on('lesson_completions').columns(['member_id', 'course_id']).execute();
  await db.schema.createIndex('lesson_completions_lesson_idx').on('lesson_completions').columns(['lesson_id']).execute();
}
