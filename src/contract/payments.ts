import { z } from 'zod';
import { BoolQuery, IdSchema, IsoDate, IsoDateTime, PageQuery } from './common.ts';
import { CurrencySchema } from './courses.ts';

export const PAYMENT_STATUSES = ['pending', 'paid', 'failed', 'refunded', 'expired'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
/** A payment's status in the words the portal and the desk both show. */
export const PAYMENT_STATUS_WORDS: Record<PaymentStatus, string> = {
  pending: 'Waiting for payment',
  paid: 'Paid',
  failed: 'Failed',
  refunded: 'Refunded',
  expired: 'Expired',
};
/** stripe: Stripe Checkout; manual: an invoice staff mark paid; none: nothing to pay (100% off). */
export const PAYMENT_GATEWAYS = ['stripe', 'manual', 'none'] as const;
export type PaymentGateway = (typeof PAYMENT_GATEWAYS)[number];
/** How a payment was paid, in the words the desk and the receipt both show. */
export const PAYMENT_GATEWAY_WORDS: Record<PaymentGateway, string> = { stripe: 'Card (Stripe)', manual: 'Invoice', none: 'Nothing to pay' };
/** Why a paid payment needs staff. batch_full: the batch was full when the payment arrived (no membership). */
export const PAYMENT_ATTENTIONS = ['batch_full'] as const;
export type PaymentAttention = (typeof PAYMENT_ATTENTIONS)[number];

/** A checkout for one course or one batch, with an optional coupon code. */
export const CheckoutBody = z
  .strictObject({
    courseId: IdSchema.optional(),
    batchId: IdSchema.optional(),
    couponCode: z.string().trim().min(1).max(40).optional(),
  })
  .refine((b) => (b.courseId === undefined) !== (b.batchId === undefined), {
    message: 'Give either courseId or batchId (one of them).',
    path: ['courseId'],
  });
export type CheckoutInput = z.infer<typeof CheckoutBody>;

/**
 * POST /api/payments/quote: what a checkout with the same body would charge, before anything is
 * bought (the coupon checked, no use taken, nothing written).
 */
export const QuoteSchema = z.object({
  courseId: z.string().nullable(),
  batchId: z.string().nullable(),
  itemTitle: z.string(),
  /** The price before the coupon, in minor units. */
  price: z.number().int(),
  /** The coupon's discount in minor units (0 without a coupon). */
  discount: z.number().int(),
  /** What the checkout would charge: price − discount. */
  amount: z.number().int(),
  currency: z.string(),
  /** The coupon as stored (upper case), or null. */
  couponCode: z.string().nullable(),
});
export type Quote = z.infer<typeof QuoteSchema>;

export const PaymentSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  courseId: z.string().nullable(),
  batchId: z.string().nullable(),
  /** The course or batch title, as the receipt prints it. */
  itemTitle: z.string(),
  /** What is paid, in integer minor units (cents), after the coupon's discount. */
  amount: z.number().int(),
  currency: z.string(),
  discount: z.number().int(),
  couponCode: z.string().nullable(),
  status: z.enum(PAYMENT_STATUSES),
  gateway: z.enum(PAYMENT_GATEWAYS),
  gatewayReference: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  enrollmentId: z.string().nullable(),
  batchMemberId: z.string().nullable(),
  refundReason: z.string().nullable(),
  /** Set while a refund is under way (claimed, the gateway not yet confirmed; status still paid), and kept once refunded. */
  refundStartedAt: z.string().nullable(),
  accessRevoked: z.boolean(),
  /** Why the payment needs staff (kept once refunded, as a record), or null. */
  attention: z.enum(PAYMENT_ATTENTIONS).nullable(),
  paidAt: z.string().nullable(),
  refundedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Payment = z.infer<typeof PaymentSchema>;

/** The checkout's answer: the payment, and where to pay it (Stripe Checkout) when there is somewhere. */
export const CheckoutResultSchema = PaymentSchema.extend({ checkoutUrl: z.string().optional() });
export type CheckoutResult = z.infer<typeof CheckoutResultSchema>;

export const MarkPaidBody = z.strictObject({
  /** The invoice the customer paid. */
  invoiceNumber: z.string().trim().min(1, 'Give the invoice number.').max(100),
});

export const RefundBody = z.strictObject({
  reason: z.string().trim().min(1, 'Give the reason for the refund.').max(1000),
  /** Also end the enrollment (or batch membership) the payment gave; lesson progress stays in the audit log. */
  revokeAccess: z.boolean(),
});
export type RefundInput = z.infer<typeof RefundBody>;

export const PaymentListQuery = z.strictObject({
  ...PageQuery,
  memberId: IdSchema.optional(),
  courseId: IdSchema.optional(),
  batchId: IdSchema.optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  /** Only paid payments that need staff (attention set, not refunded). */
  needsAttention: BoolQuery.optional(),
});
export type PaymentListInput = z.infer<typeof PaymentListQuery>;

const When = z.union([IsoDate, IsoDateTime]);

/**
 * The instant a coupon's validity starts or ends: a date alone means the whole day (UTC), valid
 * from its start until its end (a coupon valid until 31 Dec is valid through 31 Dec).
 */
export function couponWindowInstant(v: string, edge: 'start' | 'end'): string {
  if (v.length === 10) return edge === 'start' ? `${v}T00:00:00.000Z` : `${v}T23:59:59.999Z`;
  return new Date(v).toISOString();
}

/** The terms of a coupon, each checked alone (creating and changing one share them). */
const CouponFields = {
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{3,40}$/, 'Use 3 to 40 letters, digits, "-" or "_".')
    .transform((s) => s.toUpperCase()),
  percentOff: z.number().int().min(1).max(100),
  /** Minor units, in `currency`. */
  amountOff: z.number().int().min(1).max(100_000_000),
  maxUses: z.number().int().min(1).max(1_000_000),
  /** The courses the coupon applies to; none: every course. */
  courseIds: z.array(IdSchema).max(200).optional(),
};

