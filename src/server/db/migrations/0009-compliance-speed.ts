import { sql, type Kysely, type QueryExecutorProvider } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Counts behind Mandatory Training Compliance, kept by database triggers in the same transaction
 * as every write to enrollments, training_assignments and employees, so the statistic reads a few
 * hundred rows instead of every enrollment:
 *
 * - compliance_progress_counts (course_id, department_key, completed, in_progress): enrollments
 *   of users who have an active employee record, by course and by that employee's department
 *   ('' for none). completed = progress 100; in progress = 0 < progress < 100.
 * - compliance_open_assignment_counts (course_id, department_key, due_date, open_count): open
 *   training assignments of those users by due date, so "overdue" (open and due before today)
 *   stays a date-derived sum over the rows due before today.
 * - compliance_headcounts (department_key, employees): active employees with a linked user.
 *
 * On SQLite (one writer at a time) row triggers keep one row per key up to date. On PostgreSQL
 * the statement triggers only ever append delta rows (no row is updated, so concurrent writers
 * never wait for each other on a counter) and a reader sums the rows of a key; a reader that finds
 * many delta rows folds them into one row per key (compactComplianceCounts). A change to an
 * employee locks the user's row and the user's enrollment and assignment rows before it counts
 * them, so it serializes with any concurrent enrollment or assignment write of that user: both
 * sides always see each other's committed state and the counts stay exact.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  await sql
    .raw(
      `create table compliance_progress_counts (
         course_id text not null,
         department_key text not null,
         completed integer not null,
         in_progress integer not null${pg ? '' : ',\n         primary key (course_id, department_key)'}
       )`,
    )
    .execute(db);
  await sql
    .raw(
      `create table compliance_open_assignment_counts (
         course_id text not null,
         department_key text not null,
         due_date text not null,
         open_count integer not null${pg ? '' : ',\n         primary key (course_id, department_key, due_date)'}
       )`,
    )
    .execute(db);
  await sql.raw(`create table compliance_headcounts (department_key text not null, employees integer not null${pg ? '' : ', primary key (department_key)'})`).execute(db);
  if (pg) {
    await sql`create index compliance_headcounts_key_idx on compliance_headcounts (department_key)`.execute(db);
    await sql`create index compliance_progress_counts_key_idx on compliance_progress_counts (course_id, department_key)`.execute(db);
    await sql`create index compliance_open_assignment_counts_key_idx on compliance_open_assignment_counts (course_id, department_key, due_date)`.execute(db);
  }

  // Writes that commit between the first count and the triggers would be missed: hold them off
  // (the migration runs in one transaction on PostgreSQL; SQLite has one writer anyway).
  if (pg) await sql`lock table enrollments, training_assignments, employees in share row exclusive mode`.execute(db);
  await countExisting(db, PROGRESS_TERMS);
  for (const statement of complianceTriggers(dialect, PROGRESS_TERMS)) await sql.raw(statement).execute(db);
}

/**
 * How a row of enrollments counts: started (counted at all), completed, in progress, and the
 * columns whose update can move a row between those. 0009 wrote them over `progress`; 0014
 * (progress derived from completed_lessons) replaces the triggers with its own terms.
 */
export interface EnrollmentTerms {
  started: (t: string) => string;
  completed: (t: string) => string;
  inProgress: (t: string) => string;
  /** Columns of enrollments that the update trigger of SQLite watches (besides member_id, course_id). */
  stateColumns: string;
}

const PROGRESS_TERMS: EnrollmentTerms = {
  started: (t) => `${t}.progress > 0`,
  completed: (t) => `case when ${t}.progress = 100 then 1 else 0 end`,
  inProgress: (t) => `case when ${t}.progress > 0 and ${t}.progress < 100 then 1 else 0 end`,
  stateColumns: 'progress',
};

/** The statements creating the count triggers (and, on PostgreSQL, their functions). */
export function complianceTriggers(dialect: Dialect, terms: EnrollmentTerms): string[] {
  return dialect === 'postgres' ? postgresTriggers(terms) : sqliteTriggers(terms);
}

