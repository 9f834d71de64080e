/**
 * Buying a paid course in a real browser: the learner presses Buy on the course page, pays on the
 * Stripe stand-in's checkout page (which delivers the signed checkout.session.completed webhook to
 * the server, as Stripe does, before sending the browser back), lands on the return page, and is
 * enrolled; My payments lists the payment with its receipt. The real stripe SDK talks to the
 * stand-in through SMOOTH_STRIPE_API_URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  checkA11y,
  describeBrowser,
  launchBrowser,
  ok,
  screenshot,
  signIn,
  startTestServer,
  watchPageErrors,
  type TestServer,
} from './helpers.ts';
import { startStripeStandin, type StripeStandin } from '../helpers/stripe-standin.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'paula.payer@example.com', password: 'learner-password-1', fullName: 'Paula Payer' };
const COURSE = 'Advanced Excel for Finance';
const WHSEC = 'whsec_e2esecret';

describeBrowser('payments: buy a course through Stripe Checkout and come back enrolled', () => {
  let server: TestServer;
  let standin: StripeStandin;
  let browser: Browser;
  let admin: BrowserContext;
  let courseId: string;
  const webhookOutcomes: number[] = [];
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    standin = await startStripeStandin();
    process.env.SMOOTH_STRIPE_API_URL = standin.url;
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    await ok(await api.patch(at('/api/settings'), { data: { paymentGateway: 'stripe', stripeSecretKey: 'sk_test_e2e', stripeWebhookSecret: WHSEC } }), 200);
    await ok(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    courseId = (await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: COURSE, published: true, paid: true, price: 4900, currency: 'EUR' } }), 201)).id;
    const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Basics' } }), 201);
    await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Pivot tables', kind: 'text', body: 'Pivot tables' } }), 201);
    // The stand-in's Pay button: Stripe sends the signed event, then the browser goes back.
    standin.onPaid = async (session) => {
      const { payload, signature } = standin.signedEvent('checkout.session.completed', session, WHSEC);
      const res = await fetch(at('/api/payments/webhooks/stripe'), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
      webhookOutcomes.push(res.status);
    };
  }, 120_000);

  afterAll(async () => {
    delete process.env.SMOOTH_STRIPE_API_URL;
    await admin?.close();
    await browser?.close();
    await server?.close();
    await standin?.close();
  });

  it('Buy → the stand-in checkout → the return page → enrolled, with the receipt under My payments', async () => {
    // Signed in through the API (setup-login.test.ts logs in through the page).
    const { ctx, page, errors } = await signIn(browser, server, LEARNER, { timeout: 15_000, open: `/lms/courses/${courseId}` });

    const buy = page.getByRole('button', { name: 'Buy for €49.00' });
    await buy.waitFor();
    await checkA11y(page, 'paid course page');
    await screenshot(page, 'payments-course-buy');

    // A wrong coupon is said next to its field; nothing leaves the page.
    await page.getByLabel('Coupon code (optional)').fill('NOPE');
    await buy.click();
    await page.getByText('There is no coupon with this code.').waitFor();
    await page.getByLabel('Coupon code (optional)').fill('');

    await buy.click();
    await page.waitForURL((u) => u.href.startsWith(`${standin.url}/pay/`));
    expect(await page.getByText('49.00 EUR').count()).toBe(1);
    await page.getByRole('button', { name: 'Pay' }).click();

    await page.waitForURL((u) => u.href.startsWith(at('/lms/payments/')));
    await page.getByText('Payment received').waitFor();
    expect(await page.getByText(`€49.00 was paid and you are enrolled in ${COURSE}`).count()).toBe(1);
    expect(webhookOutcomes).toEqual([200]);
    await checkA11y(page, 'payment return page');
    await screenshot(page, 'payments-return');

    await page.getByRole('link', { name: 'Go to the course' }).click();
    await page.getByRole('link', { name: 'Start the course' }).waitFor();
    expect(await page.getByRole('button', { name: /^Buy / }).count()).toBe(0);

    await page.goto(at('/lms/payments'));
    const row = page.getByTestId('payment-row');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain(COURSE);
    expect(await row.innerText()).toContain('€49.00');
    expect((await row.innerText()).toLowerCase()).toContain('paid');
    const receipt = row.getByRole('link', { name: `Receipt for ${COURSE} (PDF)` });
    const pdf = await ctx.request.get(at((await receipt.getAttribute('href'))!));
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    await checkA11y(page, 'My payments');
    await screenshot(page, 'payments-mine');

    // One enrollment, linked to the payment.
    const mine = await ok<{ items: { courseId: string; paymentId: string | null; source: string }[] }>(await ctx.request.get(at('/api/enrollments')), 200);
    expect(mine.items.map((e) => [e.courseId, e.source, !!e.paymentId])).toEqual([[courseId, 'self', true]]);
    // The one refusal asked for: the wrong coupon (422).
    expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('the desk: the payments list filtered by status, mark an invoice paid, refund it ending the access', async () => {
    const api = admin.request;
    await ok(await api.patch(at('/api/settings'), { data: { paymentGateway: 'manual' } }), 200);
    const buyer = { email: 'ivan.invoice@example.com', password: 'invoice-password-1', fullName: 'Ivan Invoice' };
    await ok(await api.post(at('/api/users'), { data: { ...buyer, roles: ['LMS Student'] } }), 201);
    const learnerCtx = await browser.newContext();
    await ok(await learnerCtx.request.post(at('/api/auth/login'), { data: { email: buyer.email, password: buyer.password } }), 200);
    const pending = await ok<{ id: string; status: string }>(await learnerCtx.request.post(at('/api/payments/checkout'), { data: { courseId } }), 201);
    expect(pending.status).toBe('pending');

    const page = await admin.newPage();
    page.setDefaultTimeout(15_000);
    const errors = watchPageErrors(page);
    await page.goto(at('/app/lms-payment'));
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    await page.getByTestId('list-count').filter({ hasText: '2 rows' }).waitFor();
    await page.getByRole('combobox', { name: 'Status', exact: true }).click();
    await page.getByRole('option', { name: 'pending' }).click();
    await page.getByTestId('list-count').filter({ hasText: '1 row' }).waitFor();
    // The pointer rests where the option was; it is not a hover the reader asked for.
    await page.mouse.move(0, 0);
    await checkA11y(page, '/app/lms-payment (pending)');
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toContain('status=pending');

    await page.goto(at(`/app/lms-payment/${pending.id}`));
    await page.getByRole('heading', { name: `Payment of ${buyer.fullName} for ${COURSE}`, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Mark paid' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Invoice number/).fill('INV-2026-042');
    await dialog.getByRole('button', { name: 'Mark paid' }).click();
    await page.getByRole('button', { name: 'Refund' }).waitFor();
    const enrolled = await ok<{ items: { courseId: string }[] }>(await learnerCtx.request.get(at('/api/enrollments')), 200);
    expect(enrolled.items.map((e) => e.courseId)).toEqual([courseId]);

    await page.getByRole('button', { name: 'Refund' }).click();
    await dialog.getByLabel(/Reason/).fill('Changed their mind within 14 days');
    await dialog.getByLabel(/Also end/).check();
    await checkA11y(page, 'refund dialog');
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('link', { name: 'Receipt (PDF)' }).waitFor();
    await expect.poll(async () => (await ok<{ status: string }>(await api.get(at(`/api/payments/${pending.id}`)), 200)).status).toBe('refunded');
    const after = await ok<{ items: unknown[] }>(await learnerCtx.request.get(at('/api/enrollments')), 200);
    expect(after.items).toEqual([]);
    await screenshot(page, 'payments-desk-refunded');
    expect(errors).toEqual([]);
    await learnerCtx.close();
    await page.close();
  }, 120_000);
  it('the desk course form takes the price as an amount in its currency and says next to the field what it refuses', async () => {
    const api = admin.request;
    const page = await admin.newPage();
    page.setDefaultTimeout(15_000);
    const errors = watchPageErrors(page);
    await page.goto(at(`/app/lms-course/${courseId}`));
    await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
    const price = page.getByLabel('Price', { exact: true });
    // Stored 4900 minor units: shown as 49.00 euros.
    await expect.poll(() => price.inputValue()).toBe('49.00');
    await price.fill('49.999');
    await page.getByRole('button', { name: 'Save' }).click();
    const field = page.locator('.mantine-InputWrapper-root').filter({ has: price });
    await field.getByText('Price in EUR can have at most 2 decimals.').waitFor();
    await checkA11y(page, 'course form, price refused');
    expect((await ok<{ price: number }>(await api.get(at(`/api/courses/${courseId}`)), 200)).price).toBe(4900);

    await price.fill('59.90');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await ok<{ price: number }>(await api.get(at(`/api/courses/${courseId}`)), 200)).price).toBe(5990);

    // Yen have no decimals: the same amount is refused once the currency changes.
    await page.getByLabel('Currency (ISO 4217)').fill('JPY');
    await page.getByRole('button', { name: 'Save' }).click();
    await field.getByText('Price in JPY has no decimals.').waitFor();
    await price.fill('5990');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await ok<{ currency: string }>(await api.get(at(`/api/courses/${courseId}`)), 200)).currency).toBe('JPY');
    expect((await ok<{ price: number }>(await api.get(at(`/api/courses/${courseId}`)), 200)).price).toBe(5990);
    await ok(await api.patch(at(`/api/courses/${courseId}`), { data: { price: 4900, currency: 'EUR' } }), 200);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
