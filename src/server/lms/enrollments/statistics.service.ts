import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { DAY_MS } from '../../db/dialect.ts';
import { errors } from '../../http/errors.ts';
import type { CourseCompletionRow } from '../../../contract/enrollments.ts';
import { percentOf } from '../../../contract/common.ts';

export interface PeriodRow {
  period: string;
  enrolled: number;
  completed: number;
}

/** Monday of the ISO week that holds `day` (YYYY-MM-DD). */
function weekStart(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Enrollments created and completed per week between two dates (inclusive). The database groups
 * by day (at most one row per day of the range); the days are then folded into ISO weeks.
 */
export async function enrollmentsOverTime(ctx: AppContext, range: { from?: string | undefined; to?: string | undefined }): Promise<PeriodRow[]> {
  const to = range.to ?? new Date().toISOString().slice(0, 10);
  const from = range.from ?? new Date(new Date(`${to}T00:00:00Z`).getTime() - 7 * 12 * DAY_MS + DAY_MS).toISOString().slice(0, 10);
  if (from > to) throw errors.validation([{ path: 'from', message: 'from must not be after to' }]);
  if ((new Date(to).getTime() - new Date(from).getTime()) / DAY_MS > 3 * 366) {
    throw errors.validation([{ path: 'from', message: 'The range may span at most three years' }]);
  }
  const end = `${to}T23:59:59.999Z`;
  const created = await ctx.db
    .selectFrom('enrollments')
    .select([sql<string>`substr(created_at, 1, 10)`.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', from)
    .where('created_at', '<=', end)
    .groupBy(sql`substr(created_at, 1, 10)`)
    .execute();
  const completed = await ctx.db
    .selectFrom('enrollments')
    .select([sql<string>`substr(completed_at, 1, 10)`.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('completed_at', '>=', from)
    .where('completed_at', '<=', end)
    .groupBy(sql`substr(completed_at, 1, 10)`)
    .execute();
  const weeks = new Map<string, PeriodRow>();
  for (let t = new Date(`${weekStart(from)}T00:00:00Z`).getTime(); t <= new Date(`${to}T00:00:00Z`).getTime(); t += 7 * DAY_MS) {
    const period = new Date(t).toISOString().slice(0, 10);
    weeks.set(period, { period, enrolled: 0, completed: 0 });
  }
  for (const r of created) weeks.get(weekStart(r.day))!.enrolled += Number(r.n);
  for (const r of completed) weeks.get(weekStart(r.day))!.completed += Number(r.n);
  return [...weeks.values()];
}

/**
 * Completion by course: every published course with its enrollments counted by where they stand
 * (completed, in progress, not started), the most enrolled first, then by title. One grouped
 * read of the enrollments (by the course index), whatever their number.
 */
export async function courseCompletion(ctx: AppContext): Promise<CourseCompletionRow[]> {
  const rows = await ctx.db
    .selectFrom('courses as c')
    .leftJoin('enrollments as e', 'e.course_id', 'c.id')
    .where('c.published', '=', 1)
    .select((eb) => [
      'c.id',
      'c.title',
      eb.fn.count<number>('e.id').as('enrolled'),
      sql<number>`sum(case when e.completed_at is not null then 1 else 0 end)`.as('completed'),
      sql<number>`sum(case when e.completed_at is null and e.completed_lessons > 0 then 1 else 0 end)`.as('in_progress'),
    ])
    .groupBy(['c.id', 'c.title'])
    .execute();
  return rows
    .map((r) => {
      const enrolled = Number(r.enrolled);
      const completed = Number(r.completed ?? 0);
      const inProgress = Number(r.in_progress ?? 0);
      return {
        courseId: r.id,
        title: r.title,
        enrolled,
        completed,
        inProgress,
        notStarted: enrolled - completed - inProgress,
        completionRate: percentOf(completed, enrolled),
      };
    })
    .sort((a, b) => b.enrolled - a.enrolled || a.title.localeCompare(b.title, 'en'));
}