/** Fills the (empty) count tables from the data already there. */
export async function countExisting(db: QueryExecutorProvider, terms: EnrollmentTerms): Promise<void> {
  const { completed: COMPLETED, inProgress: IN_PROGRESS, started: STARTED } = terms;
  await sql`
    insert into compliance_headcounts (department_key, employees)
    select coalesce(department_id, ''), count(*) from employees where status = 'active' and user_id is not null
     group by coalesce(department_id, '')`.execute(db);
  await sql`
    insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
    select e.course_id, coalesce(em.department_id, ''), sum(${sql.raw(COMPLETED('e'))}), sum(${sql.raw(IN_PROGRESS('e'))})
      from enrollments e
      join employees em on em.user_id = e.member_id and em.status = 'active'
     where ${sql.raw(STARTED('e'))}
     group by e.course_id, coalesce(em.department_id, '')`.execute(db);
  await sql`
    insert into compliance_open_assignment_counts (course_id, department_key, due_date, open_count)
    select ta.course_id, coalesce(em.department_id, ''), ta.due_date, count(*)
      from training_assignments ta
      join employees em on em.user_id = ta.member_id and em.status = 'active'
     where ta.status = 'open'
     group by ta.course_id, coalesce(em.department_id, ''), ta.due_date`.execute(db);
}

/** The department key of the active employee linked to user `userRef`, or no row. */
const ACTIVE_EMPLOYEE = (userRef: string) => `from employees em where em.user_id = ${userRef} and em.status = 'active'`;

function sqliteTriggers(terms: EnrollmentTerms): string[] {
  const { completed: COMPLETED, inProgress: IN_PROGRESS, started: STARTED } = terms;
  const addProgress = (row: 'new' | 'old', sign: 1 | -1) => `
    insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
    select ${row}.course_id, coalesce(em.department_id, ''), ${sign} * ${COMPLETED(row)}, ${sign} * ${IN_PROGRESS(row)}
      ${ACTIVE_EMPLOYEE(`${row}.member_id`)} and ${STARTED(row)}
    on conflict (course_id, department_key) do update
      set completed = completed + excluded.completed, in_progress = in_progress + excluded.in_progress;`;
  const addOpen = (row: 'new' | 'old', sign: 1 | -1) => `
    insert into compliance_open_assignment_counts (course_id, department_key, due_date, open_count)
    select ${row}.course_id, coalesce(em.department_id, ''), ${row}.due_date, ${sign}
      ${ACTIVE_EMPLOYEE(`${row}.member_id`)} and ${row}.status = 'open'
    on conflict (course_id, department_key, due_date) do update set open_count = open_count + excluded.open_count;
    delete from compliance_open_assignment_counts
     where open_count = 0 and course_id = ${row}.course_id and due_date = ${row}.due_date
       and department_key = (select coalesce(em.department_id, '') ${ACTIVE_EMPLOYEE(`${row}.member_id`)});`;
  // Everything a user contributes, counted under the department of employee row `row`.
  const addEmployee = (row: 'new' | 'old', sign: 1 | -1) => `
    insert into compliance_headcounts (department_key, employees) values (coalesce(${row}.department_id, ''), ${sign})
    on conflict (department_key) do update set employees = employees + excluded.employees;
    insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
    select e.course_id, coalesce(${row}.department_id, ''), ${sign} * sum(${COMPLETED('e')}), ${sign} * sum(${IN_PROGRESS('e')})
      from enrollments e
     where e.member_id = ${row}.user_id and ${STARTED('e')}
     group by e.course_id
    on conflict (course_id, department_key) do update
      set completed = completed + excluded.completed, in_progress = in_progress + excluded.in_progress;
    insert into compliance_open_assignment_counts (course_id, department_key, due_date, open_count)
    select ta.course_id, coalesce(${row}.department_id, ''), ta.due_date, ${sign} * count(*)
      from training_assignments ta
     where ta.member_id = ${row}.user_id and ta.status = 'open'
     group by ta.course_id, ta.due_date
    on conflict (course_id, department_key, due_date) do update set open_count = open_count + excluded.open_count;
    delete from compliance_open_assignment_counts
     where open_count = 0 and department_key = coalesce(${row}.department_id, '')
       and course_id in (select ta.course_id from training_assignments ta where ta.member_id = ${row}.user_id and ta.status = 'open');`;
  const counted = (row: 'new' | 'old') => `${row}.status = 'active' and ${row}.user_id is not null`;
  const employeeChanged = `(old.status is not new.status or old.user_id is not new.user_id or old.department_id is not new.department_id)`;
  const bucketChanged = `(old.member_id is not new.member_id or old.course_id is not new.course_id
    or (${COMPLETED('old')}) <> (${COMPLETED('new')}) or (${IN_PROGRESS('old')}) <> (${IN_PROGRESS('new')}))`;
  const openChanged = `(old.member_id is not new.member_id or old.course_id is not new.course_id
    or old.status is not new.status or old.due_date is not new.due_date)`;
  return [
    `create trigger enrollments_compliance_insert after insert on enrollments when ${STARTED('new')}
     begin ${addProgress('new', 1)} end`,
    `create trigger enrollments_compliance_update after update of ${terms.stateColumns}, member_id, course_id on enrollments when ${bucketChanged}
     begin ${addProgress('old', -1)} ${addProgress('new', 1)} end`,
    `create trigger enrollments_compliance_delete after delete on enrollments when ${STARTED('old')}
     begin ${addProgress('old', -1)} end`,
    `create trigger training_assignments_compliance_insert after insert on training_assignments when new.status = 'open'
     begin ${addOpen('new', 1)} end`,
    `create trigger training_assignments_compliance_update after update of status, due_date, member_id, course_id on training_assignments
     when ${openChanged}
     begin ${addOpen('old', -1)} ${addOpen('new', 1)} end`,
    `create trigger training_assignments_compliance_delete after delete on training_assignments when old.status = 'open'
     begin ${addOpen('old', -1)} end`,
    `create trigger employees_compliance_insert after insert on employees when ${counted('new')}
     begin ${addEmployee('new', 1)} end`,
    `create trigger employees_compliance_update_old after update of status, user_id, department_id on employees
     when ${counted('old')} and ${employeeChanged}
     begin ${addEmployee('old', -1)} end`,
    `create trigger employees_compliance_update_new after update of status, user_id, department_id on employees
     when ${counted('new')} and ${employeeChanged}
     begin ${addEmployee('new', 1)} end`,
    `create trigger employees_compliance_delete after delete on employees when ${counted('old')}
     begin ${addEmployee('old', -1)} end`,
  ];
}

