/**
 * "Invite to Smooth" from the employee form: HR creates the account of an employee who has none,
 * linked to the employee, with roles from a short list, and its person gets an invitation to
 * choose a password. The account, the link and the invitation commit together or not at all.
 */
import type { Actor, AppContext } from '../context.ts';
import { errors } from '../http/errors.ts';
import { hasAnyRole } from '../http/access.ts';
import { HR_MANAGER_GRANTABLE } from '../../contract/imports.ts';
import { ROLES, type Role } from '../../contract/roles.ts';
import { recordAudit } from '../platform/audit.service.ts';
import { insertUser } from '../platform/users.service.ts';
import { invitationState, type InvitationState } from './password-links.ts';

function hasAccount() {
  return errors.conflict('EMPLOYEE_HAS_ACCOUNT', 'This employee already has an account; resend its invitation instead.');
}

export async function inviteEmployee(
  ctx: AppContext,
  actor: Actor,
  employeeId: string,
  input: { email: string; roles: readonly Role[] },
): Promise<InvitationState & { employeeId: string }> {
  const grantable = hasAnyRole(actor.roles, ['System Manager']) ? ROLES : HR_MANAGER_GRANTABLE;
  const refused = input.roles.filter((r) => !grantable.includes(r));
  if (refused.length > 0) {
    throw errors.validation(
      [{ path: 'roles', message: `You may not give the role ${refused.map((r) => `"${r}"`).join(', ')}. You may give: ${grantable.join(', ')}.` }],
      'You may not give one of these roles.',
    );
  }
  const userId = await ctx.db.transaction().execute(async (trx) => {
    const employee = await trx
      .selectFrom('employees')
      .select(['id', 'full_name', 'user_id', 'status'])
      .where('id', '=', employeeId)
      .executeTakeFirst();
    if (!employee) throw errors.notFound('The employee');
    if (employee.user_id) throw hasAccount();
    if (employee.status !== 'active') throw errors.unprocessable('EMPLOYEE_NOT_ACTIVE', 'The employee has left; only active employees can be invited.');
    const roles: Role[] = input.roles.length > 0 ? [...input.roles] : ['LMS Student'];
    // No password: the user.created hook sends the invitation in this transaction.
    const user = await insertUser(ctx, trx, actor, { email: input.email, fullName: employee.full_name, roles });
    const linked = await trx
      .updateTable('employees')
      .set({ user_id: user.id, updated_at: user.createdAt })
      .where('id', '=', employeeId)
      .where('user_id', 'is', null)
      .executeTakeFirst();
    // Someone linked another account meanwhile: nothing of this invitation stays.
    if (Number(linked.numUpdatedRows) !== 1) throw hasAccount();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'employee',
      entityId: employeeId,
      before: { userId: null },
      after: { userId: user.id, email: user.email, invited: true },
    });
    await ctx.hooks.emit('employee.user-linked', trx, { employeeId, userId: user.id, actorId: actor.id });
    return user.id;
  });
  return { ...(await invitationState(ctx.db, userId)), employeeId };
}

/** The invitation state of an employee's account, or null when the employee has none. */
export async function employeeInvitation(ctx: AppContext, employeeId: string): Promise<InvitationState | null> {
  const employee = await ctx.db.selectFrom('employees').select(['user_id']).where('id', '=', employeeId).executeTakeFirst();
  if (!employee) throw errors.notFound('The employee');
  return employee.user_id ? invitationState(ctx.db, employee.user_id) : null;
}
