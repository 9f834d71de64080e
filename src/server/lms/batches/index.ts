export { registerBatchExport, registerBatchRoutes } from './batch.routes.ts';
export { registerLiveClassRoutes } from './live-class.routes.ts';
export { backfillCourse } from './batch.queries.ts';
export { addBatchCourse } from './batch.service.ts';
export { registerBatchAssessmentRoutes } from './batch-assessment.routes.ts';
export { managedBatch } from './batch.service.ts';
export { admitPaidMember, removePaidMember } from './batch-members.service.ts';
export { lockBatch } from './batch.service.ts';
