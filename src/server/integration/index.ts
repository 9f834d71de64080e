import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import type { Tx } from '../db/database.ts';
import { grantRole } from '../platform/users.service.ts';
import { recordAudit } from '../platform/audit.service.ts';
import { registerIntegrationRoutes } from './integration.routes.ts';
import { onOnboardingCreated } from './onboarding-hook.ts';
import { personDetailsFromHr } from './person-details.ts';

/**
 * The one place where hr/ and lms/ meet: subscribes the HR ↔ LMS hooks and registers the routes
 * that need both (training assignments by department, filing LMS PDFs, the portal profile).
 */
export function registerIntegrations(app: App, ctx: AppContext): void {
  registerIntegrationRoutes(app, ctx);

  // on_employee_created / linking a user later: the user gets LMS Student in the same transaction.
  const grantStudent = async (trx: Tx, p: { employeeId: string; userId: string | null; actorId: string | null }) => {
    if (!p.userId) return;
    if (await grantRole(trx, p.userId, 'LMS Student')) {
      await recordAudit(trx, { actorId: p.actorId, action: 'grant-role', entity: 'user', entityId: p.userId, after: { role: 'LMS Student', employeeId: p.employeeId } });
    }
  };
  ctx.hooks.on('employee.created', grantStudent);
  ctx.hooks.on('employee.user-linked', grantStudent);
  ctx.hooks.on('onboarding.created', (trx, p) => onOnboardingCreated(ctx, trx, p));
  ctx.people.register(personDetailsFromHr);
}
