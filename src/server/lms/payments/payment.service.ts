/**
 * Checkout and reading payments. A checkout checks what is bought (published, paid, priced, open to
 * the learner, not already theirs), takes the coupon's use and writes the pending payment in one
 * transaction, then opens the gateway's checkout; nothing to pay (100% off) enrolls at once.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { Insertable } from 'kysely';
import type { PaymentsTable } from '../../db/schema-payments.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { AppError } from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { paymentSettings } from '../../platform/settings.service.ts';
import { minorPerMajor, type CheckoutInput, type CheckoutResult, type Payment, type PaymentListInput } from '../../../contract/payments.ts';
import { takeCouponUse } from './coupon.service.ts';
import { gatewayFor, type PaymentGatewayClient } from './gateway.ts';
import { endUnpaid, fulfil } from './payment-fulfil.service.ts';
import { paymentRows, readPayment, toPayment } from './payment.queries.ts';
import { canSeePayment, isPaymentStaff } from './payment.policy.ts';

function nothingToPay(detail: string): AppError {
  return errors.unprocessable('NOTHING_TO_PAY', detail);
}

interface Target {
  courseId: string | null;
  batchId: string | null;
  title: string;
  amount: number;
  currency: string;
}

/** What the checkout sells, after every check that needs no write. */
async function checkoutTarget(trx: Tx, memberId: string, input: CheckoutInput): Promise<Target> {
  if (input.courseId) {
    const c = await trx
      .selectFrom('courses')
      .leftJoin('enrollments', (j) => j.onRef('enrollments.course_id', '=', 'courses.id').on('enrollments.member_id', '=', memberId))
      .select([
        'courses.id',
        'courses.title',
        'courses.published',
        'courses.paid',
        'courses.price',
        'courses.currency',
        'courses.disable_self_enrollment',
        'enrollments.id as enrollment_id',
      ])
      .where('courses.id', '=', input.courseId)
      .executeTakeFirst();
    if (!c) throw errors.notFound('The course');
    if (c.published !== 1) throw errors.unprocessable('COURSE_NOT_PUBLISHED', 'The course is not published, so nobody can buy it yet.');
    if (c.enrollment_id)
      throw errors.conflict('ALREADY_ENROLLED', 'You are already enrolled in this course.', { enrollmentId: c.enrollment_id });
    if (c.paid !== 1) throw nothingToPay('This course is free: enroll in it instead.');
    if (c.price === null || !c.currency) throw nothingToPay('This paid course has no price yet. Ask your training team.');
    if (c.disable_self_enrollment === 1) {
      throw errors.unprocessable(
        'SELF_ENROLLMENT_DISABLED',
        'This course does not allow self-enrollment. Ask your training team to enroll you.',
      );
    }
    // Course prices are in major units with two decimals; payments count minor units.
    return {
      courseId: c.id,
      batchId: null,
      title: c.title,
      amount: Math.round(Number(c.price) * minorPerMajor(c.currency)),
      currency: c.currency,
    };
  }
  const b = await trx
    .selectFrom('batches')
    .leftJoin('batch_members', (j) => j.onRef('batch_members.batch_id', '=', 'batches.id').on('batch_members.member_id', '=', memberId))
    .select([
      'batches.id',
      'batches.title',
      'batches.published',
      'batches.allow_self_enrollment',
      'batches.paid',
      'batches.price',
      'batches.currency',
      'batches.seat_count',
      'batches.member_count',
      'batch_members.id as batch_member_id',
    ])
    .where('batches.id', '=', input.batchId!)
    .executeTakeFirst();
  if (!b || b.published !== 1) throw errors.notFound('The batch');
  if (b.batch_member_id)
    throw errors.conflict('ALREADY_IN_BATCH', 'You are already a member of this batch.', { batchMemberId: b.batch_member_id });
  if (b.allow_self_enrollment !== 1)
    throw errors.unprocessable('SELF_ENROLLMENT_DISABLED', 'This batch does not take self-enrollment. Ask your training team to add you.');
  if (b.paid !== 1) throw nothingToPay('This batch is free: join it instead.');
  if (b.price === null || !b.currency) throw nothingToPay('This paid batch has no price yet. Ask your training team.');
  if (b.seat_count !== null && Number(b.member_count) >= Number(b.seat_count))
    throw errors.conflict('SEATS_FULL', 'Every seat of this batch is taken.');
  return { courseId: null, batchId: b.id, title: b.title, amount: Number(b.price), currency: b.currency };
}

/**
 * POST /api/payments/checkout. The gateway's checkout is opened after the payment is written; when
 * the gateway fails, the payment is marked failed (its coupon use given back) and 502 answers.
 */
