import type { AppContext } from '../context.ts';
import { issueOnCompletion } from './certificate.service.ts';
import { registerTrainingAssignmentHooks } from './training-assignment.service.ts';

/** Subscribes LMS-internal hooks (e.g. certificates issued on enrollment.completed). */
export function registerLmsHooks(ctx: AppContext): void {
  // In the transaction that completed the enrollment: the certificate commits or rolls back with it.
  ctx.hooks.on('enrollment.completed', async (trx, p) => {
    await issueOnCompletion(ctx, trx, { courseId: p.courseId, memberIds: p.completions.map((c) => c.memberId), actorId: p.actorId });
  });
  // A matching open training assignment is completed in the same transaction.
  registerTrainingAssignmentHooks(ctx);
}