/**
 * PostgreSQL: the statement a statement trigger runs to count the enrollments of its transition
 * tables (new_rows, old_rows) that `op` moved between buckets, appending delta rows.
 */
export function progressCountStatement(terms: EnrollmentTerms, op: 'INSERT' | 'UPDATE' | 'DELETE'): string {
  const { completed: COMPLETED, inProgress: IN_PROGRESS, started: STARTED } = terms;
  // Delta rows (member_id, course_id, completed, in_progress) of one statement, by operation.
  const deltas = {
    INSERT: `select n.member_id, n.course_id, ${COMPLETED('n')} as completed, ${IN_PROGRESS('n')} as in_progress from new_rows n where ${STARTED('n')}`,
    DELETE: `select o.member_id, o.course_id, -${COMPLETED('o')} as completed, -${IN_PROGRESS('o')} as in_progress from old_rows o where ${STARTED('o')}`,
    UPDATE: `select c.member_id, c.course_id, c.completed, c.in_progress from (
               select n.id, n.member_id, n.course_id, ${COMPLETED('n')} as completed, ${IN_PROGRESS('n')} as in_progress from new_rows n
               union all
               select o.id, o.member_id, o.course_id, -${COMPLETED('o')}, -${IN_PROGRESS('o')} from old_rows o
             ) c
             join old_rows o on o.id = c.id join new_rows n on n.id = c.id
            where o.member_id <> n.member_id or o.course_id <> n.course_id
               or ${COMPLETED('o')} <> ${COMPLETED('n')} or ${IN_PROGRESS('o')} <> ${IN_PROGRESS('n')}`,
  };
  return `
    insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
    select d.course_id, coalesce(em.department_id, ''), sum(d.completed), sum(d.in_progress)
      from (${deltas[op]}) d
      join employees em on em.user_id = d.member_id and em.status = 'active'
     group by d.course_id, coalesce(em.department_id, '')
    having sum(d.completed) <> 0 or sum(d.in_progress) <> 0;`;
}

