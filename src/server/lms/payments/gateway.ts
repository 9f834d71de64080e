/**
 * Payment gateways behind one interface: Stripe Checkout (the official SDK) and the manual gateway
 * for invoiced customers (nothing to call: staff mark the payment paid with its invoice number).
 */
import type Stripe from 'stripe';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import { paymentSettings, type PaymentSettings } from '../../platform/settings.service.ts';

export interface CheckoutRequest {
  paymentId: string;
  memberEmail: string;
  itemTitle: string;
  amount: number;
  currency: string;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutSession {
  /** The gateway's id of the checkout (null for the manual gateway). */
  reference: string | null;
  /** Where the learner pays (absent for the manual gateway). */
  checkoutUrl?: string;
}

/** What the return page learns from the gateway about a checkout. */
export interface SessionState {
  paid: boolean;
  expired: boolean;
  paymentRef: string | null;
  amount: number | null;
  currency: string | null;
  /** Where the learner pays, while the checkout is open. */
  url: string | null;
}

export interface PaymentGatewayClient {
  readonly name: 'stripe' | 'manual';
  createCheckout(req: CheckoutRequest): Promise<CheckoutSession>;
  /** The checkout's state as the gateway knows it (null when the gateway cannot tell). */
  sessionState(reference: string): Promise<SessionState | null>;
  /** Gives the money back; the manual gateway records the refund only. */
  refund(paymentRef: string | null, amount: number): Promise<void>;
}

export function gatewayFailed(detail: string): AppError {
  return new AppError(502, 'PAYMENT_GATEWAY_FAILED', detail);
}

/**
 * The SDK is loaded on first use: it is hundreds of modules, and most processes (the CLI, an
 * installation without Stripe) never call it.
 */
async function loadStripe(): Promise<typeof Stripe> {
  return (await import('stripe')).default;
}

/** The gateway answered and refused the refund: no money moved (unlike a call that went unanswered). */
export class RefundRefused extends AppError {
  constructor(detail: string) {
    super(502, 'PAYMENT_GATEWAY_FAILED', detail);
  }
}

/** Timeouts and retries for every Stripe call; SMOOTH_STRIPE_API_URL points the SDK elsewhere. */
export async function stripeClient(ctx: AppContext, secretKey: string): Promise<Stripe> {
  const Stripe = await loadStripe();
  const base = ctx.config.stripeApiUrl ? new URL(ctx.config.stripeApiUrl) : null;
  return new Stripe(secretKey, {
    maxNetworkRetries: 1,
    timeout: 15_000,
    telemetry: false,
    ...(base
      ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
}

/** Verifying webhooks needs no API key: a client without one only computes signatures. */
let verifier: Stripe | null = null;
export async function stripeVerifier(): Promise<Stripe> {
  verifier ??= new (await loadStripe())('sk_verify_only', { telemetry: false });
  return verifier;
}

class StripeGateway implements PaymentGatewayClient {
  readonly name = 'stripe' as const;
  constructor(private readonly stripe: Stripe) {}

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    try {
      const session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: req.paymentId,
          metadata: { paymentId: req.paymentId },
          payment_intent_data: { metadata: { paymentId: req.paymentId } },
          customer_email: req.memberEmail,
          line_items: [{ quantity: 1, price_data: { currency: req.currency.toLowerCase(), unit_amount: req.amount, product_data: { name: req.itemTitle } } }],
          success_url: req.successUrl,
          cancel_url: req.cancelUrl,
        },
        // A retried create never opens a second session for one payment.
        { idempotencyKey: `checkout-${req.paymentId}` },
      );
      if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
      return { reference: session.id, checkoutUrl: session.url };
    } catch {
      throw gatewayFailed('The payment provider could not open a checkout. Try again in a moment.');
    }
  }

  async sessionState(reference: string): Promise<SessionState | null> {
    try {
      const s = await this.stripe.checkout.sessions.retrieve(reference);
      return {
        paid: s.status === 'complete' && s.payment_status === 'paid',
        expired: s.status === 'expired',
        paymentRef: typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? null),
        amount: s.amount_total ?? null,
        currency: s.currency ? s.currency.toUpperCase() : null,
        url: s.status === 'open' ? (s.url ?? null) : null,
      };
    } catch {
      return null;
    }
  }

  async refund(paymentRef: string | null, amount: number): Promise<void> {
    if (!paymentRef) throw gatewayFailed('The payment provider did not name the payment to refund.');
    try {
      await this.stripe.refunds.create({ payment_intent: paymentRef, amount }, { idempotencyKey: `refund-${paymentRef}` });
    } catch (e) {
      const sdkErrors = (await loadStripe()).errors;
      // Already given back (a refund made earlier, e.g. before a crash): done.
      if (e instanceof sdkErrors.StripeError && e.code === 'charge_already_refunded') return;
      if (e instanceof sdkErrors.StripeInvalidRequestError || e instanceof sdkErrors.StripeCardError || e instanceof sdkErrors.StripePermissionError) {
        throw new RefundRefused('The payment provider refused the refund. Nothing was changed.');
      }
      throw gatewayFailed('The payment provider did not answer the refund. The refund stays under way: try again to complete it.');
    }
  }
}

class ManualGateway implements PaymentGatewayClient {
  readonly name = 'manual' as const;
  createCheckout(): Promise<CheckoutSession> {
    return Promise.resolve({ reference: null });
  }
  sessionState(): Promise<SessionState | null> {
    return Promise.resolve(null);
  }
  refund(): Promise<void> {
    return Promise.resolve();
  }
}

/** The gateway a payment uses: the one set in LMS Settings for a new checkout, or the payment's own. */
export async function gatewayFor(ctx: AppContext, name?: string, settings?: PaymentSettings): Promise<PaymentGatewayClient> {
  const s = settings ?? (await paymentSettings(ctx.db));
  const which = name ?? s.gateway;
  if (which !== 'stripe') return new ManualGateway();
  if (!s.stripeSecretKey) {
    throw errors503('Stripe payments are switched on but no Stripe secret key is set. Ask an administrator to set it in Settings.');
  }
  return new StripeGateway(await stripeClient(ctx, s.stripeSecretKey));
}

function errors503(detail: string): AppError {
  return new AppError(503, 'PAYMENT_GATEWAY_NOT_CONFIGURED', detail);
}
