import type { AppContext } from '../context.ts';
import type { Tx } from '../db/database.ts';
import { getSettings } from '../platform/settings.service.ts';
import { addDays } from '../hr/index.ts';
import type { OnboardingHookItem } from '../hr/index.ts';
import { assignCourse } from '../lms/training/index.ts';

/**
 * on_onboarding_created: every onboarded employee with a linked user is enrolled in every
 * published mandatory course (source onboarding; an existing enrollment is reused) and gets one
 * training assignment per course, due onboarding date + LMS Settings defaultDueDays. Unpublished
 * mandatory courses, employees without a user and courses already completed are reported as
 * skipped. Runs inside the onboarding's transaction; set-based per course and due date.
 */
export async function onOnboardingCreated(ctx: AppContext, trx: Tx, p: { actorId: string | null; onboardings: OnboardingHookItem[] }): Promise<void> {
  const courses = await trx
    .selectFrom('courses')
    .select(['id', 'published'])
    .where('mandatory', '=', 1)
    .orderBy('title')
    .orderBy('id')
    .execute();
  if (!courses.length) return;
  const { defaultDueDays } = await getSettings(trx);

  const withUser: OnboardingHookItem[] = [];
  for (const item of p.onboardings) {
    if (item.userId) withUser.push(item);
    else for (const c of courses) item.result.skipped.push({ courseId: c.id, reason: 'no linked user' });
  }
  for (const c of courses.filter((x) => x.published !== 1)) {
    for (const item of withUser) item.result.skipped.push({ courseId: c.id, reason: 'course unpublished' });
  }
  // Members grouped by due date (a batch may carry several onboarding dates).
  const byDue = new Map<string, OnboardingHookItem[]>();
  for (const item of withUser) {
    const due = addDays(item.onboardingDate, defaultDueDays);
    byDue.set(due, [...(byDue.get(due) ?? []), item]);
  }
  for (const course of courses.filter((x) => x.published === 1)) {
    for (const [dueDate, items] of byDue) {
      const onboardingOf = new Map(items.map((i) => [i.userId!, i.onboardingId]));
      const r = await assignCourse(ctx, trx, {
        courseId: course.id,
        memberIds: [...onboardingOf.keys()],
        dueDate,
        source: 'onboarding',
        actorId: p.actorId,
        onboardingOf,
      });
      for (const item of items) {
        const e = r.enrollments.get(item.userId!);
        if (!e) continue;
        if (e.completed) {
          item.result.skipped.push({ courseId: course.id, reason: 'already completed' });
          continue;
        }
        item.result.enrolled.push({ courseId: course.id, enrollmentId: e.enrollmentId, reused: !e.created });
        const a = r.byMember.get(item.userId!);
        if (a) {
          item.result.assignments.push({
            id: a.assignment.id,
            courseId: course.id,
            enrollmentId: a.assignment.enrollmentId,
            dueDate: a.assignment.dueDate,
            reused: a.reused,
          });
        }
      }
    }
  }
}
