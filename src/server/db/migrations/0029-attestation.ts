import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Attestation: a course may require its learners to attest ("I have read and understood ...") by
 * re-entering their password before its certificate is issued. Each attestation binds the member,
 * the course, the statement they signed, a hash of the course content they completed, the time
 * and the client address. One per member + course + content version: after the course changes, a
 * new attestation is a new row and the earlier one stays.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('courses')
    .addColumn('requires_attestation', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('courses').addColumn('attestation_text', 'text').execute();
  await db.schema
    .createTable('attestations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('client_address', 'text')
    .addColumn('user_agent', 'text')
    .addCheckConstraint('attestations_hash', sql`length(content_hash) = 64`)
    .execute();
  await db.schema.createIndex('attestations_uq').on('attestations').columns(['member_id', 'course_id', 'content_hash']).unique().execute();
  await db.schema.createIndex('attestations_course_idx').on('attestations').columns(['course_id', 'member_id']).execute();
}
