/**
 * A local stand-in for the Stripe API, answering the calls the payments feature makes through the
 * real stripe SDK (SMOOTH_STRIPE_API_URL points it here): create and retrieve Checkout Sessions,
 * create refunds. It also serves the hosted checkout page (GET /pay/:id with a Pay button) that
 * marks the session paid, lets the test deliver the signed webhook, and redirects to success_url.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface StandinSession {
  id: string;
  object: 'checkout.session';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  mode: 'payment';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  success_url: string;
  cancel_url: string;
  url: string;
  created: number;
  expires_at: number;
  livemode: false;
}

export interface StripeStandin {
  url: string;
  sessions: Map<string, StandinSession>;
  requests: { method: string; path: string; form: URLSearchParams; idempotencyKey: string | undefined }[];
  refunds: { payment_intent: string; amount: number }[];
  /** The next this many API calls answer 500 (a provider outage; the SDK retries once). */
  failNext: number;
  /** Holds every refund call until the promise settles (a slow provider), when set. */
  holdRefunds: Promise<void> | null;
  /** Called when the hosted page's Pay button is pressed, before the redirect to success_url. */
  onPaid: ((s: StandinSession) => Promise<void>) | null;
  /** Marks the session paid (as Stripe does when the customer pays). */
  complete(id: string): StandinSession;
  expire(id: string): StandinSession;
  /** A Stripe event about the session, as JSON text, and its Stripe-Signature header. */
  signedEvent(type: string, session: StandinSession, secret: string, opts?: { eventId?: string; timestamp?: number }): { payload: string; signature: string };
  close(): Promise<void>;
}

let seq = 0;
const signer = new Stripe('sk_test_standin', { telemetry: false });

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++seq}` });
  res.end(JSON.stringify(body));
}

export async function startStripeStandin(): Promise<StripeStandin> {
  const answered = new Map<string, unknown>();
  const s: StripeStandin = {
    url: '',
    sessions: new Map(),
    requests: [],
    refunds: [],
    failNext: 0,
    holdRefunds: null,
    onPaid: null,
    complete(id) {
      const x = s.sessions.get(id)!;
      x.status = 'complete';
      x.payment_status = 'paid';
      x.payment_intent ??= `pi_test_${++seq}`;
      return x;
    },
    expire(id) {
      const x = s.sessions.get(id)!;
      x.status = 'expired';
      return x;
    },
    signedEvent(type, session, secret, opts = {}) {
      const event = {
        id: opts.eventId ?? `evt_test_${++seq}_${Date.now()}`,
        object: 'event',
        api_version: '2025-01-01',
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
        data: { object: session },
      };
      const payload = JSON.stringify(event);
      const signature = signer.webhooks.generateTestHeaderString({ payload, secret, ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}) });
      return { payload, signature };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', s.url);
      const body = await readBody(req);
      const form = new URLSearchParams(body);
      const idem = req.headers['idempotency-key'];
      if (url.pathname.startsWith('/v1/')) {
        s.requests.push({ method: req.method ?? '', path: url.pathname, form, idempotencyKey: typeof idem === 'string' ? idem : undefined });
        if (!/^Bearer sk_/.test(req.headers.authorization ?? '')) return send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
        if (s.failNext > 0) {
          s.failNext--;
          return send(res, 500, { error: { type: 'api_error', message: 'The stand-in is down' } });
        }
      }
      // As Stripe: a POST repeated with an idempotency key gets the first answer again.
      const replayKey = req.method === 'POST' && typeof idem === 'string' ? `${url.pathname} ${idem}` : null;
      const replay = replayKey ? answered.get(replayKey) : undefined;
      if (replay) return send(res, 200, replay);
      const remember = (body: unknown) => {
        if (replayKey) answered.set(replayKey, body);
        return send(res, 200, body);
      };
      if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        const id = `cs_test_${++seq}${Math.random().toString(36).slice(2, 10)}`;
        const now = Math.floor(Date.now() / 1000);
        const session: StandinSession = {
          id,
          object: 'checkout.session',
          status: 'open',
          payment_status: 'unpaid',
          mode: 'payment',
          amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
          currency: form.get('line_items[0][price_data][currency]') ?? '',
          client_reference_id: form.get('client_reference_id'),
          customer_email: form.get('customer_email'),
          metadata: { paymentId: form.get('metadata[paymentId]') ?? '' },
          payment_intent: null,
          success_url: form.get('success_url') ?? '',
          cancel_url: form.get('cancel_url') ?? '',
          url: `${s.url}/pay/${id}`,
          created: now,
          expires_at: now + 24 * 3600,
          livemode: false,
        };
        s.sessions.set(id, session);
        return remember(session);
      }
      const retrieve = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && retrieve) {
        const found = s.sessions.get(decodeURIComponent(retrieve[1]!));
        return found ? send(res, 200, found) : send(res, 404, { error: { type: 'invalid_request_error', message: 'No such checkout.session' } });
      }
      if (req.method === 'POST' && url.pathname === '/v1/refunds') {
        if (s.holdRefunds) await s.holdRefunds;
        const refund = { payment_intent: form.get('payment_intent') ?? '', amount: Number(form.get('amount')) };
        s.refunds.push(refund);
        return remember({ id: `re_test_${++seq}`, object: 'refund', status: 'succeeded', ...refund, currency: 'eur' });
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        res.end();
        return;
      }
      const page = /^\/pay\/([^/]+)$/.exec(url.pathname);
      if (page) {
        const session = s.sessions.get(page[1]!);
        if (!session) return send(res, 404, { error: 'unknown session' });
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            `<!doctype html><html lang="en"><head><title>Pay</title></head><body><main><h1>Test checkout</h1>` +
              `<p>${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}</p>` +
              `<form method="post"><button type="submit">Pay</button></form></main></body></html>`,
          );
          return;
        }
        s.complete(session.id);
        if (s.onPaid) await s.onPaid(session);
        res.writeHead(303, { location: session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id) });
        res.end();
        return;
      }
      send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method} ${url.pathname})` } });
    })().catch((e: unknown) => send(res, 500, { error: { type: 'api_error', message: String(e) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}
