import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import type { Tx } from '../db/database.ts';
import { grantRoleMany } from '../platform/users.service.ts';
import { recordAuditMany } from '../platform/audit.service.ts';
import { registerIntegrationRoutes } from './integration.routes.ts';
import { registerRecommendationRoutes } from './recommendations.routes.ts';
import { onOnboardingCreated } from './onboarding-hook.ts';
import { personDetailsFromHr } from './person-details.ts';
import { registerSearchRoutes } from './search.ts';
import { registerUserImportRoutes } from './user-import.routes.ts';
import { registerPasswordLinkRoutes } from './password-links.routes.ts';
import { inviteUsers } from './password-links.ts';
import { resumeMemberEnrollments, suspendMemberEnrollments } from '../lms/enrollments/index.ts';

/** The suspension reason of a leaver's enrollments. */
export const LEAVER_REASON = 'Employee left';

export { userImportKind } from './user-import.ts';
import { registerTrainingRecordRoutes } from './training-record.routes.ts';
import { registerTeamRoutes } from './team.routes.ts';
import { registerNotificationHooks, registerNotificationRoutes } from './notifications/index.ts';
import { registerRecertificationRoutes } from './recertification.routes.ts';
export { recertificationJob } from './recertification.ts';

/**
 * The one place where hr/ and lms/ meet: subscribes the HR ↔ LMS hooks and registers the routes
 * that need both (training assignments by department, filing LMS PDFs, the portal profile).
 */
export function registerIntegrations(app: App, ctx: AppContext): void {
  registerIntegrationRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerRecommendationRoutes(app, ctx);
  registerUserImportRoutes(app, ctx);
  registerPasswordLinkRoutes(app, ctx);
  // An account created without a password: its person is invited to choose one.
  ctx.hooks.on('user.created', async (trx, p) => {
    if (p.invite) await inviteUsers(ctx, trx, [p.userId], p.actorId);
  });
  registerTrainingRecordRoutes(app, ctx);
  registerTeamRoutes(app, ctx);
  registerNotificationRoutes(app, ctx);
  registerRecertificationRoutes(app, ctx);
  // Enrolled, assigned, certificate issued: notifications and mail written with the change.
  registerNotificationHooks(ctx);

  // on_employee_created / linking a user later: the user gets LMS Student in the same transaction
  // (one statement for a whole imported batch).
  const grantStudents = async (trx: Tx, actorId: string | null, importId: string | null, employees: { employeeId: string; userId: string | null }[]) => {
    const employeeOf = new Map<string, string>();
    for (const e of employees) if (e.userId) employeeOf.set(e.userId, e.employeeId);
    if (employeeOf.size === 0) return;
    const granted = await grantRoleMany(trx, [...employeeOf.keys()], 'LMS Student');
    await recordAuditMany(
      trx,
      granted.map((userId) => ({
        actorId,
        action: 'grant-role',
        entity: 'user',
        entityId: userId,
        after: { role: 'LMS Student', employeeId: employeeOf.get(userId) },
        importId,
      })),
    );
  };
  const grantStudent = (trx: Tx, p: { employeeId: string; userId: string | null; actorId: string | null }) =>
    grantStudents(trx, p.actorId, null, [p]);
  ctx.hooks.on('employee.created', grantStudent);
  ctx.hooks.on('employee.user-linked', grantStudent);
  ctx.hooks.on('employees.created', (trx, p) => grantStudents(trx, p.actorId, p.importId, p.employees));
  ctx.hooks.on('onboarding.created', (trx, p) => onOnboardingCreated(ctx, trx, p));
  // A leaver keeps their training record, but their enrollments are suspended with the status change.
  ctx.hooks.on('employee.left', async (trx, p) => {
    if (p.userId) await suspendMemberEnrollments(trx, { memberId: p.userId, reason: LEAVER_REASON, actorId: p.actorId, requestId: p.requestId });
  });
  // A leaver back (rehired, or marked left by mistake): what leaving suspended resumes; other suspensions stay.
  ctx.hooks.on('employee.returned', async (trx, p) => {
    if (p.userId) await resumeMemberEnrollments(trx, { memberId: p.userId, reason: LEAVER_REASON, actorId: p.actorId, requestId: p.requestId });
  });
  ctx.people.register(personDetailsFromHr);
}
