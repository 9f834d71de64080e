import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { useGateway } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import { readableDay } from '../../platform/readable-instant.ts';
import type { CheckoutResult, Payment } from '../../../contract/payments.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

function pdfText(pdf: Buffer): string {
  const file = path.join(os.tmpdir(), `receipt-test-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(file);
  }
}

describeDb('payments: the receipt speaks words — a receipt number, the course and the day in its file name, readable dates', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
  });

  async function paid(env: TestEnv, learner: TestUser, courseId: string, couponCode?: string): Promise<Payment> {
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, ...(couponCode ? { couponCode } : {}) } }));
    const res = await env.req('POST', `/api/payments/${p.id}/mark-paid`, { as: mod, body: { invoiceNumber: `INV-${p.id.slice(-4)}` } });
    expect(res.statusCode, res.body).toBe(200);
    return json<Payment>(res);
  }

  it('receipt number R-<day started>-<place that day>, no id; "7 December 2026" dates; file "Receipt - <course> - <day>.pdf"', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user(['LMS Student'], 'Zoë Łukasiewicz');
    const { courseId } = await makeCourse(env, { paid: true, title: 'Forklift: basics / “safety”' });
    const other = await makeCourse(env, { paid: true });
    const first = await paid(env, learner, other.courseId);
    const p = await paid(env, learner, courseId);

    const res = await env.req('GET', `/api/payments/${p.id}/receipt.pdf`, { as: learner });
    expect(res.statusCode).toBe(200);
    const day = p.paidAt!.slice(0, 10);
    expect(res.headers['content-disposition']).toBe(
      `inline; filename="Receipt - Forklift basics _safety_ - ${day}.pdf"; filename*=UTF-8''${encodeURIComponent(`Receipt - Forklift basics “safety” - ${day}.pdf`)}`,
    );
    const text = pdfText(res.rawPayload);
    expect(text).not.toContain(p.id);
    const number = /Receipt number\s+(R-\d{8}-\d{3,})/.exec(text)?.[1];
    expect(number, text).toMatch(new RegExp(`^R-${p.createdAt.slice(0, 10).replace(/-/g, '')}-\\d{3,}$`));
    expect(text).toContain(readableDay(day)); // "7 December 2026"
    expect(text).not.toMatch(/(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}/);

    // The payment started just before has the number before it; printing again gives the same number.
    const firstText = pdfText((await env.req('GET', `/api/payments/${first.id}/receipt.pdf`, { as: learner })).rawPayload);
    const firstNumber = /Receipt number\s+(R-\d{8}-\d{3,})/.exec(firstText)?.[1];
    if (first.createdAt.slice(0, 10) === p.createdAt.slice(0, 10)) {
      expect(Number(number!.split('-')[2])).toBe(Number(firstNumber!.split('-')[2]) + 1);
    }
    const again = pdfText((await env.req('GET', `/api/payments/${p.id}/receipt.pdf`, { as: mod })).rawPayload);
    expect(/Receipt number\s+(R-\d{8}-\d{3,})/.exec(again)?.[1]).toBe(number);
  });

  it('a refunded receipt says the day of the refund in words', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true, title: 'Ladder safety' });
    const p = await paid(env, learner, courseId);
    const refunded = json<Payment>(await env.req('POST', `/api/payments/${p.id}/refund`, { as: mod, body: { reason: 'Goodwill', revokeAccess: false } }));
    const text = pdfText((await env.req('GET', `/api/payments/${p.id}/receipt.pdf`, { as: learner })).rawPayload);
    expect(text).toContain(`Refunded on ${readableDay(refunded.refundedAt!.slice(0, 10))}`);
  });

  it('the checkout’s audit entry names the coupon by its code, not by its id', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    expect((await env.req('POST', '/api/coupons', { as: mod, body: { code: 'AUDIT20', percentOff: 20 } })).statusCode).toBe(201);
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'audit20' } }));
    const entry = await env.ctx.db
      .selectFrom('audit_log')
      .select('after_json')
      .where('entity', '=', 'payment')
      .where('entity_id', '=', p.id)
      .where('action', '=', 'create')
      .executeTakeFirstOrThrow();
    const after = JSON.parse(String(entry.after_json)) as Record<string, unknown>;
    expect(after).toMatchObject({ couponCode: 'AUDIT20', discount: 980 });
    expect(after).not.toHaveProperty('couponId');
  });
});
