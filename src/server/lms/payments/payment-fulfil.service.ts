/**
 * A payment's life after checkout: paid exactly once (webhook, repeated webhook, the learner's
 * return page and a staff mark-paid may race: one conditional UPDATE pending → paid decides, and
 * only its winner enrolls; the unique index on enrollments.payment_id backs it), expired or failed
 * (the coupon use is given back). A batch that filled up before the gateway's payment arrived
 * keeps the payment paid and flags it for staff (MONEY_TAKEN). Refunds: payment-refund.service.ts.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import type { Payment, PaymentAttention } from '../../../contract/payments.ts';
import { admitPaidMember } from '../batches/index.ts';
import { enroll } from '../enrollments/index.ts';
import { releaseCouponUse } from './coupon.service.ts';
import { readPayment } from './payment.queries.ts';
import { canSeePayment } from './payment.policy.ts';

declare module '../../platform/hooks.ts' {
  interface HookEvents {
    /** A paid payment could not give what it paid for (attention set): staff are told. */
    'payment.needs-attention': { paymentId: string };
  }
}

export type PaidVia = 'webhook' | 'return' | 'mark-paid' | 'free';

/**
 * Paths on which the gateway has taken the money before we learn of it: a batch that filled up in
 * the meantime cannot refuse the payment, so it stays paid, without a membership, flagged for staff
 * (attention batch_full). Staff marking an invoice paid and a 100% coupon are told 409 SEATS_FULL
 * instead, and nothing is written.
 */
const MONEY_TAKEN: ReadonlySet<PaidVia> = new Set(['webhook', 'return']);

function notPending(p: Payment): AppError {
  return errors.conflict('PAYMENT_NOT_PENDING', `This payment is ${p.status}, so it cannot be marked paid.`, { status: p.status });
}

export interface FulfilResult {
  payment: Payment;
  /** Whether this call marked it paid (false: another path already had). */
  changed: boolean;
}

/**
 * Marks a pending payment paid and gives what it paid for, inside the caller's transaction. When
 * the payment is already paid, nothing changes and the payment (with its enrollment) is answered;
 * any other status is 409 PAYMENT_NOT_PENDING.
 */
export async function fulfil(
  ctx: AppContext,
  trx: Tx,
  paymentId: string,
  via: { how: PaidVia; actorId: string | null; gatewayPaymentRef?: string | null; invoiceNumber?: string | null; requestId?: string | null },
): Promise<FulfilResult> {
  const now = nowIso();
  const won = await trx
    .updateTable('payments')
    .set((eb) => ({
      status: 'paid',
      paid_at: now,
      updated_at: now,
      gateway_payment_ref: via.gatewayPaymentRef ? eb.val(via.gatewayPaymentRef) : eb.ref('gateway_payment_ref'),
      invoice_number: via.invoiceNumber ? eb.val(via.invoiceNumber) : eb.ref('invoice_number'),
    }))
    .where('id', '=', paymentId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  const before = await readPayment(trx, paymentId);
  if (!before) throw errors.notFound('The payment');
  if (Number(won.numUpdatedRows) === 0) {
    if (before.status === 'paid') return { payment: before, changed: false };
    throw notPending(before);
  }
  let enrollmentId: string | null = null;
  let batchMemberId: string | null = null;
  let attention: PaymentAttention | null = null;
  if (before.courseId) {
    const existing = await trx.selectFrom('enrollments').select('id').where('member_id', '=', before.memberId).where('course_id', '=', before.courseId).executeTakeFirst();
    enrollmentId =
      existing?.id ??
      (await enroll(ctx, trx, { memberId: before.memberId, courseId: before.courseId, source: 'self', actorId: via.actorId, paymentId, paid: true })).enrollment.id;
  } else if (before.batchId) {
    try {
      batchMemberId = (await admitPaidMember(ctx, trx, { batchId: before.batchId, memberId: before.memberId, actorId: via.actorId })).batchMemberId;
    } catch (e) {
      // The seat check writes nothing before it refuses, so the transaction goes on.
      if (!(e instanceof AppError && e.code === 'SEATS_FULL' && MONEY_TAKEN.has(via.how))) throw e;
      attention = 'batch_full';
    }
  }
  await trx.updateTable('payments').set({ enrollment_id: enrollmentId, batch_member_id: batchMemberId, attention }).where('id', '=', paymentId).execute();
  const payment = (await readPayment(trx, paymentId))!;
  await recordAudit(trx, {
    actorId: via.actorId,
    action: 'update',
    entity: 'payment',
    entityId: paymentId,
    before: { status: 'pending' },
    after: { status: 'paid', via: via.how, invoiceNumber: payment.invoiceNumber, enrollmentId, batchMemberId, ...(attention ? { attention } : {}) },
    requestId: via.requestId ?? null,
  });
  if (attention) {
    ctx.log.warn({ paymentId, batchId: before.batchId, attention }, 'a payment was paid for a batch that is full: kept paid, no membership, staff told');
    await ctx.hooks.emit('payment.needs-attention', trx, { paymentId });
  }
  return { payment, changed: true };
}

/** A pending payment that will not be paid (the checkout expired or failed): its coupon use is given back. */
export async function endUnpaid(trx: Executor, paymentId: string, status: 'expired' | 'failed', actorId: string | null, requestId: string | null = null): Promise<boolean> {
  const now = nowIso();
  const ended = await trx.updateTable('payments').set({ status, updated_at: now }).where('id', '=', paymentId).where('status', '=', 'pending').executeTakeFirst();
  if (Number(ended.numUpdatedRows) === 0) return false;
  const row = await trx.selectFrom('payments').select('coupon_id').where('id', '=', paymentId).executeTakeFirstOrThrow();
  await releaseCouponUse(trx, row.coupon_id);
  await recordAudit(trx, { actorId, action: 'update', entity: 'payment', entityId: paymentId, before: { status: 'pending' }, after: { status }, requestId });
  return true;
}

/** Staff mark a pending payment paid (an invoice was paid): 200 with the payment and its enrollment, exactly once. */
export async function markPaid(ctx: AppContext, actor: Actor, id: string, invoiceNumber: string, requestId: string | null): Promise<Payment> {
  return ctx.db.transaction().execute(async (trx) => {
    const p = await readPayment(trx, id);
    if (!p || !canSeePayment(actor, p)) throw errors.notFound('The payment');
    return (await fulfil(ctx, trx, id, { how: 'mark-paid', actorId: actor.id, invoiceNumber, requestId })).payment;
  });
}
