/**
 * Checkout and reading payments. A checkout checks what is bought (published, paid, priced, open to
 * the learner — for a course inside its enrollment window and below its maximum —, not already theirs), takes the coupon's use and writes the pending payment in one
 * transaction, then opens the gateway's checkout; nothing to pay (100% off) enrolls at once.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Insertable } from 'kysely';
import type { PaymentsTable } from '../../db/schema-payments.ts';
import { isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { AppError } from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { paymentSettings } from '../../platform/settings.service.ts';
import { type CheckoutInput, type CheckoutResult, type Payment, type PaymentListInput, type Quote } from '../../../contract/payments.ts';
import { assertSelfEnrollmentOpen } from '../enrollments/index.ts';
import { checkCoupon, takeCouponUse } from './coupon.service.ts';
import { gatewayFailed, gatewayFor, type PaymentGatewayClient } from './gateway.ts';
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
async function checkoutTarget(trx: Executor, memberId: string, input: CheckoutInput): Promise<Target> {
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
        'courses.enrollment_opens_at',
        'courses.enrollment_closes_at',
        'courses.max_enrollments',
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
    // The window and the maximum hold a paid learner here, before a coupon use or a gateway checkout.
    await assertSelfEnrollmentOpen(trx, c);
    return { courseId: c.id, batchId: null, title: c.title, amount: Number(c.price), currency: c.currency };
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

/** The member's pending payment for what the checkout sells, if one is open. */
async function pendingPayment(db: Executor, memberId: string, target: { courseId?: string | null; batchId?: string | null }): Promise<string | null> {
  let q = db.selectFrom('payments').select('id').where('member_id', '=', memberId).where('status', '=', 'pending');
  q = target.courseId ? q.where('course_id', '=', target.courseId) : q.where('batch_id', '=', target.batchId ?? '');
  return (await q.executeTakeFirst())?.id ?? null;
}

/**
 * POST /api/payments/quote: what a checkout with the same body would charge — the same checks of
 * what is bought, the coupon checked (window, currency, course, uses left) — without taking a use
 * or writing anything. A checkout may still be refused if the coupon's last use is taken meanwhile.
 */
export async function quote(ctx: AppContext, actor: Actor, input: CheckoutInput): Promise<Quote> {
  if (!actor.id) throw errors.unauthenticated();
  const target = await checkoutTarget(ctx.db, actor.id, input);
  const coupon = input.couponCode ? await checkCoupon(ctx.db, input.couponCode, target) : null;
  const discount = coupon?.discount ?? 0;
  return {
    courseId: target.courseId,
    batchId: target.batchId,
    itemTitle: target.title,
    price: target.amount,
    discount,
    amount: target.amount - discount,
    currency: target.currency,
    couponCode: coupon?.code ?? null,
  };
}

type Opened = CheckoutResult & { created: boolean };

/**
 * POST /api/payments/checkout. The gateway's checkout is opened after the payment is written; when
 * the gateway fails, the payment is marked failed (its coupon use given back) and 502 answers.
 * A member has at most one pending payment per course or batch (a partial unique index): while
 * one is open, a checkout answers it again (created: false) with its gateway checkout, and takes
 * no second coupon use.
 */
