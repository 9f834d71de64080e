import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Cohorts (LMS Batch): batches, their courses in order, their instructors and evaluators, members
 * (the seat limit is a CHECK on the kept member count), live classes with attendance, and the
 * secret personal calendar feeds.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('start_date', 'text', (c) => c.notNull())
    .addColumn('end_date', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('seat_count', 'integer')
    .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('allow_self_enrollment', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('paid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('price', 'integer')
    .addColumn('currency', 'text')
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('batches_dates', sql`end_date >= start_date`)
    // The seat limit as a database fact: no write can make the members outnumber the seats.
    .addCheckConstraint('batches_seats', sql`member_count >= 0 and (seat_count is null or (seat_count >= 0 and member_count <= seat_count))`)
    .addCheckConstraint('batches_price', sql`price is null or price >= 0`)
    .execute();
  await db.schema.createIndex('batches_start_idx').on('batches').columns(['start_date', 'id']).execute();
  await db.schema.createIndex('batches_creator_idx').on('batches').columns(['created_by', 'id']).execute();

  await db.schema
    .createTable('batch_courses')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_courses_pk', ['batch_id', 'course_id'])
    .execute();
  await db.schema.createIndex('batch_courses_course_idx').on('batch_courses').columns(['course_id', 'batch_id']).execute();

  await db.schema
    .createTable('batch_staff')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_staff_pk', ['batch_id', 'role', 'user_id'])
    .addCheckConstraint('batch_staff_role', sql`role in ('instructor', 'evaluator')`)
    .execute();
  await db.schema.createIndex('batch_staff_user_idx').on('batch_staff').columns(['user_id', 'batch_id']).execute();

  await db.schema
    .createTable('batch_members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('added_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('joined_at', 'text', (c) => c.notNull())
    .execute();
  // One membership per member + batch, whatever the path (staff add, self join, concurrency).
  await db.schema.createIndex('batch_members_uq').on('batch_members').columns(['batch_id', 'member_id']).unique().execute();
  await db.schema.createIndex('batch_members_member_idx').on('batch_members').columns(['member_id', 'batch_id']).execute();
  await db.schema.createIndex('batch_members_page_idx').on('batch_members').columns(['batch_id', 'id']).execute();

  await db.schema
    .createTable('live_classes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('join_url', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('live_classes_duration', sql`duration_minutes > 0 and duration_minutes <= 1440`)
    .execute();
  await db.schema.createIndex('live_classes_batch_idx').on('live_classes').columns(['batch_id', 'starts_at', 'id']).execute();

  await db.schema
    .createTable('live_class_attendance')
    .addColumn('live_class_id', 'text', (c) => c.notNull().references('live_classes.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('marked_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('marked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_class_attendance_pk', ['live_class_id', 'member_id'])
    .execute();
  await db.schema.createIndex('live_class_attendance_member_idx').on('live_class_attendance').columns(['member_id', 'live_class_id']).execute();

  await db.schema
    .createTable('calendar_feeds')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('calendar_feeds_token_uq').on('calendar_feeds').column('token_hash').unique().execute();
}
