/**
 * Stripe webhooks: the signature is verified with the SDK against the webhook secret from LMS
 * Settings (raw body, 5-minute replay window); each event is handled once (its id is recorded in
 * the transaction that acts on it) and each payment is paid once (fulfil()). Event types we do not
 * act on answer 200 and write nothing.
 */
import type Stripe from 'stripe';
import type { AppContext } from '../../context.ts';
import { nowIso } from '../../db/dialect.ts';
import { AppError } from '../../http/errors.ts';
import { paymentSettings } from '../../platform/settings.service.ts';
import { stripeVerifier } from './gateway.ts';
import { endUnpaid, fulfil } from './payment-fulfil.service.ts';

/** Seconds a signed event stays acceptable (Stripe's default tolerance). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface WebhookAnswer {
  received: true;
  /** What was done: processed, duplicate (already handled), ignored (not an event we act on). */
  outcome: 'processed' | 'duplicate' | 'ignored';
}

function signatureInvalid(detail: string): AppError {
  return new AppError(400, 'WEBHOOK_SIGNATURE_INVALID', detail);
}

const PAID = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
const ENDED: Record<string, 'expired' | 'failed'> = { 'checkout.session.expired': 'expired', 'checkout.session.async_payment_failed': 'failed' };

export async function handleStripeWebhook(ctx: AppContext, rawBody: Buffer, signature: string | undefined): Promise<WebhookAnswer> {
  const { stripeWebhookSecret } = await paymentSettings(ctx.db);
  if (!stripeWebhookSecret) throw signatureInvalid('No webhook signing secret is set, so no webhook can be verified.');
  if (!signature) throw signatureInvalid('The Stripe-Signature header is missing.');
  const verifier = await stripeVerifier();
  let event: Stripe.Event;
  try {
    event = verifier.webhooks.constructEvent(rawBody, signature, stripeWebhookSecret, WEBHOOK_TOLERANCE_SECONDS);
  } catch {
    throw signatureInvalid('The webhook signature does not verify, or the event is too old.');
  }
  const endStatus = ENDED[event.type];
  if (!PAID.has(event.type) && !endStatus) return { received: true, outcome: 'ignored' };
  const session = event.data.object as Stripe.Checkout.Session;
  const paymentId = session.metadata?.paymentId ?? session.client_reference_id ?? null;
  if (!paymentId) return { received: true, outcome: 'ignored' };
  const payment = await ctx.db.selectFrom('payments').select(['id', 'gateway', 'gateway_reference', 'amount', 'currency']).where('id', '=', paymentId).executeTakeFirst();
  // Not ours (another system on the same account), or not the session this payment opened.
  if (!payment || payment.gateway !== 'stripe' || (payment.gateway_reference !== null && payment.gateway_reference !== session.id)) {
    ctx.log.warn({ eventId: event.id, type: event.type }, 'stripe webhook for an unknown payment ignored');
    return { received: true, outcome: 'ignored' };
  }
  if (PAID.has(event.type)) {
    if (session.payment_status !== 'paid') return { received: true, outcome: 'ignored' };
    if (session.amount_total !== Number(payment.amount) || (session.currency ?? '').toUpperCase() !== payment.currency) {
      ctx.log.error({ eventId: event.id, paymentId }, 'stripe webhook amount or currency differs from the payment: not fulfilled');
      return { received: true, outcome: 'ignored' };
    }
  }
  return ctx.db.transaction().execute(async (trx) => {
    const first = await trx
      .insertInto('processed_webhook_events')
      .values({ event_id: event.id, gateway: 'stripe', type: event.type, payment_id: paymentId, processed_at: nowIso() })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .returning('event_id')
      .execute();
    if (first.length === 0) return { received: true as const, outcome: 'duplicate' as const };
    if (endStatus) {
      await endUnpaid(trx, paymentId, endStatus, null);
    } else {
      const ref = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
      try {
        await fulfil(ctx, trx, paymentId, { how: 'webhook', actorId: null, gatewayPaymentRef: ref });
      } catch (e) {
        // Paid at the gateway after it ended here (expired, refunded): recorded, nothing to give.
        if (!(e instanceof AppError && e.code === 'PAYMENT_NOT_PENDING')) throw e;
        ctx.log.error({ eventId: event.id, paymentId }, 'stripe reports a payment paid that is no longer pending here');
      }
    }
    return { received: true as const, outcome: 'processed' as const };
  });
}
