import type { Generated } from 'kysely';

/** Payments for paid courses and batches, coupons, processed gateway webhook events. */
export interface PaymentsTable {
  id: string;
  member_id: string;
  /** Exactly one of course_id and batch_id (a CHECK). */
  course_id: string | null;
  batch_id: string | null;
  /** What the member pays, in integer minor units (after the coupon's discount). */
  amount: number;
  currency: string;
  coupon_id: string | null;
  /** The coupon's discount, in minor units. */
  discount: Generated<number>;
  /** pending, paid, failed, refunded, expired. */
  status: string;
  /** stripe, manual (invoiced), none (nothing to pay). */
  gateway: string;
  /** The gateway's id of the checkout (the Stripe Checkout Session id). */
  gateway_reference: string | null;
  /** The gateway's id of the money movement (the Stripe PaymentIntent), used to refund. */
  gateway_payment_ref: string | null;
  invoice_number: string | null;
  enrollment_id: string | null;
  batch_member_id: string | null;
  refund_reason: string | null;
  access_revoked: Generated<number>;
  paid_at: string | null;
  refunded_at: string | null;
  /** Set while a refund is under way (claimed, the gateway not yet confirmed): the desk shows it. */
  refund_started_at: string | null;
  /** The claim of the request refunding now; a later request may take over after it. */
  refund_lease_until: string | null;
  /** The process holding the claim (`host:pid:start`): a retry takes over a claim whose process is gone. */
  refund_owner: string | null;
  /** The refund under way also ends the access the payment gave (1). */
  refund_revoke_access: Generated<number>;
  /**
   * Why a paid payment needs staff (null: it does not). batch_full: the batch was full when the
   * payment arrived, so no membership was made; staff refund it (or find the member a seat).
   */
  attention: string | null;
  created_at: string;
  updated_at: string;
}

export interface CouponsTable {
  id: string;
  /** Stored upper case; looked up case-insensitively. */
  code: string;
  percent_off: number | null;
  amount_off: number | null;
  /** The currency an amount off is in (null for percent off). */
  currency: string | null;
  valid_from: string | null;
  valid_until: string | null;
  max_uses: number | null;
  /** Uses taken at checkout; released when the payment fails or expires. */
  uses: number;
  created_by: string | null;
  created_at: string;
}

export interface CouponCoursesTable {
  coupon_id: string;
  course_id: string;
}

export interface ProcessedWebhookEventsTable {
  event_id: string;
  gateway: string;
  type: string;
  payment_id: string | null;
  processed_at: string;
}

export interface PaymentTables {
  payments: PaymentsTable;
  coupons: CouponsTable;
  coupon_courses: CouponCoursesTable;
  processed_webhook_events: ProcessedWebhookEventsTable;
}