export async function checkout(
  ctx: AppContext,
  actor: Actor,
  input: CheckoutInput,
  opts: { baseUrl: string; requestId: string | null },
): Promise<Opened> {
  if (!actor.id) throw errors.unauthenticated();
  const memberId = actor.id;
  const settings = await paymentSettings(ctx.db);
  const id = newId();
  const chosen: { gateway: PaymentGatewayClient | null } = { gateway: null };
  let written: { open: string } | Payment | { amount: number };
  try {
    written = await ctx.db.transaction().execute(async (trx) => {
      // What is bought and the coupon first (an unknown course is 404 whatever the gateway), then
      // the gateway when there is something to pay: a misconfigured one rolls everything back.
      const target = await checkoutTarget(trx, memberId, input);
      const open = await pendingPayment(trx, memberId, target);
      if (open) return { open };
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
        refund_started_at: null,
        refund_lease_until: null,
        refund_owner: null,
        attention: null,
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
          // The code people know the coupon by (unique, never changed), not its internal id.
          couponCode: coupon?.code ?? null,
          gateway: row.gateway,
        },
        requestId: opts.requestId,
      });
      // Nothing to pay: paid and enrolled in the same transaction, no gateway.
      if (amount === 0) return (await fulfil(ctx, trx, id, { how: 'free', actorId: memberId, requestId: opts.requestId })).payment;
      return { amount };
    });
  } catch (e) {
    // A parallel checkout of the same member wrote its pending payment first (PostgreSQL: our
    // insert waited for it, then hit the unique index): that payment is the answer.
    if (!isUniqueViolation(e)) throw e;
    const open = await pendingPayment(ctx.db, memberId, input);
    if (!open) throw e;
    written = { open };
  }
  if ('open' in written) return resumeCheckout(ctx, actor, written.open, input, opts);
  if ('status' in written) return { ...written, created: true };
  const client = chosen.gateway;
  if (!client) throw new Error('checkout: a payment with an amount has no gateway');
  try {
    return { ...(await openAtGateway(ctx, client, (await readPayment(ctx.db, id))!, opts)), created: true };
  } catch (e) {
    await ctx.db.transaction().execute((trx) => endUnpaid(trx, id, 'failed', memberId, opts.requestId));
    throw e;
  }
}

/**
 * Opens (or, for a payment that already asked, finds again) the gateway's checkout of a pending
 * payment. The request is idempotent by payment id, so a second call gets the same session.
 */
async function openAtGateway(ctx: AppContext, client: PaymentGatewayClient, p: Payment, opts: { baseUrl: string }): Promise<CheckoutResult> {
  const email = (await ctx.db.selectFrom('users').select('email').where('id', '=', p.memberId).executeTakeFirstOrThrow()).email;
  const session = await client.createCheckout({
    paymentId: p.id,
    memberEmail: email,
    itemTitle: p.itemTitle,
    amount: p.amount,
    currency: p.currency,
    successUrl: `${opts.baseUrl}/lms/payments/${p.id}?session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: `${opts.baseUrl}/lms/payments/${p.id}?cancelled=1`,
  });
  if (session.reference) {
    await ctx.db
      .updateTable('payments')
      .set({ gateway_reference: session.reference, updated_at: nowIso() })
      .where('id', '=', p.id)
      .where('gateway_reference', 'is', null)
      .execute();
  }
  const payment = (await readPayment(ctx.db, p.id))!;
  return session.checkoutUrl ? { ...payment, checkoutUrl: session.checkoutUrl } : payment;
}

/**
 * A checkout while the member's payment for it is pending: the same payment, with the gateway's
 * still open checkout. A checkout the gateway says was paid is fulfilled (as the return page
 * does); one it says expired ends, and a new checkout starts in its place.
 */
async function resumeCheckout(
  ctx: AppContext,
  actor: Actor,
  paymentId: string,
  input: CheckoutInput,
  opts: { baseUrl: string; requestId: string | null },
): Promise<Opened> {
  const p = (await readPayment(ctx.db, paymentId))!;
  if (p.gateway !== 'stripe') return { ...p, created: false };
  const client = await gatewayFor(ctx, 'stripe');
  if (!p.gatewayReference) return { ...(await openAtGateway(ctx, client, p, opts)), created: false };
  const state = await client.sessionState(p.gatewayReference);
  if (!state) throw gatewayFailed('The payment provider did not answer about your open checkout. Try again in a moment.');
  if (state.paid) return { ...(await confirmReturn(ctx, actor, p.id, opts.requestId)), created: false };
  if (!state.expired) return { ...p, ...(state.url ? { checkoutUrl: state.url } : {}), created: false };
  await ctx.db.transaction().execute((trx) => endUnpaid(trx, p.id, 'expired', actor.id, opts.requestId));
  return checkout(ctx, actor, input, opts);
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
  if (q.needsAttention !== undefined) {
    query = q.needsAttention
      ? query.where('payments.attention', 'is not', null).where('payments.status', '=', 'paid')
      : query.where((eb) => eb.or([eb('payments.attention', 'is', null), eb('payments.status', '!=', 'paid')]));
  }
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
