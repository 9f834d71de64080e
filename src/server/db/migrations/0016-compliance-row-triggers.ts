import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';
import { progressCountStatement } from './0009-compliance-speed.ts';
import { DERIVED_TERMS } from './0014-derived-progress.ts';

/**
 * PostgreSQL: the compliance counts follow single enrollment writes through row triggers, and only
 * set-based updates through a statement trigger.
 *
 * The statement triggers of 0009 (kept by 0014) ran for every write to enrollments: each built
 * transition tables and ran a grouped join over them, also when nothing a count depends on changed
 * (a new enrollment has no completed lesson; most lesson completions leave a row in progress). On a
 * self-enrollment or a lesson completion that trigger was a large share of the statement's work.
 *
 * Now, as on SQLite:
 * - a row trigger with a WHEN clause fires only for a row that enters, leaves or moves between the
 *   counted buckets (started, completed, in progress), and appends that row's delta rows;
 * - an update statement trigger does the grouped count of a set-based update instead. It works only
 *   where the transaction asked for it (setting `smooth.compliance_counts` to `statement`, as the
 *   progress recompute does around its update); the update row trigger then stands aside. Inserts
 *   and deletes always count per row: no path inserts or deletes many started enrollments at once.
 *
 * Delta rows are appended, never updated, as before (readers sum them; they are folded later).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return; // SQLite counts with row triggers already (0009, 0014)
  const { started: STARTED, completed: COMPLETED, inProgress: IN_PROGRESS } = DERIVED_TERMS;
  const PER_STATEMENT = `coalesce(current_setting('smooth.compliance_counts', true), '') = 'statement'`;
  const delta = (row: 'old' | 'new', sign: '' | '-') => `
    insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
    select ${row}.course_id, coalesce(em.department_id, ''), ${sign}${COMPLETED(row)}, ${sign}${IN_PROGRESS(row)}
      from employees em where em.user_id = ${row}.member_id and em.status = 'active';`;
  const bucketChanged = `old.member_id <> new.member_id or old.course_id <> new.course_id
      or ${COMPLETED('old')} <> ${COMPLETED('new')} or ${IN_PROGRESS('old')} <> ${IN_PROGRESS('new')}`;

  // The statement triggers of 0014 and their function.
  await sql`drop function compliance_enrollments_changed() cascade`.execute(db);

  await sql
    .raw(
      `create function compliance_enrollment_row_changed() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' and ${STARTED('old')} then ${delta('old', '-')}
      end if;
      if tg_op <> 'DELETE' and ${STARTED('new')} then ${delta('new', '')}
      end if;
      return null;
    end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create function compliance_enrollments_updated() returns trigger language plpgsql as $$
    begin
      if not (${PER_STATEMENT}) then return null; end if;
      ${progressCountStatement(DERIVED_TERMS, 'UPDATE')}
      return null;
    end $$`,
    )
    .execute(db);
  for (const statement of [
    `create trigger enrollments_compliance_insert after insert on enrollments
       for each row when (${STARTED('new')}) execute function compliance_enrollment_row_changed()`,
    `create trigger enrollments_compliance_delete after delete on enrollments
       for each row when (${STARTED('old')}) execute function compliance_enrollment_row_changed()`,
    `create trigger enrollments_compliance_update after update on enrollments
       for each row when ((${bucketChanged}) and not (${PER_STATEMENT})) execute function compliance_enrollment_row_changed()`,
    `create trigger enrollments_compliance_update_set after update on enrollments
       referencing old table as old_rows new table as new_rows for each statement execute function compliance_enrollments_updated()`,
  ])
    await sql.raw(statement).execute(db);
}
