import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Notifications that reach people: the mail outbox (every message, its attempts and the server's
 * last answer), each user's notification preferences, editable templates per event, and the
 * outcome of each job run. Recertification: a course may open a new cycle before its certificate
 * expires; the closed cycles keep their dates, lesson completions and certificate.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    // The in-app notification the message tells about (one message per notification at most).
    .addColumn('notification_id', 'text', (c) => c.references('notifications.id').onDelete('set null'))
    // Messages not tied to one notification (a daily digest) are made once per key.
    .addColumn('dedupe_key', 'text')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_markdown', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('mail_outbox_status', sql`status in ('pending', 'sending', 'sent', 'failed')`)
    .addCheckConstraint('mail_outbox_attempts', sql`attempts >= 0`)
    .addCheckConstraint('mail_outbox_sent', sql`(status = 'sent') = (sent_at is not null)`)
    .addCheckConstraint('mail_outbox_lease', sql`status <> 'sending' or lease_until is not null`)
    .execute();
  await db.schema.createIndex('mail_outbox_notification_uq').on('mail_outbox').column('notification_id').unique().execute();
  await db.schema.createIndex('mail_outbox_dedupe_uq').on('mail_outbox').column('dedupe_key').unique().execute();
  // The worker's claim: due pending rows, and sending rows whose lease ran out.
  await db.schema.createIndex('mail_outbox_due_idx').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('mail_outbox_page_idx').on('mail_outbox').columns(['status', 'id']).execute();

  await db.schema
    .createTable('notification_preferences')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('email', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('digest', 'text', (c) => c.notNull().defaultTo('off'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('notification_preferences_email', sql`email in (0, 1)`)
    .addCheckConstraint('notification_preferences_digest', sql`digest in ('off', 'daily')`)
    .execute();

  await db.schema
    .createTable('notification_templates')
    .addColumn('event', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('notification_templates_subject', sql`length(subject) between 1 and 300`)
    .addCheckConstraint('notification_templates_body', sql`length(body) between 1 and 20000`)
    .execute();

  // Fan-out reads back the notifications one statement made (by time and kind); the digest reads a day's.
  await db.schema.createIndex('notifications_created_idx').on('notifications').columns(['created_at', 'kind']).execute();

  await db.schema.alterTable('job_runs').addColumn('outcome', 'text').execute();

  await db.schema
    .alterTable('courses')
    .addColumn('recertify_days_before', 'integer', (c) => c.check(sql`recertify_days_before is null or recertify_days_before between 1 and 3650`))
    .execute();
  // A superseded certificate (its member started a new cycle) stays readable and verifiable; the
  // one-certificate-per-member-and-course rule holds for current certificates.
  await db.schema.alterTable('certificates').addColumn('superseded_at', 'text').execute();
  await db.schema.dropIndex('certificates_member_course_uq').execute();
  await sql`create unique index certificates_member_course_uq on certificates (member_id, course_id) where superseded_at is null`.execute(db);

  await db.schema
    .createTable('enrollment_cycles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('cycle', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    // The certificate whose coming expiry closed the cycle: it opens one new cycle, never two.
    .addColumn('certificate_id', 'text', (c) => c.notNull().references('certificates.id'))
    .addColumn('closed_at', 'text', (c) => c.notNull())
    .addCheckConstraint('enrollment_cycles_cycle', sql`cycle >= 1`)
    .execute();
  await db.schema.createIndex('enrollment_cycles_uq').on('enrollment_cycles').columns(['enrollment_id', 'cycle']).unique().execute();
  await db.schema.createIndex('enrollment_cycles_certificate_uq').on('enrollment_cycles').column('certificate_id').unique().execute();

  await db.schema
    .createTable('cycle_lesson_completions')
    .addColumn('cycle_id', 'text', (c) => c.notNull().references('enrollment_cycles.id').onDelete('cascade'))
    .addColumn('lesson_id', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cycle_lesson_completions_pk', ['cycle_id', 'lesson_id'])
    .execute();
}
