/**
 * Who may author, take and read quizzes and their submissions; the rows they are read from.
 */
import { type Selectable } from 'kysely';
import type { Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { QuizQuestionsTable, QuizSubmissionsTable, QuizzesTable } from '../../db/schema-quizzes.ts';
import { hasAnyRole } from '../../http/access.ts';
import { AppError, errors } from '../../http/errors.ts';
import { HR_READERS, canManageCourse, isCourseAdmin, isInstructor } from '../courses/index.ts';

export type QuizRow = Selectable<QuizzesTable>;
export type QuestionRow = Selectable<QuizQuestionsTable>;
export type SubmissionRow = Selectable<QuizSubmissionsTable>;

export interface AttemptOrder {
  questions: string[];
  options: Record<string, number[]>;
}

// ---------------------------------------------------------------------------------------------
// Access

/** Roles that read every submission (graders and HR filing reports); Course Creators read their courses'. */
export const SUBMISSION_READERS = ['Moderator', 'Batch Evaluator', ...HR_READERS] as const;

/** Authors: quizzes of a course are managed by the course's managers; course-less quizzes by admins. */
async function canManageQuiz(db: Executor, actor: Actor, quiz: Pick<QuizRow, 'course_id'>): Promise<boolean> {
  if (quiz.course_id === null) return isCourseAdmin(actor);
  return canManageCourse(db, actor, quiz.course_id);
}

/**
 * A quiz lesson links a quiz of its own course, or a course-less quiz its author may manage (course
 * admins). Anything else is refused before a row is written: 404 NOT_FOUND for an unknown quiz or
 * one the actor may not manage (as if it did not exist), 422 QUIZ_NOT_IN_COURSE for a quiz of
 * another course.
 */
export async function assertQuizLinkable(db: Executor, actor: Actor, quizId: string, courseId: string): Promise<void> {
  const quiz = await db.selectFrom('quizzes').select(['id', 'course_id']).where('id', '=', quizId).executeTakeFirst();
  if (!quiz || !(await canManageQuiz(db, actor, quiz))) {
    throw new AppError(404, 'NOT_FOUND', 'The quiz was not found.', {
      errors: [{ path: 'quizId', message: 'No quiz you manage has this id.' }],
    });
  }
  if (quiz.course_id !== null && quiz.course_id !== courseId) {
    throw errors.unprocessable('QUIZ_NOT_IN_COURSE', 'This quiz belongs to another course. A lesson links a quiz of its own course.', {
      quizId,
      quizCourseId: quiz.course_id,
      errors: [{ path: 'quizId', message: 'This quiz belongs to another course.' }],
    });
  }
}

/** The courses through which the member takes this quiz: its own course and courses whose lessons link it. */
export async function enrolledForQuiz(db: Executor, memberId: string, quiz: Pick<QuizRow, 'id' | 'course_id'>): Promise<boolean> {
  const row = await db
    .selectFrom('enrollments')
    .select('enrollments.id')
    .where('enrollments.member_id', '=', memberId)
    .where((eb) =>
      eb.or([
        eb('enrollments.course_id', '=', quiz.course_id ?? ''),
        eb.exists(
          eb
            .selectFrom('lessons')
            .select('lessons.id')
            .whereRef('lessons.course_id', '=', 'enrollments.course_id')
            .where('lessons.quiz_id', '=', quiz.id),
        ),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

type QuizAccess = 'manage' | 'take';

/**
 * 'manage' for its authors, 'take' for enrolled learners; 404 for everyone else. Authors see the
 * answer key, so what they submit can never be a real attempt: their attempts are previews (even
 * when they are enrolled too), graded the same way but never counted, listed, reported, and never
 * completing a lesson.
 */
export async function quizAccess(db: Executor, actor: Actor, quiz: QuizRow): Promise<QuizAccess> {
  if (await canManageQuiz(db, actor, quiz)) return 'manage';
  if (actor.id && (await enrolledForQuiz(db, actor.id, quiz))) return 'take';
  throw errors.notFound('The quiz');
}

export async function loadQuiz(db: Executor, id: string): Promise<QuizRow> {
  const quiz = await db.selectFrom('quizzes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!quiz) throw errors.notFound('The quiz');
  return quiz;
}

export async function canSeeSubmissionsOfCourse(db: Executor, actor: Actor, courseId: string | null): Promise<boolean> {
  if (isCourseAdmin(actor) || hasAnyRole(actor.roles, SUBMISSION_READERS)) return true;
  if (courseId === null || !hasAnyRole(actor.roles, ['Course Creator'])) return false;
  return isInstructor(db, actor, courseId);
}

/** A preview is seen by the author who made it only. */
export async function canSeeSubmission(
  db: Executor,
  actor: Actor,
  s: Pick<SubmissionRow, 'member_id' | 'course_id' | 'preview'>,
): Promise<boolean> {
  if (actor.id && s.member_id === actor.id) return true;
  if (s.preview === 1) return false;
  return canSeeSubmissionsOfCourse(db, actor, s.course_id);
}

export async function canGradeSubmission(db: Executor, actor: Actor, s: Pick<SubmissionRow, 'course_id'>): Promise<boolean> {
  if (isCourseAdmin(actor) || hasAnyRole(actor.roles, ['Batch Evaluator'])) return true;
  if (s.course_id === null || !hasAnyRole(actor.roles, ['Course Creator'])) return false;
  return isInstructor(db, actor, s.course_id);
}
