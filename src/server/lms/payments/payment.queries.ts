/** The payment as the API shows it: one read joining the member, the course or batch, the coupon. */
import type { Executor } from '../../db/database.ts';
import type { Payment, PaymentAttention, PaymentGateway, PaymentStatus } from '../../../contract/payments.ts';

export function paymentRows(db: Executor) {
  return db
    .selectFrom('payments')
    .innerJoin('users', 'users.id', 'payments.member_id')
    .leftJoin('courses', 'courses.id', 'payments.course_id')
    .leftJoin('batches', 'batches.id', 'payments.batch_id')
    .leftJoin('coupons', 'coupons.id', 'payments.coupon_id')
    .selectAll('payments')
    .select(['users.full_name as member_name', 'users.email as member_email', 'courses.title as course_title', 'batches.title as batch_title', 'coupons.code as coupon_code']);
}

export type PaymentRow = Awaited<ReturnType<ReturnType<typeof paymentRows>['executeTakeFirstOrThrow']>>;

export function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id,
    memberId: r.member_id,
    memberName: r.member_name,
    courseId: r.course_id,
    batchId: r.batch_id,
    itemTitle: r.course_title ?? r.batch_title ?? '',
    amount: Number(r.amount),
    currency: r.currency,
    discount: Number(r.discount),
    couponCode: r.coupon_code,
    status: r.status as PaymentStatus,
    gateway: r.gateway as PaymentGateway,
    gatewayReference: r.gateway_reference,
    invoiceNumber: r.invoice_number,
    enrollmentId: r.enrollment_id,
    batchMemberId: r.batch_member_id,
    refundReason: r.refund_reason,
    refundStartedAt: r.refund_started_at,
    accessRevoked: Number(r.access_revoked) === 1,
    attention: r.attention as PaymentAttention | null,
    paidAt: r.paid_at,
    refundedAt: r.refunded_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function readPayment(db: Executor, id: string): Promise<Payment | undefined> {
  const r = await paymentRows(db).where('payments.id', '=', id).executeTakeFirst();
  return r ? toPayment(r) : undefined;
}
