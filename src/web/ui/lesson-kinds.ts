import type { LessonKind } from '../../contract/courses.ts';

/** What a lesson kind is called, in the portal and the desk alike. */
export const KIND_LABEL: Record<LessonKind, string> = {
  text: 'Reading',
  video: 'Video',
  pdf: 'PDF',
  scorm: 'SCORM package',
  assignment: 'Assignment',
  quiz: 'Quiz',
};
