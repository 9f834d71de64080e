/**
 * The outline a learner sees: chapters and lessons with the caller's completion and enrollment.
 */
import type { Actor, AppContext } from '../../context.ts';
import { hasAnyRole } from '../../http/access.ts';
import { errors } from '../../http/errors.ts';
import { DEFAULT_ATTESTATION_TEXT, type LessonKind, type Outline } from '../../../contract/courses.ts';
import type { EnrollmentSource } from '../../../contract/enrollments.ts';
import { isCourseAdmin } from './course.policy.ts';
import { progressSql } from '../enrollments/index.ts';
import { courseImageUrl } from './course.present.ts';
import { scormLessonStatuses } from '../scorm/index.ts';
import { inCurrentCycle } from '../quizzes/index.ts';

// ---------------------------------------------------------------------------------------------
// Outline

/**
 * Of these quizzes, those the member has used every attempt of (the quiz's maximum plus their
 * override's extra attempts) without passing, none in progress or awaiting review, in the current
 * recertification cycle. One query.
 */
async function quizzesCompletedNotPassed(ctx: AppContext, memberId: string, quizIds: string[]): Promise<Set<string>> {
  if (!quizIds.length) return new Set();
  const rows = await ctx.db
    .selectFrom('quizzes')
    .innerJoin('quiz_submissions', (j) =>
      j
        .onRef('quiz_submissions.quiz_id', '=', 'quizzes.id')
        .on('quiz_submissions.member_id', '=', memberId)
        .on('quiz_submissions.preview', '=', 0)
        .on(inCurrentCycle('quiz_submissions')),
    )
    .leftJoin('quiz_overrides', (j) => j.onRef('quiz_overrides.quiz_id', '=', 'quizzes.id').on('quiz_overrides.member_id', '=', memberId))
    .select((eb) => [
      'quizzes.id',
      eb.fn.max('quizzes.max_attempts').as('max'),
      eb.fn.max('quiz_overrides.extra_attempts').as('extra'),
      eb.fn.count('quiz_submissions.id').as('used'),
      eb.fn.max('quiz_submissions.passed').as('passed'),
      eb.fn.sum(eb.case().when('quiz_submissions.status', 'in', ['in_progress', 'pending_review']).then(1).else(0).end()).as('open'),
    ])
    .where('quizzes.id', 'in', quizIds)
    .groupBy('quizzes.id')
    .execute();
  return new Set(
    rows
      .filter((r) => Number(r.max) > 0 && Number(r.passed ?? 0) !== 1 && Number(r.open ?? 0) === 0 && Number(r.used) >= Number(r.max) + Number(r.extra ?? 0))
      .map((r) => r.id),
  );
}

/**
 * The course's chapters and lessons in order, each lesson with whether the caller completed it,
 * and the caller's enrollment. Three queries whatever the size of the course (five with incomplete
 * SCORM lessons).
 */
