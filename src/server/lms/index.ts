import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { registerAssignmentRoutes } from './assignments/index.ts';
import { registerBatchAssessmentRoutes, registerBatchExport, registerBatchRoutes, registerLiveClassRoutes } from './batches/index.ts';
import { issueOnCompletion, registerCertificateRoutes } from './certificates/index.ts';
import { registerCourseArchiveRoutes, registerCourseAuditRoutes, registerCourseRoutes } from './courses/index.ts';
import { registerEvaluationRoutes } from './evaluations/index.ts';
import { registerEnrollmentImportRoutes, registerEnrollmentRoutes } from './enrollments/index.ts';
import { registerPaymentRoutes, registerStripeWebhookRoute } from './payments/index.ts';
import { registerQuizRoutes } from './quizzes/index.ts';
import { registerScormFiles, registerScormRoutes } from './scorm/index.ts';
import { registerTrainingAssignmentHooks, registerTrainingAssignmentImportRoutes } from './training/index.ts';

/**
 * The LMS side's routes (courses, enrollments, quizzes, certificates, batches, SCORM, assignments, evaluations, payments, training-assignment imports)
 * and its internal hooks. Training assignment routes need HR's audiences: integration/ registers them.
 */
export function registerLms(app: App, ctx: AppContext): void {
  registerCourseRoutes(app, ctx);
  registerCourseAuditRoutes(app, ctx);
  registerCourseArchiveRoutes(app, ctx);
  registerEnrollmentRoutes(app, ctx);
  registerEnrollmentImportRoutes(app, ctx);
  registerTrainingAssignmentImportRoutes(app, ctx);
  registerQuizRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerBatchRoutes(app, ctx);
  registerBatchExport(app, ctx);
  registerLiveClassRoutes(app, ctx);
  registerScormRoutes(app, ctx);
  registerScormFiles(app, ctx);
  registerBatchAssessmentRoutes(app, ctx);
  registerAssignmentRoutes(app, ctx);
  registerEvaluationRoutes(app, ctx);
  registerPaymentRoutes(app, ctx);
  registerStripeWebhookRoute(app, ctx);
  // In the transaction that completed the enrollment: the certificate commits or rolls back with it.
  ctx.hooks.on('enrollment.completed', async (trx, p) => {
    await issueOnCompletion(ctx, trx, { courseId: p.courseId, memberIds: p.completions.map((c) => c.memberId), actorId: p.actorId });
  });
  // A matching open training assignment is completed in the same transaction.
  registerTrainingAssignmentHooks(ctx);
}
