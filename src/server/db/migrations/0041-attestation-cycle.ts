import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Attestations belong to recertification cycles, as quiz attempts do: a learner recertifying
 * attests again in the new cycle (the same course content included), and only the current cycle's
 * attestation lets its certificate be issued. `cycle` is the member's cycle of the course when
 * they signed (1 + the cycles closed before); existing attestations get theirs from their dates.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await sql`alter table attestations add column cycle integer not null default 1`.execute(db);
  await sql`update attestations set cycle = 1 + (
      select count(*) from enrollment_cycles cy
       where cy.member_id = attestations.member_id and cy.course_id = attestations.course_id and cy.closed_at <= attestations.signed_at)`.execute(db);
  await sql`drop index attestations_uq`.execute(db);
  await sql`create unique index attestations_uq on attestations (member_id, course_id, cycle, content_hash)`.execute(db);
  // SQLite cannot add a CHECK to an existing table; the column's writer is attestation.service.ts.
  if (dialect === 'postgres') await sql`alter table attestations add constraint attestations_cycle check (cycle >= 1)`.execute(db);
}
