/**
 * Data of the learning portal: types (from the shared contract, types only so no zod reaches the
 * browser bundle), query keys and the query hooks the pages share.
 */
import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { Team } from '../../contract/team.ts';
import type { z } from 'zod';
import type { Course, Lesson, Outline } from '../../contract/courses.ts';
import type { Enrollment, LearnerRowSchema, MyCourseSchema } from '../../contract/enrollments.ts';
import type { Quiz, Submission, SubmissionResultSchema, SubmissionRowSchema } from '../../contract/quizzes.ts';
import type { Certificate, CourseCertificateStateSchema, Verification } from '../../contract/certificates.ts';
import type { TrainingAssignment } from '../../contract/training-assignments.ts';
import type { Employee } from '../../contract/employees.ts';
import type { EmployeeCompliance } from '../../contract/compliance.ts';
import type { EmployeeDocument } from '../../contract/documents.ts';
import type { Recommendation } from '../../contract/recommendations.ts';
import { MY_ASSIGNMENTS_URL, MY_COURSES_URL } from '../../contract/first-requests.ts';
import { api, getFirst } from '../ui/api.ts';

export type { Course, Lesson, Outline, Enrollment, Quiz, Submission, Certificate, Verification, TrainingAssignment, Recommendation };
export type MyCourse = z.infer<typeof MyCourseSchema>;
export type LearnerRow = z.infer<typeof LearnerRowSchema>;
export type SubmissionResult = z.infer<typeof SubmissionResultSchema>;
export type SubmissionRow = z.infer<typeof SubmissionRowSchema>;
export type CourseCertificateState = z.infer<typeof CourseCertificateStateSchema>;
export type OutlineLesson = Outline['chapters'][number]['lessons'][number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

export interface ProgressStats {
  enrolled: number;
  completed: number;
  distribution: { range: string; learners: number }[];
  lessons: { lessonId: string; title: string; completed: number }[];
}

export interface MeHr {
  employee: Employee | null;
  documents: EmployeeDocument[];
  compliance: EmployeeCompliance[];
  assignments: TrainingAssignment[];
}

export const keys = {
  myCourses: ['me', 'courses'] as const,
  myRecommendations: (limit: number) => ['me', 'recommendations', limit] as const,
  myAssignments: ['me', 'assignments'] as const,
  myCertificates: ['me', 'certificates'] as const,
  meHr: ['me', 'hr'] as const,
  myTeam: ['me', 'team'] as const,
  catalog: (params: string) => ['courses', 'catalog', params] as const,
  facets: ['courses', 'facets'] as const,
  outline: (courseId: string) => ['courses', courseId, 'outline'] as const,
  certificateState: (courseId: string) => ['courses', courseId, 'certificate'] as const,
  lesson: (lessonId: string) => ['lessons', lessonId] as const,
  quiz: (quizId: string) => ['quizzes', quizId] as const,
  latestSubmission: (quizId: string) => ['quizzes', quizId, 'latest-submission'] as const,
  verify: (code: string) => ['certificates', 'verify', code] as const,
};

export function useMyCourses() {
  return useQuery({ queryKey: keys.myCourses, queryFn: ({ signal }) => getFirst<{ items: MyCourse[] }>(MY_COURSES_URL, { signal }) });
}

/** Published courses suggested to the caller, each with the reason why. */
export function useRecommendations(limit: number, enabled = true) {
  return useQuery({
    queryKey: keys.myRecommendations(limit),
    enabled,
    queryFn: ({ signal }) => api.get<Recommendation[]>(`/api/me/recommendations?limit=${limit}`, { signal }),
  });
}

/** The caller's own training assignments (learners only ever see their own). */
export function useMyAssignments() {
  return useQuery({
    queryKey: keys.myAssignments,
    queryFn: ({ signal }) => getFirst<Page<TrainingAssignment>>(MY_ASSIGNMENTS_URL, { signal }),
  });
}

export function useOutline(courseId: string) {
  return useQuery({ queryKey: keys.outline(courseId), queryFn: ({ signal }) => api.get<Outline>(`/api/courses/${courseId}/outline`, { signal }) });
}

export function useLesson(lessonId: string | null) {
  return useQuery({
    queryKey: keys.lesson(lessonId ?? ''),
    queryFn: ({ signal }) => api.get<Lesson>(`/api/lessons/${lessonId}`, { signal }),
    enabled: !!lessonId,
    staleTime: 60_000,
  });
}

export function useQuiz(quizId: string | null) {
  return useQuery({
    queryKey: keys.quiz(quizId ?? ''),
    queryFn: ({ signal }) => api.get<Quiz>(`/api/quizzes/${quizId}`, { signal }),
    enabled: !!quizId,
  });
}

/** The caller's latest attempt at a quiz, or null before the first. */
export function useLatestSubmission(quizId: string | null) {
  return useQuery({
    queryKey: keys.latestSubmission(quizId ?? ''),
    queryFn: async ({ signal }) => (await api.get<Page<SubmissionRow>>(`/api/quiz-submissions?quizId=${quizId}&limit=1`, { signal })).items[0] ?? null,
    enabled: !!quizId,
  });
}

export function useCertificateState(courseId: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.certificateState(courseId),
    queryFn: ({ signal }) => api.get<CourseCertificateState>(`/api/courses/${courseId}/certificate`, { signal }),
    enabled,
  });
}

/**
 * After a lesson completed or a quiz was passed: put the new progress into the cached outline at
 * once (the progress bar moves without a reload) and refresh what depends on it.
 */
export function applyEnrollment(client: QueryClient, courseId: string, enrollment: Enrollment, completedLessonId?: string): void {
  client.setQueryData<Outline>(keys.outline(courseId), (old) => {
    if (!old) return old;
    return {
      ...old,
      enrollment: old.enrollment
        ? {
            ...old.enrollment,
            progress: enrollment.progress,
            currentLessonId: enrollment.currentLessonId,
            completedAt: enrollment.completedAt,
          }
        : old.enrollment,
      chapters: completedLessonId
        ? old.chapters.map((c) => ({ ...c, lessons: c.lessons.map((l) => (l.id === completedLessonId ? { ...l, completed: true } : l)) }))
        : old.chapters,
    };
  });
  void client.invalidateQueries({ queryKey: keys.myCourses });
  void client.invalidateQueries({ queryKey: keys.certificateState(courseId) });
  void client.invalidateQueries({ queryKey: keys.myCertificates });
}

/** Lessons of an outline in course order. */
export function flatLessons(outline: Outline): OutlineLesson[] {
  return outline.chapters.flatMap((c) => c.lessons);
}

/** Where "Continue" leads: the current lesson, else the first pending one, else the first. */
export function continueLessonId(outline: Outline): string | null {
  const lessons = flatLessons(outline);
  const current = outline.enrollment?.currentLessonId;
  if (current && lessons.some((l) => l.id === current)) return current;
  return (lessons.find((l) => !l.completed) ?? lessons[0])?.id ?? null;
}

export { KIND_LABEL } from '../ui/lesson-kinds.ts';
export { todayIso } from '../ui/dates.ts';

/** The caller's direct reports with their required training (empty for everyone who manages nobody). */
export function useMyTeam() {
  return useQuery({ queryKey: keys.myTeam, queryFn: ({ signal }) => api.get<Team>('/api/me/team', { signal }), staleTime: 60_000 });
}
