export { assertUnlocked, completeLesson, lockForCompletion, markLessonComplete, setCurrentLesson } from './completion.service.ts';
export { registerEnrollmentImportRoutes } from './enrollment-import.routes.ts';
export {
  ImportCourses,
  enrollmentImportKind,
  memberAndCourseHeaderErrors,
  pairsFound,
  resolveImportMembers,
} from './enrollment-import.service.ts';
export type { RowError } from './enrollment-import.service.ts';
export { registerEnrollmentRoutes } from './enrollment.routes.ts';
export { adminEnroll, assertSelfEnrollmentOpen, enroll, getEnrollment, newEnrollmentRow, selfEnroll, toEnrollment, toNewEnrollment } from './enrollment.service.ts';
export { progressSql, recomputeProgress } from './progress.service.ts';
export { revokeEnrollment } from './enrollment-removal.service.ts';
export { assertEnrollmentActive, assertSomeEnrollmentActive, enrollmentSuspended, resumeMemberEnrollments, suspendMemberEnrollments } from './enrollment-rules.service.ts';
