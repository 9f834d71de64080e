import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Enrollment suspension and manual completion.
 *
 * A suspended enrollment keeps its row and lesson progress; suspended_at, suspended_by and
 * suspend_reason record who suspended it and why. A manually completed enrollment records who
 * marked it complete, when, why, and an optional evidence file. The database refuses a
 * suspension without its reason (1 to 500 characters), and a manual completion without its
 * reason or on an enrollment that is not complete.
 *
 * SQLite cannot add a table constraint to an existing table, but a column's CHECK may name other
 * columns: each rule rides on the last column it names, added after the others.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const suspension = sql`(suspended_at is null and suspend_reason is null and suspended_by is null)
      or (suspended_at is not null and suspend_reason is not null and length(suspend_reason) between 1 and 500)`;
  const manual = sql`(completed_manually_at is null and completed_manually_reason is null and completed_manually_by is null and completion_evidence_file_id is null)
      or (completed_manually_at is not null and completed_at is not null and completed_manually_reason is not null
          and length(completed_manually_reason) between 1 and 500)`;
  await db.schema.alterTable('enrollments').addColumn('suspended_at', 'text').execute();
  await db.schema.alterTable('enrollments').addColumn('suspended_by', 'text', (c) => c.references('users.id')).execute();
  await db.schema.alterTable('enrollments').addColumn('completed_manually_at', 'text').execute();
  await db.schema.alterTable('enrollments').addColumn('completed_manually_by', 'text', (c) => c.references('users.id')).execute();
  await db.schema.alterTable('enrollments').addColumn('completion_evidence_file_id', 'text', (c) => c.references('files.id')).execute();
  if (dialect === 'postgres') {
    await db.schema.alterTable('enrollments').addColumn('suspend_reason', 'text').execute();
    await db.schema.alterTable('enrollments').addColumn('completed_manually_reason', 'text').execute();
    await db.schema.alterTable('enrollments').addCheckConstraint('enrollments_suspension', suspension).execute();
    await db.schema.alterTable('enrollments').addCheckConstraint('enrollments_manual_completion', manual).execute();
  } else {
    await sql`alter table enrollments add column suspend_reason text constraint enrollments_suspension check (${suspension})`.execute(db);
    await sql`alter table enrollments add column completed_manually_reason text constraint enrollments_manual_completion check (${manual})`.execute(db);
  }
  // The list's status filter: suspended rows are few, so a partial index finds them.
  await db.schema
    .createIndex('enrollments_suspended_idx')
    .on('enrollments')
    .columns(['course_id', 'suspended_at'])
    .where(sql.ref('suspended_at'), 'is not', null)
    .execute();
}
