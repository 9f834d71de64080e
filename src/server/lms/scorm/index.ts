export { registerScormFiles, registerScormRoutes } from './scorm.routes.ts';
export { assertPackageLinkable } from './scorm.policy.ts';
export { scormLessonStatuses } from './outline-status.service.ts';
export { scormReportRows, type ScormReportRow } from './scorm-report.service.ts';
export { packageZipFile, preparePackage, type PreparedPackage } from './package.service.ts';