function postgresTriggers(terms: EnrollmentTerms): string[] {
  const { completed: COMPLETED, inProgress: IN_PROGRESS, started: STARTED } = terms;
  // Delta rows (member_id, course_id, due_date, open_count) of one statement, by operation.
  const openDeltas = {
    INSERT: `select n.member_id, n.course_id, n.due_date, 1 as open_count from new_rows n where n.status = 'open'`,
    DELETE: `select o.member_id, o.course_id, o.due_date, -1 as open_count from old_rows o where o.status = 'open'`,
    UPDATE: `select c.member_id, c.course_id, c.due_date, c.open_count from (
               select n.id, n.member_id, n.course_id, n.due_date, 1 as open_count from new_rows n where n.status = 'open'
               union all
               select o.id, o.member_id, o.course_id, o.due_date, -1 from old_rows o where o.status = 'open'
             ) c
             join old_rows o on o.id = c.id join new_rows n on n.id = c.id
            where o.member_id <> n.member_id or o.course_id <> n.course_id or o.status <> n.status or o.due_date <> n.due_date`,
  };
  const openFrom = (deltas: string) => `
    insert into compliance_open_assignment_counts (course_id, department_key, due_date, open_count)
    select d.course_id, coalesce(em.department_id, ''), d.due_date, sum(d.open_count)
      from (${deltas}) d
      join employees em on em.user_id = d.member_id and em.status = 'active'
     group by d.course_id, coalesce(em.department_id, ''), d.due_date
    having sum(d.open_count) <> 0;`;
  const byOperation = <T,>(body: (deltas: T) => string, deltas: Record<'INSERT' | 'UPDATE' | 'DELETE', T>) => `
    begin
      if tg_op = 'INSERT' then ${body(deltas.INSERT)}
      elsif tg_op = 'UPDATE' then ${body(deltas.UPDATE)}
      else ${body(deltas.DELETE)}
      end if;
      return null;
    end`;

  // Employees: (user_id, department_key, sign) of the rows whose contribution leaves or arrives.
  const employeeSides = {
    INSERT: `select n.user_id, coalesce(n.department_id, '') as department_key, 1 as sign from new_rows n where n.status = 'active' and n.user_id is not null`,
    DELETE: `select o.user_id, coalesce(o.department_id, '') as department_key, -1 as sign from old_rows o where o.status = 'active' and o.user_id is not null`,
    UPDATE: `select s.user_id, s.department_key, s.sign from (
               select n.id, n.user_id, coalesce(n.department_id, '') as department_key, 1 as sign from new_rows n where n.status = 'active' and n.user_id is not null
               union all
               select o.id, o.user_id, coalesce(o.department_id, ''), -1 from old_rows o where o.status = 'active' and o.user_id is not null
             ) s
             join old_rows o on o.id = s.id join new_rows n on n.id = s.id
            where o.status <> n.status or o.user_id is distinct from n.user_id or o.department_id is distinct from n.department_id`,
  };
  const employeeBody = (sides: string) => `
    if exists (${sides}) then
      insert into compliance_headcounts (department_key, employees)
      select s.department_key, sum(s.sign) from (${sides}) s group by s.department_key having sum(s.sign) <> 0;
      -- Wait for every writer of these users' enrollments and assignments, then count what they committed.
      perform 1 from users u where u.id in (select s.user_id from (${sides}) s) order by u.id for update;
      perform 1 from enrollments e where e.member_id in (select s.user_id from (${sides}) s) order by e.id for share;
      perform 1 from training_assignments ta where ta.member_id in (select s.user_id from (${sides}) s) order by ta.id for share;
      insert into compliance_progress_counts (course_id, department_key, completed, in_progress)
      select e.course_id, s.department_key, sum(s.sign * ${COMPLETED('e')}), sum(s.sign * ${IN_PROGRESS('e')})
        from (${sides}) s
        join enrollments e on e.member_id = s.user_id and ${STARTED('e')}
       group by e.course_id, s.department_key
      having sum(s.sign * ${COMPLETED('e')}) <> 0 or sum(s.sign * ${IN_PROGRESS('e')}) <> 0;
      insert into compliance_open_assignment_counts (course_id, department_key, due_date, open_count)
      select ta.course_id, s.department_key, ta.due_date, sum(s.sign)
        from (${sides}) s
        join training_assignments ta on ta.member_id = s.user_id and ta.status = 'open'
       group by ta.course_id, s.department_key, ta.due_date
      having sum(s.sign) <> 0;
    end if;`;

  const statements: string[] = [
    `create function compliance_enrollments_changed() returns trigger language plpgsql as $$${byOperation((op) => progressCountStatement(terms, op), { INSERT: 'INSERT', UPDATE: 'UPDATE', DELETE: 'DELETE' } as const)}$$`,
    `create function compliance_assignments_changed() returns trigger language plpgsql as $$${byOperation(openFrom, openDeltas)}$$`,
    `create function compliance_employees_changed() returns trigger language plpgsql as $$${byOperation(employeeBody, employeeSides)}$$`,
  ];
  const tables = [
    ['enrollments', 'compliance_enrollments_changed'],
    ['training_assignments', 'compliance_assignments_changed'],
    ['employees', 'compliance_employees_changed'],
  ] as const;
  for (const [table, fn] of tables) {
    statements.push(
      `create trigger ${table}_compliance_insert after insert on ${table} referencing new table as new_rows for each statement execute function ${fn}()`,
      `create trigger ${table}_compliance_update after update on ${table} referencing old table as old_rows new table as new_rows for each statement execute function ${fn}()`,
      `create trigger ${table}_compliance_delete after delete on ${table} referencing old table as old_rows for each statement execute function ${fn}()`,
    );
  }
  return statements;
}
