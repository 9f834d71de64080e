import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import {
  CheckoutBody,
  CheckoutResultSchema,
  CouponListQuery,
  CouponSchema,
  CreateCouponBody,
  UpdateCouponBody,
  MarkPaidBody,
  PaymentListQuery,
  PaymentSchema,
  QuoteSchema,
  RefundBody,
  formatMoney,
  type Payment,
} from '../../../contract/payments.ts';
import { contentDisposition } from '../../http/content-disposition.ts';
import { registerListExport } from '../../platform/list-export.ts';
import { createCoupon, deleteCoupon, getCoupon, listCoupons, updateCoupon } from './coupon.service.ts';
import { markPaid } from './payment-fulfil.service.ts';
import { refundPayment } from './payment-refund.service.ts';
import { PAYMENT_STAFF } from './payment.policy.ts';
import { checkout, confirmReturn, getPayment, listPayments, quote } from './payment.service.ts';
import { receiptPdf } from './receipt.ts';

const tags = ['payments'];
const Pdf = z.any().describe('application/pdf');

/** Where the gateway sends the learner back: the configured public URL, else the address they called. */
function baseUrl(ctx: AppContext, req: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

/** The first language the caller's browser asks for (receipts format amounts and dates in it). */
function localeOf(req: FastifyRequest): string {
  const first = (req.headers['accept-language'] ?? '').split(',')[0]?.split(';')[0]?.trim() ?? '';
  try {
    return first && Intl.NumberFormat.supportedLocalesOf([first]).length ? first : 'en';
  } catch {
    return 'en';
  }
}

/** Payments: checkout, the return page's confirmation, lists and export, mark paid, refunds, receipts, coupons. */
export function registerPaymentRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/payments/checkout',
    {
      config: {
        access: 'authenticated',
        problems: ['COURSE_NOT_PUBLISHED', 'ENROLLMENT_CLOSED', 'COURSE_FULL', 'ALREADY_ENROLLED', 'ALREADY_IN_BATCH', 'SEATS_FULL', 'SELF_ENROLLMENT_DISABLED', 'NOTHING_TO_PAY', 'COUPON_INVALID', 'PAYMENT_GATEWAY_FAILED', 'PAYMENT_GATEWAY_NOT_CONFIGURED'],
      },
      schema: {
        tags,
        summary: 'Start paying for a course or a batch (with an optional coupon)',
        description:
          'Writes a pending payment and, with Stripe, opens a Checkout Session (`checkoutUrl`). With the manual gateway the payment waits for staff to mark the invoice paid. When a coupon leaves nothing to pay, the payment is paid and the learner enrolled at once. A member has at most one pending payment per course or batch: while it is open, the checkout answers 200 with that payment and its still open Checkout Session (nothing new is written, no second coupon use is taken).',
        body: CheckoutBody,
        response: { 200: CheckoutResultSchema, 201: CheckoutResultSchema },
      },
    },
    async (req, reply) => {
      const { created, ...payment } = await checkout(ctx, actorOf(req), req.body, { baseUrl: baseUrl(ctx, req), requestId: req.id });
      return reply.code(created ? 201 : 200).send(payment);
    },
  );

  app.post(
    '/api/payments/quote',
    {
      config: {
        access: 'authenticated',
        problems: ['COURSE_NOT_PUBLISHED', 'ENROLLMENT_CLOSED', 'COURSE_FULL', 'ALREADY_ENROLLED', 'ALREADY_IN_BATCH', 'SEATS_FULL', 'SELF_ENROLLMENT_DISABLED', 'NOTHING_TO_PAY', 'COUPON_INVALID'],
      },
      schema: {
        tags,
        summary: 'The price a checkout would charge, with a coupon applied, before buying (writes nothing)',
        description:
          'Takes the checkout\'s body and answers the price, the coupon\'s discount and the amount to pay, after the same checks as the checkout; an unusable coupon answers 422 COUPON_INVALID with the reason (also in `errors[]` under `couponCode`). No coupon use is taken: the checkout takes it, and may still refuse a coupon whose last use was taken meanwhile.',
        body: CheckoutBody,
        response: { 200: QuoteSchema },
      },
    },
    async (req) => quote(ctx, actorOf(req), req.body),
  );

  app.get(
    '/api/payments',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'List payments, newest first (learners: their own)', querystring: PaymentListQuery, response: { 200: pageOf(PaymentSchema) } },
    },
    async (req) => listPayments(ctx, actorOf(req), req.query),
  );

  registerListExport(app, '/api/payments', {
    access: PAYMENT_STAFF,
    tags,
    querystring: PaymentListQuery,
    fileName: 'payments',
    list: (req, q) => listPayments(ctx, actorOf(req), { ...q, withTotal: false }),
    columns: [
      { header: 'Payment', value: (p: Payment) => p.id },
      { header: 'Created', value: (p: Payment) => p.createdAt },
      { header: 'Member', value: (p: Payment) => p.memberName },
      { header: 'Course or batch', value: (p: Payment) => p.itemTitle },
      { header: 'Amount', value: (p: Payment) => formatMoney(p.amount, p.currency, 'en') },
      { header: 'Amount (minor units)', value: (p: Payment) => p.amount },
      { header: 'Currency', value: (p: Payment) => p.currency },
      { header: 'Coupon', value: (p: Payment) => p.couponCode ?? '' },
      { header: 'Status', value: (p: Payment) => p.status },
      { header: 'Gateway', value: (p: Payment) => p.gateway },
      { header: 'Invoice number', value: (p: Payment) => p.invoiceNumber ?? '' },
      { header: 'Paid at', value: (p: Payment) => p.paidAt ?? '' },
      { header: 'Refunded at', value: (p: Payment) => p.refundedAt ?? '' },
      { header: 'Refund reason', value: (p: Payment) => p.refundReason ?? '' },
      { header: 'Attention', value: (p: Payment) => (p.attention === 'batch_full' ? 'Batch full when paid' : '') },
    ],
  });

  app.get(
    '/api/payments/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One payment (its member and payment staff)', params: IdParams, response: { 200: PaymentSchema } },
    },
    async (req) => getPayment(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/api/payments/:id/confirm',
    {
      config: { access: 'authenticated', problems: ['PAYMENT_GATEWAY_NOT_CONFIGURED'] },
      schema: {
        tags,
        summary: 'The return page: ask the gateway how the checkout ended (paid: enrolls, exactly once)',
        params: IdParams,
        response: { 200: PaymentSchema },
      },
    },
    async (req) => confirmReturn(ctx, actorOf(req), req.params.id, req.id),
  );

  app.post(
    '/api/payments/:id/mark-paid',
    {
      config: { access: PAYMENT_STAFF, problems: ['PAYMENT_NOT_PENDING', 'COURSE_NOT_PUBLISHED', 'SEATS_FULL'] },
      schema: {
        tags,
        summary: 'Mark an invoiced payment paid: enrolls the member (source self, paymentId) exactly once',
        params: IdParams,
        body: MarkPaidBody,
        response: { 200: PaymentSchema },
      },
    },
    async (req) => markPaid(ctx, actorOf(req), req.params.id, req.body.invoiceNumber, req.id),
  );

  app.post(
    '/api/payments/:id/refund',
    {
      config: { access: PAYMENT_STAFF, problems: ['PAYMENT_NOT_REFUNDABLE', 'REFUND_IN_PROGRESS', 'PAYMENT_GATEWAY_FAILED', 'PAYMENT_GATEWAY_NOT_CONFIGURED'] },
      schema: {
        tags,
        summary: 'Refund a paid payment, optionally ending the access it gave (audited; progress kept in the audit log)',
        description:
          'The refund is claimed first (`refundStartedAt`: a refund under way), then the gateway gives the money back, then the payment is refunded. While another request refunds it: 409 REFUND_IN_PROGRESS. A refund left under way (the gateway did not answer, or the server stopped) is completed by asking again, as it was first asked.',
        params: IdParams,
        body: RefundBody,
        response: { 200: PaymentSchema },
      },
    },
    async (req) => refundPayment(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.get(
    '/api/payments/:id/receipt.pdf',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'The receipt of a paid (or refunded) payment as PDF', params: IdParams, response: { 200: Pdf } },
    },
    async (req, reply) => {
      const { pdf, filename } = await receiptPdf(ctx, actorOf(req), req.params.id, localeOf(req));
      return reply.type('application/pdf').header('Content-Disposition', contentDisposition(filename, 'inline')).header('Cache-Control', 'private, no-cache').send(pdf);
    },
  );

  app.post(
    '/api/coupons',
    {
      config: { access: PAYMENT_STAFF, problems: ['COUPON_EXISTS'] },
      schema: { tags, summary: 'Create a coupon: percent or amount off, validity, maximum uses, limited to some courses', body: CreateCouponBody, response: { 201: CouponSchema } },
    },
    async (req, reply) => reply.code(201).send(await createCoupon(ctx, actorOf(req), req.body, req.id)),
  );

  app.get(
    '/api/coupons',
    {
      config: { access: PAYMENT_STAFF },
      schema: { tags, summary: 'List coupons, newest first, with their uses', querystring: CouponListQuery, response: { 200: pageOf(CouponSchema) } },
    },
    async (req) => listCoupons(ctx, req.query),
  );

  app.get(
    '/api/coupons/:id',
    {
      config: { access: PAYMENT_STAFF },
      schema: { tags, summary: 'One coupon with its uses and courses (the desk opens it after creating it)', params: IdParams, response: { 200: CouponSchema } },
    },
    async (req) => getCoupon(ctx, req.params.id),
  );

  app.patch(
    '/api/coupons/:id',
    {
      config: { access: PAYMENT_STAFF, problems: ['COUPON_EXISTS', 'COUPON_IN_USE'] },
      schema: {
        tags,
        summary: 'Change a coupon: validity, maximum uses and courses always; code and discount until a payment used it',
        description:
          'Null clears an optional term (no end date, no maximum). Once a payment used the coupon its code and discount stay (409 COUPON_IN_USE; payments show them); the maximum uses never goes below the uses taken (400). A coupon is ended by setting `validUntil` to now.',
        params: IdParams,
        body: UpdateCouponBody,
        response: { 200: CouponSchema },
      },
    },
    async (req) => updateCoupon(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.delete(
    '/api/coupons/:id',
    {
      config: { access: PAYMENT_STAFF, problems: ['COUPON_IN_USE'] },
      schema: { tags, summary: 'Delete a coupon no payment used (a used one is ended by its validUntil instead: 409 COUPON_IN_USE)', params: IdParams },
    },
    async (req, reply) => {
      await deleteCoupon(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(204).send();
    },
  );
}
