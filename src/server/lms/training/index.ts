export { registerTrainingAssignmentImportRoutes } from './assignment-import.routes.ts';
export { trainingAssignmentImportKind } from './assignment-import.service.ts';
export { registerTrainingAssignmentRoutes } from './assignment.routes.ts';
export { assignCourse, registerTrainingAssignmentHooks } from './assignment.service.ts';
export { assignmentsOf } from './assignment.queries.ts';
export type { AudienceResolver, AudienceTarget } from './assignment.service.ts';
export { trainingHistoryOf } from './training-record.queries.ts';
