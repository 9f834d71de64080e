import type { Actor, AppContext } from '../context.ts';
import { addDays, today } from '../db/dialect.ts';
import { directReportsOf, employeeOfUser } from '../hr/employees/index.ts';
import { trainingHistoryOf } from '../lms/training/index.ts';
import type { Team, TeamMember } from '../../contract/team.ts';
import type { TrainingRecordCourse } from '../../contract/training-record.ts';

/** The most direct reports one answer lists. */
export const TEAM_MAX = 200;
const DUE_SOON_DAYS = 14;
/** Members whose training is read at the same time. */
const PARALLEL = 8;

function summarise(courses: TrainingRecordCourse[], on: string): Pick<TeamMember, 'required' | 'completed' | 'inProgress' | 'notStarted' | 'overdue' | 'dueSoon' | 'courses'> {
  const soon = addDays(on, DUE_SOON_DAYS);
  const required = courses
    .filter((c) => c.mandatory || c.assigned)
    .map((c) => ({
      courseId: c.courseId,
      title: c.title,
      mandatory: c.mandatory,
      assigned: c.assigned,
      status: c.status,
      progress: c.progress,
      dueDate: c.dueDate,
      overdue: c.status !== 'completed' && c.overdue,
      dueSoon: c.status !== 'completed' && !c.overdue && c.dueDate !== null && c.dueDate <= soon,
      completedAt: c.completedAt,
    }));
  const rank = (c: (typeof required)[number]) => (c.overdue ? 0 : c.dueSoon ? 1 : c.status === 'completed' ? 3 : 2);
  required.sort((a, b) => rank(a) - rank(b) || (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.title.localeCompare(b.title));
  return {
    required: required.length,
    completed: required.filter((c) => c.status === 'completed').length,
    inProgress: required.filter((c) => c.status === 'in-progress').length,
    notStarted: required.filter((c) => c.status === 'enrolled' || c.status === 'not-enrolled').length,
    overdue: required.filter((c) => c.overdue).length,
    dueSoon: required.filter((c) => c.dueSoon).length,
    courses: required,
  };
}

/**
 * A manager's team: the active employees who report directly to the caller's employee record,
 * each with their mandatory and assigned courses (status, progress, due date, overdue, due soon).
 * Anyone may ask; without an employee record, or without reports, the team is empty.
 */
export async function myTeam(ctx: AppContext, actor: Actor): Promise<Team> {
  const me = actor.id ? await employeeOfUser(ctx.db, actor.id) : null;
  if (!me) return { manager: null, members: [], truncated: false };
  const reports = await directReportsOf(ctx.db, me.id, TEAM_MAX + 1);
  const listed = reports.slice(0, TEAM_MAX);
  const on = today();
  const members: TeamMember[] = [];
  for (let i = 0; i < listed.length; i += PARALLEL) {
    const part = listed.slice(i, i + PARALLEL);
    // Without an account nobody can be enrolled or assigned: the history of no member is the mandatory courses, not started.
    const histories = await Promise.all(part.map((e) => trainingHistoryOf(ctx.db, e.userId ?? '')));
    part.forEach((e, j) =>
      members.push({
        employeeId: e.id,
        fullName: e.fullName,
        department: e.department,
        designation: e.designation,
        hasAccount: e.userId !== null,
        ...summarise(histories[j]!, on),
      }),
    );
  }
  return { manager: { employeeId: me.id, fullName: me.fullName }, members, truncated: reports.length > TEAM_MAX };
}
