/**
 * Refunds, in three steps, none of which holds a transaction or a row lock while the gateway is
 * called: (1) claim — one conditional UPDATE marks the paid payment "refund under way"
 * (refund_started_at, with the reason and the revoke choice) and leases it to this request;
 * (2) the gateway gives the money back (Stripe, idempotent by its payment); (3) finish — in one
 * transaction the payment becomes refunded and, when asked, the access it gave ends (audited).
 *
 * Parallel refunds: only one request holds the lease, the others answer 409 REFUND_IN_PROGRESS,
 * so one gateway refund is made. A crash between the steps leaves the payment paid with the refund
 * under way; a retry takes it over and completes it as it was asked once the process holding the
 * claim is gone (on this machine: asked directly, so a restarted server completes it at once) or its
 * lease has run out (a process elsewhere).
 * A gateway that did not answer releases the lease at once (the retry may follow straight away);
 * a gateway that refused takes the claim back: the payment is paid as before.
 */
import type { Actor, AppContext } from '../../context.ts';
import { nowIso } from '../../db/dialect.ts';
import type { AppError } from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { ownerGone, PROCESS_OWNER } from '../../platform/process-owner.ts';
import type { Payment, RefundInput } from '../../../contract/payments.ts';
import { removePaidMember } from '../batches/index.ts';
import { revokeEnrollment } from '../enrollments/index.ts';
import { RefundRefused, gatewayFor, type PaymentGatewayClient } from './gateway.ts';
import { readPayment } from './payment.queries.ts';

/** How long a claimed refund belongs to the request that claimed it (longer than the gateway's timeouts and retry). */
export const REFUND_LEASE_MS = 120_000;

function notRefundable(status: string): AppError {
  return errors.conflict('PAYMENT_NOT_REFUNDABLE', `This payment is ${status}: only a paid payment can be refunded.`, { status });
}

function inProgress(startedAt: string | null): AppError {
  return errors.conflict('REFUND_IN_PROGRESS', 'This payment is being refunded right now. Look again in a minute.', { refundStartedAt: startedAt });
}

/** Step 1: the claim. Returns the lease, or throws 404 / 409 saying why there is none. */
async function claimRefund(ctx: AppContext, id: string, input: RefundInput): Promise<string> {
  const now = nowIso();
  const lease = new Date(Date.now() + REFUND_LEASE_MS).toISOString();
  const claim = { refund_lease_until: lease, refund_owner: PROCESS_OWNER, updated_at: now };
  const paid = ctx.db.updateTable('payments').where('id', '=', id).where('status', '=', 'paid');
  const free = paid.where((eb) => eb.or([eb('refund_lease_until', 'is', null), eb('refund_lease_until', '<', now)]));
  // A new refund records what was asked; one already under way is completed as it was asked.
  const started = await free
    .set({ ...claim, refund_started_at: now, refund_reason: input.reason, refund_revoke_access: input.revokeAccess ? 1 : 0 })
    .where('refund_started_at', 'is', null)
    .executeTakeFirst();
  if (Number(started.numUpdatedRows) === 1) return lease;
  const resumed = await free.set(claim).where('refund_started_at', 'is not', null).executeTakeFirst();
  if (Number(resumed.numUpdatedRows) === 1) return lease;
  const row = await ctx.db.selectFrom('payments').select(['status', 'refund_started_at', 'refund_lease_until', 'refund_owner']).where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The payment');
  if (row.status !== 'paid') throw notRefundable(row.status);
  // The claim's process is gone (killed mid-refund): take the claim over from exactly that holder.
  if (row.refund_started_at !== null && row.refund_lease_until !== null && row.refund_owner !== null) {
    const claimedAt = new Date(Date.parse(row.refund_lease_until) - REFUND_LEASE_MS).toISOString();
    if (ownerGone(row.refund_owner, claimedAt, { staleMs: REFUND_LEASE_MS, sameHostStaleMs: REFUND_LEASE_MS })) {
      const taken = await paid
        .set(claim)
        .where('refund_lease_until', '=', row.refund_lease_until)
        .where('refund_owner', '=', row.refund_owner)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return lease;
    }
  }
  throw inProgress(row.refund_started_at);
}

export async function refundPayment(ctx: AppContext, actor: Actor, id: string, input: RefundInput, requestId: string | null): Promise<Payment> {
  const known = await ctx.db.selectFrom('payments').select(['status', 'gateway', 'amount']).where('id', '=', id).executeTakeFirst();
  if (!known) throw errors.notFound('The payment');
  if (known.status !== 'paid') throw notRefundable(known.status);
  // The gateway (and its settings) before the claim: a missing configuration claims nothing.
  const gateway: PaymentGatewayClient | null = known.gateway !== 'none' && Number(known.amount) > 0 ? await gatewayFor(ctx, known.gateway) : null;

  const lease = await claimRefund(ctx, id, input);
  const mine = ctx.db.updateTable('payments').where('id', '=', id).where('status', '=', 'paid').where('refund_lease_until', '=', lease).where('refund_owner', '=', PROCESS_OWNER);
  const row = await ctx.db
    .selectFrom('payments')
    .select(['gateway_payment_ref', 'amount', 'enrollment_id', 'batch_member_id', 'refund_reason', 'refund_revoke_access'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

  // Step 2: the money, outside any transaction.
  if (gateway) {
    try {
      await gateway.refund(row.gateway_payment_ref, Number(row.amount));
    } catch (e) {
      const release =
        e instanceof RefundRefused
          ? { refund_started_at: null, refund_reason: null, refund_revoke_access: 0, refund_lease_until: null, refund_owner: null, updated_at: nowIso() }
          : { refund_lease_until: null, refund_owner: null, updated_at: nowIso() };
      await mine.set(release).execute();
      throw e;
    }
  }

  // Step 3: refunded, and the access it gave ended when that was asked.
  const reason = row.refund_reason ?? input.reason;
  const revokeAccess = Number(row.refund_revoke_access) === 1;
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const done = await trx
      .updateTable('payments')
      .set({ status: 'refunded', refunded_at: now, updated_at: now, refund_lease_until: null, refund_owner: null })
      .where('id', '=', id)
      .where('status', '=', 'paid')
      .where('refund_lease_until', '=', lease)
      .where('refund_owner', '=', PROCESS_OWNER)
      .executeTakeFirst();
    // Slower than the lease (or taken for dead): another request took the refund over and finishes it.
    if (Number(done.numUpdatedRows) === 0) return (await readPayment(trx, id))!;
    let revoked = false;
    if (revokeAccess && row.enrollment_id) {
      revoked = await revokeEnrollment(ctx, trx, row.enrollment_id, { actorId: actor.id, reason: `Refund: ${reason}`, requestId });
    }
    if (revokeAccess && row.batch_member_id) {
      revoked = (await removePaidMember(trx, { batchMemberId: row.batch_member_id, actorId: actor.id, reason: `Refund: ${reason}`, requestId })) || revoked;
    }
    if (revoked) await trx.updateTable('payments').set({ access_revoked: 1 }).where('id', '=', id).execute();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'payment',
      entityId: id,
      before: { status: 'paid' },
      after: { status: 'refunded', reason, revokeAccess, accessRevoked: revoked },
      requestId,
    });
    return (await readPayment(trx, id))!;
  });
}
