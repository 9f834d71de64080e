export {
  HR_READERS,
  canManageCourse,
  canSeeCourse,
  canSeeLearnersOf,
  isCourseAdmin,
  isInstructor,
  readableByMemberOrInstructor,
} from './course.policy.ts';
export { courseImageUrl, parseTags } from './course.present.ts';
export { registerCourseRoutes } from './course.routes.ts';
export { registerCourseAuditRoutes } from './course-audit.routes.ts';
export { registerCourseArchiveRoutes } from './course-archive.routes.ts';
export { exportCourseArchive } from './course-archive-export.service.ts';
export { importCourseArchiveFile } from './course-archive-import.service.ts';
export { createCourse, getCourse, listCourses, searchCourses } from './course.service.ts';
export { createChapter, createLesson } from './structure.service.ts';