/** The rules between a coupon's terms: for a new coupon, and for a changed one (its terms after the change). */
export function couponTermsProblems(t: {
  percentOff?: number | null | undefined;
  amountOff?: number | null | undefined;
  currency?: string | null | undefined;
  validFrom?: string | null | undefined;
  validUntil?: string | null | undefined;
}): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const pct = t.percentOff !== undefined && t.percentOff !== null;
  const amt = t.amountOff !== undefined && t.amountOff !== null;
  if (pct === amt) out.push({ path: 'percentOff', message: 'Give either percentOff or amountOff.' });
  if (amt && !t.currency) out.push({ path: 'currency', message: 'An amount off needs its currency.' });
  if (t.validFrom && t.validUntil && couponWindowInstant(t.validUntil, 'end') < couponWindowInstant(t.validFrom, 'start')) {
    out.push({ path: 'validUntil', message: 'The end of the validity must not be before its start.' });
  }
  return out;
}

export const CreateCouponBody = z
  .strictObject({
    code: CouponFields.code,
    // null, like leaving one out: none (a form sends its empty fields as null).
    percentOff: CouponFields.percentOff.nullish(),
    amountOff: CouponFields.amountOff.nullish(),
    currency: CurrencySchema.nullish(),
    validFrom: When.nullish(),
    validUntil: When.nullish(),
    maxUses: CouponFields.maxUses.nullish(),
    courseIds: CouponFields.courseIds,
  })
  .superRefine((b, c) => {
    for (const p of couponTermsProblems(b)) c.addIssue({ code: 'custom', message: p.message, path: [p.path] });
  });
export type CreateCouponInput = z.infer<typeof CreateCouponBody>;

/**
 * PATCH /api/coupons/:id: what is given changes (null clears an optional term). The code and the
 * discount stay as they were once a payment used the coupon (409 COUPON_IN_USE): payments show
 * them. The validity, the maximum uses (never below the uses taken) and the courses change
 * always; a coupon is ended by setting its validUntil to now.
 */
export const UpdateCouponBody = z
  .strictObject({
    code: CouponFields.code.optional(),
    percentOff: CouponFields.percentOff.nullable().optional(),
    amountOff: CouponFields.amountOff.nullable().optional(),
    currency: CurrencySchema.nullable().optional(),
    validFrom: When.nullable().optional(),
    validUntil: When.nullable().optional(),
    maxUses: CouponFields.maxUses.nullable().optional(),
    courseIds: CouponFields.courseIds,
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'Give at least one field to change.' });
export type UpdateCouponInput = z.infer<typeof UpdateCouponBody>;

export const CouponSchema = z.object({
  id: z.string(),
  code: z.string(),
  percentOff: z.number().int().nullable(),
  amountOff: z.number().int().nullable(),
  currency: z.string().nullable(),
  /** A date (YYYY-MM-DD) when the coupon is valid from the start of that day (UTC), else a timestamp. */
  validFrom: z.string().nullable(),
  /** A date (YYYY-MM-DD) when the coupon is valid through the end of that day (UTC), else a timestamp. */
  validUntil: z.string().nullable(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  courseIds: z.array(z.string()),
  /** Payments that used the coupon (failed and expired ones too): once there is one, its code and discount stay. */
  paymentCount: z.number().int(),
  createdAt: z.string(),
});
export type Coupon = z.infer<typeof CouponSchema>;

export const CouponListQuery = z.strictObject({ ...PageQuery });

/** Amounts in minor units as the learner's locale writes them ("€49.00", "49,00 €", "¥4,900"). */
export function formatMoney(amountMinor: number, currency: string, locale?: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amountMinor / 10 ** digits);
}

/** How many minor units one major unit of the currency has (100 for EUR, 1 for JPY). */
export function minorPerMajor(currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return 10 ** digits;
}
