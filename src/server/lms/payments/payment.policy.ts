import type { Actor } from '../../context.ts';
import { hasAnyRole } from '../../http/access.ts';
import type { Role } from '../../../contract/roles.ts';

/** Who manages payments and coupons: sees every payment, marks invoices paid, refunds. */
export const PAYMENT_STAFF: readonly Role[] = ['System Manager', 'Moderator'];

export function isPaymentStaff(actor: Actor): boolean {
  return hasAnyRole(actor.roles, PAYMENT_STAFF);
}

/** A payment is seen by its member and by payment staff; anyone else gets 404. */
export function canSeePayment(actor: Actor, p: { memberId: string }): boolean {
  return (actor.id !== null && p.memberId === actor.id) || isPaymentStaff(actor);
}
