import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { today } from '../db/dialect.ts';

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
}

/**
 * Mandatory Training Compliance: for each published mandatory course, the active employees with a
 * linked user (optionally of one department, by name) who are expected to take it, and how many
 * of them completed it, are in progress (0 < progress < 100), have not started (no enrollment or
 * progress 0) and are overdue (an open training assignment past its due date).
 *
 * One set-based statement either way, shaped for the index that makes it cheap:
 * - a department: driven from its (materialized) employees, each probing the (member, course)
 *   unique index;
 * - everyone: per-course counts straight from the (course, progress) index, minus the rows of the
 *   few enrolled users who are not expected (no active employee record), which avoids joining
 *   every enrollment to its employee. The outsiders are materialized and drive their join
 *   (CROSS JOIN fixes the join order on SQLite; PostgreSQL plans it freely).
 */
export async function mandatoryCompliance(ctx: AppContext, f: { department?: string | undefined }): Promise<MandatoryComplianceRow[]> {
  const on = today();
  const res =
    f.department !== undefined
      ? await sql<Counts>`
    with emp as materialized (
      select user_id from employees
       where status = 'active' and user_id is not null
         and department_id = (select id from departments where name = ${f.department})
    ),
    mc as (select id, title from courses where mandatory = 1 and published = 1),
    agg as (
      select e.course_id,
             sum(case when e.progress = 100 then 1 else 0 end) as completed,
             sum(case when e.progress < 100 then 1 else 0 end) as in_progress
        from emp
       cross join mc
        join enrollments e on e.member_id = emp.user_id and e.course_id = mc.id
       where e.progress > 0
       group by e.course_id
    ),
    od as (
      select ta.course_id, count(*) as overdue
        from emp
       cross join mc
        join training_assignments ta on ta.member_id = emp.user_id and ta.course_id = mc.id
       where ta.status = 'open' and ta.due_date < ${on}
       group by ta.course_id
    )
    select mc.id, mc.title, (select count(*) from emp) as expected, agg.completed, agg.in_progress, od.overdue
      from mc
      left join agg on agg.course_id = mc.id
      left join od on od.course_id = mc.id
     order by mc.title, mc.id`.execute(ctx.db)
      : await sql<Counts>`
    with mc as (select id, title from courses where mandatory = 1 and published = 1),
    outsiders as materialized (
      select u.id from users u
       where not exists (select 1 from employees em where em.user_id = u.id and em.status = 'active')
    ),
    byp as (
      select course_id, progress, count(*) as n
        from enrollments
       where course_id in (select id from mc) and progress > 0
       group by course_id, progress
    ),
    tot as (
      select course_id,
             sum(case when progress = 100 then n else 0 end) as completed,
             sum(case when progress < 100 then n else 0 end) as in_progress
        from byp
       group by course_id
    ),
    ex as (
      select e.course_id,
             sum(case when e.progress = 100 then 1 else 0 end) as completed,
             sum(case when e.progress < 100 then 1 else 0 end) as in_progress
        from outsiders o
       cross join enrollments e
       where e.member_id = o.id and e.course_id in (select id from mc) and e.progress > 0
       group by e.course_id
    ),
    od as (
      select course_id, count(*) as n
        from training_assignments
       where status = 'open' and due_date < ${on} and course_id in (select id from mc)
       group by course_id
    ),
    odx as (
      select ta.course_id, count(*) as n
        from outsiders o
       cross join training_assignments ta
       where ta.member_id = o.id and ta.status = 'open' and ta.due_date < ${on} and ta.course_id in (select id from mc)
       group by ta.course_id
    )
    select mc.id, mc.title,
           (select count(*) from employees where status = 'active' and user_id is not null) as expected,
           coalesce(tot.completed, 0) - coalesce(ex.completed, 0) as completed,
           coalesce(tot.in_progress, 0) - coalesce(ex.in_progress, 0) as in_progress,
           coalesce(od.n, 0) - coalesce(odx.n, 0) as overdue
      from mc
      left join tot on tot.course_id = mc.id
      left join ex on ex.course_id = mc.id
      left join od on od.course_id = mc.id
      left join odx on odx.course_id = mc.id
     order by mc.title, mc.id`.execute(ctx.db);
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
      completionRate: expected === 0 ? 0 : Math.round((completed / expected) * 1000) / 10,
    };
  });
}