export async function checkout(
  ctx: AppContext,
  actor: Actor,
  input: CheckoutInput,
  opts: { baseUrl: string; requestId: string | null },
): Promise<CheckoutResult> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  const settings = await paymentSettings(ctx.db);
  const id = newId();
  const chosen: { gateway: PaymentGatewayClient | null } = { gateway: null };
  const written = await ctx.db.transaction().execute(async (trx) => {
    // What is bought and the coupon first (an unknown course is 404 whatever the gateway), then
    // the gateway when there is something to pay: a misconfigured one rolls everything back.
    const target = await checkoutTarget(trx, memberId, input);
    const coupon = input.couponCode ? await takeCouponUse(trx, input.couponCode, target) : null;
    const amount = target.amount - (coupon?.discount ?? 0);
    if (amount > 0) chosen.gateway = await gatewayFor(ctx, undefined, settings);
    const now = nowIso();
    const row: Insertable<PaymentsTable> = {
      id,
      member_id: memberId,
      course_id: target.courseId,
      batch_id: target.batchId,
      amount,
      currency: target.currency,
      coupon_id: coupon?.couponId ?? null,
      discount: coupon?.discount ?? 0,
      status: 'pending',
      gateway: chosen.gateway?.name ?? 'none',
      gateway_reference: null,
      gateway_payment_ref: null,
      invoice_number: null,
      enrollment_id: null,
      batch_member_id: null,
      refund_reason: null,
      access_revoked: 0,
      paid_at: null,
      refunded_at: null,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('payments').values(row).execute();
    await recordAudit(trx, {
      actorId: memberId,
      action: 'create',
      entity: 'payment',
      entityId: id,
      after: {
        memberId,
        courseId: row.course_id,
        batchId: row.batch_id,
        amount,
        currency: row.currency,
        discount: row.discount,
        couponId: row.coupon_id,
        gateway: row.gateway,
      },
      requestId: opts.requestId,
    });
    // Nothing to pay: paid and enrolled in the same transaction, no gateway.
    if (amount === 0) return (await fulfil(ctx, trx, id, { how: 'free', actorId: memberId, requestId: opts.requestId })).payment;
    return {
      ...target,
      email: (await trx.selectFrom('users').select('email').where('id', '=', memberId).executeTakeFirstOrThrow()).email,
      amount,
    };
  });
  if ('status' in written) return written;
  const client = chosen.gateway;
  if (!client) throw new Error('checkout: a payment with an amount has no gateway');

  let session;
  try {
    session = await client.createCheckout({
      paymentId: id,
      memberEmail: written.email,
      itemTitle: written.title,
      amount: written.amount,
      currency: written.currency,
      successUrl: `${opts.baseUrl}/lms/payments/${id}?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${opts.baseUrl}/lms/payments/${id}?cancelled=1`,
    });
  } catch (e) {
    await ctx.db.transaction().execute((trx) => endUnpaid(trx, id, 'failed', memberId, opts.requestId));
    throw e;
  }
  if (session.reference) {
    await ctx.db.updateTable('payments').set({ gateway_reference: session.reference, updated_at: nowIso() }).where('id', '=', id).execute();
  }
  const payment = (await readPayment(ctx.db, id))!;
  return session.checkoutUrl ? { ...payment, checkoutUrl: session.checkoutUrl } : payment;
}

export async function getPayment(ctx: AppContext, actor: Actor, id: string): Promise<Payment> {
  const p = await readPayment(ctx.db, id);
  if (!p || !canSeePayment(actor, p)) throw errors.notFound('The payment');
  return p;
}

/**
 * The learner's return from the gateway: asks the gateway how the checkout ended and, when it was
 * paid, marks the payment paid and enrolls (exactly once, racing the webhook); an expired checkout
 * ends the payment. Answers the payment as it now is.
 */
export async function confirmReturn(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<Payment> {
  const p = await getPayment(ctx, actor, id);
  if (p.status !== 'pending' || p.gateway !== 'stripe' || !p.gatewayReference) return p;
  const state = await (await gatewayFor(ctx, 'stripe')).sessionState(p.gatewayReference);
  if (!state) return p;
  if (state.paid && state.amount === p.amount && state.currency === p.currency) {
    return ctx.db.transaction().execute(async (trx) => {
      const r = await fulfil(ctx, trx, id, { how: 'return', actorId: actor.id, gatewayPaymentRef: state.paymentRef, requestId });
      return r.payment;
    });
  }
  if (state.expired) await ctx.db.transaction().execute((trx) => endUnpaid(trx, id, 'expired', actor.id, requestId));
  return (await readPayment(ctx.db, id))!;
}

/** GET /api/payments: staff see every payment (filtered), anyone else only their own. */
export async function listPayments(
  ctx: AppContext,
  actor: Actor,
  q: PaymentListInput,
): Promise<{ items: Payment[]; nextCursor: string | null; total?: number }> {
  let query = paymentRows(ctx.db);
  const own = !isPaymentStaff(actor);
  if (own) query = query.where('payments.member_id', '=', actor.id ?? '');
  if (q.memberId) query = query.where('payments.member_id', '=', q.memberId);
  if (q.courseId) query = query.where('payments.course_id', '=', q.courseId);
  if (q.batchId) query = query.where('payments.batch_id', '=', q.batchId);
  if (q.status) query = query.where('payments.status', '=', q.status);
  const filtered = query;
  if (q.cursor) query = query.where('payments.id', '<', q.cursor);
  const rows = await query
    .orderBy('payments.id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const page = rows.slice(0, q.limit);
  const out: { items: Payment[]; nextCursor: string | null; total?: number } = {
    items: page.map(toPayment),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
  if (q.withTotal) {
    const t = await filtered
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out.total = Number(t.n);
  }
  return out;
}