export async function getOutline(ctx: AppContext, actor: Actor, courseId: string): Promise<Outline> {
  const actorId = actor.id ?? '';
  const head = await ctx.db
    .selectFrom('courses')
    .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'courses.id').on('enrollments.member_id', '=', actorId))
    .select([
      'courses.id',
      'courses.title',
      'courses.short_introduction',
      'courses.image_file_id',
      'courses.published',
      'courses.mandatory',
      'courses.paid',
      'courses.sequential',
      'courses.enable_certification',
      'courses.evaluation_required',
      'courses.certificate_validity_months',
      'courses.requires_attestation',
      'courses.attestation_text',
      'enrollments.id as enrollment_id',
      progressSql('enrollments', 'courses').as('progress'),
      'enrollments.current_lesson_id',
      'enrollments.completed_at',
      'enrollments.source',
      'enrollments.suspended_at',
      'enrollments.suspend_reason',
    ])
    .select((eb) => [
      eb
        .selectFrom('course_instructors')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('course_instructors.course_id', '=', 'courses.id')
        .where('course_instructors.user_id', '=', actorId)
        .as('teaches'),
    ])
    .where('courses.id', '=', courseId)
    .executeTakeFirst();
  if (!head) throw errors.notFound('The course');
  const canManage = isCourseAdmin(actor) || (hasAnyRole(actor.roles, ['Course Creator']) && Number(head.teaches ?? 0) > 0);
  const enrolled = head.enrollment_id !== null;
  if (head.published !== 1 && !canManage && !enrolled) throw errors.notFound('The course');

  const chapters = await ctx.db
    .selectFrom('chapters')
    .select(['id', 'title', 'position'])
    .where('course_id', '=', courseId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const lessons = await ctx.db
    .selectFrom('lessons')
    .leftJoin('lesson_completions', (j) =>
      j.onRef('lesson_completions.lesson_id', '=', 'lessons.id').on('lesson_completions.member_id', '=', actorId),
    )
    .select([
      'lessons.id',
      'lessons.chapter_id',
      'lessons.title',
      'lessons.kind',
      'lessons.position',
      'lessons.is_preview',
      'lessons.quiz_id',
      'lesson_completions.id as completion_id',
    ])
    .where('lessons.course_id', '=', courseId)
    .orderBy('lessons.position')
    .orderBy('lessons.id')
    .execute();

  // The enrolled caller's incomplete SCORM lessons say which SCOs are not done yet.
  const openScorm = enrolled ? lessons.filter((l) => l.kind === 'scorm' && l.completion_id === null).map((l) => l.id) : [];
  const scorm = await scormLessonStatuses(ctx.db, actorId, openScorm);
  const openQuizzes = enrolled ? lessons.filter((l) => l.kind === 'quiz' && l.completion_id === null && l.quiz_id).map((l) => l.quiz_id!) : [];
  const notPassed = await quizzesCompletedNotPassed(ctx, actorId, openQuizzes);
  const byChapter = new Map<string, Outline['chapters'][number]['lessons']>();
  for (const l of lessons) {
    const list = byChapter.get(l.chapter_id) ?? [];
    list.push({
      id: l.id,
      title: l.title,
      kind: l.kind as LessonKind,
      position: l.position,
      isPreview: l.is_preview === 1,
      completed: l.completion_id !== null,
      locked: false,
      ...(scorm.has(l.id) ? { scorm: scorm.get(l.id)! } : {}),
      ...(l.quiz_id && notPassed.has(l.quiz_id) ? { quizCompletedNotPassed: true } : {}),
    });
    byChapter.set(l.chapter_id, list);
  }
  const outlineChapters = chapters.map((c) => ({ id: c.id, title: c.title, position: c.position, lessons: byChapter.get(c.id) ?? [] }));
  if (head.sequential === 1 && !canManage) {
    // In a sequential course a lesson opens when every lesson before it (in reading order) is complete.
    let open = true;
    for (const lesson of outlineChapters.flatMap((c) => c.lessons)) {
      lesson.locked = !open;
      open &&= lesson.completed;
    }
  }
  return {
    course: {
      id: head.id,
      title: head.title,
      shortIntroduction: head.short_introduction,
      imageUrl: courseImageUrl(head.id, head.image_file_id),
      published: head.published === 1,
      mandatory: head.mandatory === 1,
      paid: head.paid === 1,
      sequential: head.sequential === 1,
      enableCertification: head.enable_certification === 1,
      evaluationRequired: head.evaluation_required === 1,
      certificateValidityMonths: head.certificate_validity_months,
      requiresAttestation: head.requires_attestation === 1,
      attestationText: head.attestation_text ?? DEFAULT_ATTESTATION_TEXT,
      lessonCount: lessons.length,
      canManage,
    },
    chapters: outlineChapters,
    enrollment:
      head.enrollment_id !== null
        ? {
            id: head.enrollment_id,
            progress: head.progress ?? 0,
            currentLessonId: head.current_lesson_id,
            completedAt: head.completed_at,
            source: head.source as EnrollmentSource,
            suspendedAt: head.suspended_at,
            suspendReason: head.suspend_reason,
          }
        : null,
  };
}
