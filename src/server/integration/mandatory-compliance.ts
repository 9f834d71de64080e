import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Db, Dialect } from '../db/database.ts';
import { today } from '../db/dialect.ts';
import type { JobDefinition } from '../platform/jobs.ts';
import { percentOf } from '../../contract/common.ts';

export interface MandatoryComplianceRow {
  courseId: string;
  title: string;
  expected: number;
  completed: number;
  inProgress: number;
  notStarted: number;
  overdue: number;
  completionRate: number;
}

interface Counts {
  id: string;
  title: string;
  expected: number;
  completed: number | null;
  in_progress: number | null;
  overdue: number | null;
  count_rows: number | null;
  count_keys: number | null;
}

/** Delta rows (beyond one per key) a reader lets pile up before it folds them. */
const FOLD_AFTER_ROWS = 500;

/**
 * Mandatory Training Compliance: for each published mandatory course, the active employees with a
 * linked user (optionally of one department, by name) who are expected to take it, and how many
 * of them completed it, are in progress (0 < progress < 100), have not started (no enrollment or
 * progress 0) and are overdue (an open training assignment past its due date).
 *
 * Expected, completed / in progress and the open assignments by due date come from the counts that
 * database triggers keep per department (and course) in the same transaction as every write
 * (migration 0009-compliance-speed), so this reads a few rows per course whatever the head count.
 */
export async function mandatoryCompliance(ctx: AppContext, f: { department?: string | undefined }): Promise<MandatoryComplianceRow[]> {
  const dept = f.department;
  const inDepartment = (column: string) =>
    dept === undefined ? sql`` : sql`and ${sql.ref(column)} = (select id from departments where name = ${dept})`;
  const res = await sql<Counts>`
    with mc as (select id, title from courses where mandatory = 1 and published = 1),
    progress as (
      select course_id, sum(completed) as completed, sum(in_progress) as in_progress,
             count(*) as count_rows, count(distinct department_key) as count_keys
        from compliance_progress_counts
       where course_id in (select id from mc) ${inDepartment('department_key')}
       group by course_id
    ),
    overdue as (
      select course_id, sum(open_count) as overdue, count(*) as count_rows, count(distinct department_key || ' ' || due_date) as count_keys
        from compliance_open_assignment_counts
       where course_id in (select id from mc) ${inDepartment('department_key')} and due_date < ${today()}
       group by course_id
    )
    select mc.id, mc.title,
           (select coalesce(sum(employees), 0) from compliance_headcounts where true ${inDepartment('department_key')}) as expected,
           progress.completed, progress.in_progress, overdue.overdue,
           coalesce(progress.count_rows, 0) + coalesce(overdue.count_rows, 0) as count_rows,
           coalesce(progress.count_keys, 0) + coalesce(overdue.count_keys, 0) as count_keys
      from mc
      left join progress on progress.course_id = mc.id
      left join overdue on overdue.course_id = mc.id
     order by mc.title, mc.id`.execute(ctx.db);
  const extra = res.rows.reduce((n, r) => n + Number(r.count_rows ?? 0) - Number(r.count_keys ?? 0), 0);
  if (extra > FOLD_AFTER_ROWS) await foldComplianceCounts(ctx.db, ctx.dialect);
  return res.rows.map((r) => {
    const expected = Number(r.expected);
    const completed = Number(r.completed ?? 0);
    const inProgress = Number(r.in_progress ?? 0);
    return {
      courseId: r.id,
      title: r.title,
      expected,
      completed,
      inProgress,
      notStarted: Math.max(0, expected - completed - inProgress),
      overdue: Number(r.overdue ?? 0),
      completionRate: percentOf(completed, expected),
    };
  });
}

/**
 * PostgreSQL only (SQLite keeps one row per key): replaces the delta rows the triggers appended
 * with one row per key, keys that sum to nothing dropped. Deltas committed meanwhile are not
 * visible to the delete and stay as they are, and a second folder waits on the rows the first
 * deletes and then skips them, so the sums never change. One folder at a time; others skip.
 */
export async function foldComplianceCounts(db: Db, dialect: Dialect): Promise<boolean> {
  if (dialect !== 'postgres') return false;
  return db.transaction().execute(async (trx) => {
    const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext('compliance_counts_fold')) as ok`.execute(trx);
    if (!lock.rows[0]?.ok) return false;
    await sql`
      with gone as (delete from compliance_progress_counts returning course_id, department_key, completed, in_progress)
      insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
      select course_id, department_key, sum(completed), sum(in_progress) from gone
       group by course_id, department_key
      having sum(completed) <> 0 or sum(in_progress) <> 0`.execute(trx);
    await sql`
      with gone as (delete from compliance_headcounts returning department_key, employees)
      insert into compliance_headcounts (department_key, employees)
      select department_key, sum(employees) from gone group by department_key having sum(employees) <> 0`.execute(trx);
    await sql`
      with gone as (delete from compliance_open_assignment_counts returning course_id, department_key, due_date, open_count)
      insert into compliance_open_assignment_counts (course_id, department_key, due_date, open_count)
      select course_id, department_key, due_date, sum(open_count) from gone
       group by course_id, department_key, due_date
      having sum(open_count) <> 0`.execute(trx);
    return true;
  });
}

/** PostgreSQL keeps appending delta rows between reads; fold them hourly so they stay few. */
export const complianceCountsFoldJob: JobDefinition = {
  name: 'compliance.fold-counts',
  schedule: '40 * * * *',
  run: async (ctx) =>
    ctx.dialect !== 'postgres'
      ? 'Nothing to fold on SQLite'
      : (await foldComplianceCounts(ctx.db, ctx.dialect))
        ? 'Counters folded'
        : 'Another process was folding them',
};
