/**
 * Attempts belong to recertification cycles. When a course opens a new cycle (the recertification
 * job closes the member's current one in enrollment_cycles), the attempts made before stay as
 * records, but only the attempts of the current cycle count: towards max attempts (and an
 * override's extra attempts), for "passed" and "completed, not passed", and for the best score.
 * An attempt is in its course's current cycle when it started at or after the member's last
 * closed cycle of that course (as GET /api/enrollments/:id/cycles assigns attempts to cycles).
 */
import { sql, type RawBuilder } from 'kysely';

/** SQL true when the quiz_submissions row (under `alias`) was started in its course's current cycle. */
export function inCurrentCycle(alias: string): RawBuilder<boolean> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  return sql<boolean>`${col('started_at')} >= coalesce((
    select max(cy.closed_at) from enrollment_cycles cy
     where cy.member_id = ${col('member_id')} and cy.course_id = ${col('course_id')}), '')`;
}
