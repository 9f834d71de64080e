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
  type TestServer, UI_WAIT } from './helpers.ts';
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
    const { ctx, page, errors } = await signIn(browser, server, LEARNER, { open: `/lms/courses/${courseId}` });

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
    page.setDefaultTimeout(UI_WAIT);
    const errors = watchPageErrors(page);
    await page.goto(at('/app/lms-payment'));
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    await page.getByTestId('list-count').filter({ hasText: '2 rows' }).waitFor();
    await page.getByRole('combobox', { name: 'Status', exact: true }).click();
    await page.getByRole('option', { name: 'Waiting for payment' }).click();
    await page.getByTestId('list-count').filter({ hasText: '1 row' }).waitFor();
    // The pointer rests where the option was; it is not a hover the reader asked for.
    await page.mouse.move(0, 0);
    await checkA11y(page, '/app/lms-payment (pending)');
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toContain('status=pending');

    await page.goto(at(`/app/lms-payment/${pending.id}`));
    await page.getByRole('heading', { name: `Payment of ${buyer.fullName} for ${COURSE}`, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Mark paid' }).click();
    const dialog = page.getByRole('dialog');
    // Without the invoice number the dialog says so next to the field and sends nothing.
    await dialog.getByRole('button', { name: 'Mark paid' }).click();
    await dialog.getByText('Give the invoice number.').waitFor();
    expect(await dialog.getByLabel(/Invoice number/).getAttribute('aria-invalid')).toBe('true');
    expect((await ok<{ status: string }>(await api.get(at(`/api/payments/${pending.id}`)), 200)).status).toBe('pending');
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
    page.setDefaultTimeout(UI_WAIT);
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
    // The form reloads the saved record after a save: start the next edit from the page as saved, not
    // while that reload may still reset the fields.
    await page.reload();
    await page.getByRole('heading', { name: COURSE, level: 1 }).waitFor();
    await expect.poll(() => price.inputValue()).toBe('59.90');

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

  it('the desk: a refund left under way (Stripe did not answer) shows as such, and "Complete the refund" finishes it as first asked, with one refund at Stripe', async () => {
    const api = admin.request;
    await ok(await api.patch(at('/api/settings'), { data: { paymentGateway: 'stripe' } }), 200);
    const buyer = { email: 'rita.refund@example.com', password: 'refund-password-1', fullName: 'Rita Refund' };
    await ok(await api.post(at('/api/users'), { data: { ...buyer, roles: ['LMS Student'] } }), 201);
    const learnerCtx = await browser.newContext();
    await ok(await learnerCtx.request.post(at('/api/auth/login'), { data: { email: buyer.email, password: buyer.password } }), 200);
    const p = await ok<{ id: string; gatewayReference: string }>(await learnerCtx.request.post(at('/api/payments/checkout'), { data: { courseId } }), 201);
    const { payload, signature } = standin.signedEvent('checkout.session.completed', standin.complete(p.gatewayReference), WHSEC);
    const hook = await fetch(at('/api/payments/webhooks/stripe'), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
    expect(hook.status).toBe(200);

    // Stripe is down for the refund (the SDK's call and its one retry): the refund stays under way.
    const refunds = standin.refunds.length;
    standin.failNext = 2;
    const cut = await api.post(at(`/api/payments/${p.id}/refund`), { data: { reason: 'Charged twice', revokeAccess: true } });
    expect(cut.status()).toBe(502);
    expect(standin.refunds.length).toBe(refunds);

    const page = await admin.newPage();
    page.setDefaultTimeout(UI_WAIT);
    const errors = watchPageErrors(page);
    await page.goto(at('/app/lms-payment'));
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: buyer.fullName });
    await row.getByText('refund under way').waitFor();

    await page.goto(at(`/app/lms-payment/${p.id}`));
    await page.getByRole('heading', { name: `Payment of ${buyer.fullName} for ${COURSE}`, level: 1 }).waitFor();
    await page.getByText('(under way: the payment provider has not confirmed it yet)').waitFor();
    const complete = page.getByRole('button', { name: 'Complete the refund' });
    await complete.waitFor();
    await checkA11y(page, '/app/lms-payment/:id (refund under way)');
    await screenshot(page, 'payments-desk-refund-under-way');
    await complete.click();
    await page.getByText('The refund is complete.').waitFor();
    await page.getByRole('link', { name: 'Receipt (PDF)' }).waitFor();
    await expect.poll(async () => (await ok<{ status: string }>(await api.get(at(`/api/payments/${p.id}`)), 200)).status).toBe('refunded');
    expect(await complete.count()).toBe(0);
    // As first asked: its reason, and the access ended; one refund at Stripe.
    expect(await ok<{ refundReason: string; accessRevoked: boolean }>(await api.get(at(`/api/payments/${p.id}`)), 200)).toMatchObject({ refundReason: 'Charged twice', accessRevoked: true });
    expect(standin.refunds.length).toBe(refunds + 1);
    expect((await ok<{ items: unknown[] }>(await learnerCtx.request.get(at('/api/enrollments')), 200)).items).toEqual([]);
    await checkA11y(page, '/app/lms-payment/:id (refunded)');
    expect(errors).toEqual([]);
    await learnerCtx.close();
    await page.close();
  }, 120_000);

  it('the desk: a batch full when the payment arrived is listed under Needs attention, and one click refunds it', async () => {
    const api = admin.request;
    await ok(await api.patch(at('/api/settings'), { data: { paymentGateway: 'stripe' } }), 200);
    const batch = await ok<{ id: string }>(
      await api.post(at('/api/batches'), {
        data: { title: 'Spreadsheet cohort', startDate: '2027-03-01', endDate: '2027-05-31', timezone: 'Europe/Berlin', seatCount: 1, published: true, allowSelfEnrollment: true, paid: true, price: 15000, currency: 'EUR', courseIds: [courseId] },
      }),
      201,
    );
    const paid: { id: string; name: string; ctx: BrowserContext }[] = [];
    for (const [i, fullName] of ['Sam Seated', 'Fay Fullbatch'].entries()) {
      const who = { email: `batch-buyer-${i}@example.com`, password: 'batch-password-1', fullName };
      await ok(await api.post(at('/api/users'), { data: { ...who, roles: ['LMS Student'] } }), 201);
      const c = await browser.newContext();
      await ok(await c.request.post(at('/api/auth/login'), { data: { email: who.email, password: who.password } }), 200);
      const p = await ok<{ id: string; gatewayReference: string }>(await c.request.post(at('/api/payments/checkout'), { data: { batchId: batch.id } }), 201);
      paid.push({ id: p.id, name: fullName, ctx: c });
    }
    // Both paid at Stripe; the events arrive one after the other: the second finds the only seat taken.
    for (const p of paid) {
      const session = [...standin.sessions.values()].find((x) => x.metadata.paymentId === p.id)!;
      const { payload, signature } = standin.signedEvent('checkout.session.completed', standin.complete(session.id), WHSEC);
      const hook = await fetch(at('/api/payments/webhooks/stripe'), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
      expect(hook.status).toBe(200);
    }
    const full = paid[1]!;

    // The learner back from the checkout is told in words: paid, not added, staff will act.
    const back = await full.ctx.newPage();
    back.setDefaultTimeout(UI_WAIT);
    const backErrors = watchPageErrors(back);
    await back.goto(at(`/lms/payments/${full.id}?session_id=x`));
    await back.getByText('Payment received, but the batch is full').waitFor();
    await back.getByText('Your training team has been told').waitFor();
    await back.getByRole('link', { name: 'Back to Spreadsheet cohort' }).waitFor();
    await checkA11y(back, 'payment return page (batch full)');
    expect(backErrors).toEqual([]);
    for (const p of paid) await p.ctx.close();

    const page = await admin.newPage();
    page.setDefaultTimeout(UI_WAIT);
    const errors = watchPageErrors(page);
    await page.goto(at('/app/lms-payment'));
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: 'Needs attention' }).click();
    await page.getByRole('option', { name: 'Yes' }).click();
    await page.getByTestId('list-count').filter({ hasText: '1 row' }).waitFor();
    await page.mouse.move(0, 0);
    const row = page.getByRole('row').filter({ hasText: full.name });
    await row.getByText('paid, batch full').waitFor();
    await checkA11y(page, '/app/lms-payment?needsAttention=true');
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toContain('needsAttention=true');

    await page.goto(at(`/app/lms-payment/${full.id}`));
    await page.getByRole('heading', { name: `Payment of ${full.name} for Spreadsheet cohort`, level: 1 }).waitFor();
    const refund = page.getByRole('button', { name: 'Refund €150.00 (batch full)' });
    await refund.waitFor();
    await checkA11y(page, '/app/lms-payment/:id (batch full)');
    await screenshot(page, 'payments-desk-batch-full');
    const refunds = standin.refunds.length;
    await refund.click();
    await page.getByText(`€150.00 is refunded to ${full.name}.`).waitFor();
    await expect.poll(async () => (await ok<{ status: string }>(await api.get(at(`/api/payments/${full.id}`)), 200)).status).toBe('refunded');
    expect(standin.refunds.length).toBe(refunds + 1);
    const left = await ok<{ items: unknown[] }>(await api.get(at('/api/payments?needsAttention=true')), 200);
    expect(left.items).toEqual([]);
    // Staff were told when it happened.
    const notes = await ok<{ items: { title: string }[] }>(await api.get(at('/api/me/notifications')), 200);
    expect(notes.items.map((n) => n.title)).toContain(`A payment needs attention: ${full.name} paid for Spreadsheet cohort, which is full`);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the desk coupon form takes the amount off as an amount in its currency and says next to the field what it refuses; the coupon then changes, ends and is deleted', async () => {
    const api = admin.request;
    const page = await admin.newPage();
    page.setDefaultTimeout(UI_WAIT);
    const errors = watchPageErrors(page);
    // No coupon yet: the empty list says what coupons are and leads to the first one.
    await page.goto(at('/app/lms-coupon'));
    const empty = page.getByText('No coupons', { exact: true });
    await empty.waitFor();
    await page.getByRole('link', { name: 'Create the first coupon' }).click();
    await page.getByRole('heading', { name: 'New coupon', level: 1 }).waitFor();
    await page.getByLabel(/^Code/).fill('TENOFF');
    await page.getByLabel('Currency of the amount off (ISO 4217)').fill('EUR');
    const amount = page.getByLabel('Amount off', { exact: true });
    const field = page.locator('.mantine-InputWrapper-root').filter({ has: amount });
    await amount.fill('10.505');
    await page.getByRole('button', { name: 'Create coupon' }).click();
    await field.getByText('Amount off in EUR can have at most 2 decimals.').waitFor();
    await amount.fill('0');
    await page.getByRole('button', { name: 'Create coupon' }).click();
    await field.getByText('Amount off must be at least 0.01.').waitFor();
    await checkA11y(page, 'coupon form, amount off refused');
    expect((await ok<{ items: { code: string }[] }>(await api.get(at('/api/coupons')), 200)).items.map((c) => c.code)).not.toContain('TENOFF');
    await amount.fill('10.50');
    await page.getByRole('button', { name: 'Create coupon' }).click();
    await expect
      .poll(async () => (await ok<{ items: { code: string; amountOff: number | null; currency: string | null }[] }>(await api.get(at('/api/coupons')), 200)).items.find((c) => c.code === 'TENOFF'))
      .toMatchObject({ amountOff: 1050, currency: 'EUR' });
    // The new coupon's own page: its amount in its currency, every term open to change while no payment used it.
    await page.getByRole('heading', { name: 'Coupon TENOFF', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Amount off', { exact: true }).inputValue()).toBe('10.50');
    await page.getByText('Not used yet').waitFor();
    await page.getByLabel(/^Maximum uses/).fill('5');
    await page.getByRole('combobox', { name: 'Courses (none: every paid course)' }).fill('Advanced');
    await page.getByRole('option', { name: COURSE }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const tenoff = async () =>
      (await ok<{ items: { id: string; code: string; maxUses: number | null; courseIds: string[]; validUntil: string | null }[] }>(await api.get(at('/api/coupons')), 200)).items.find(
        (c) => c.code === 'TENOFF',
      );
    await expect.poll(tenoff).toMatchObject({ maxUses: 5, courseIds: [courseId], validUntil: null });
    // Ended now, after a confirmation: the learner's checkout refuses it from then on.
    await page.getByRole('button', { name: 'End now' }).click();
    const dialog = page.getByRole('dialog', { name: 'End coupon TENOFF now?' });
    await dialog.getByText('Payments that used it keep their discount.').waitFor();
    await checkA11y(page, 'end a coupon');
    await dialog.getByRole('button', { name: 'End now' }).click();
    await page.getByText('Coupon TENOFF has ended.').waitFor();
    await expect.poll(async () => (await tenoff())?.validUntil ?? null).not.toBeNull();
    await expect.poll(() => page.getByRole('button', { name: 'End now' }).count()).toBe(0);
    // Not used by any payment: it may be deleted.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(tenoff).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
