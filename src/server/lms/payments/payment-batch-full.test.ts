import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { WHSEC, useGateway, webhook } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import type { CheckoutResult, Payment } from '../../../contract/payments.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

describeDb('payments: a paid batch that is full when the payment arrives', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager'], 'Ada Admin');
    mod = await env.user(['Moderator'], 'Moe Moderator');
  });

  async function paidBatch(seatCount: number): Promise<string> {
    const { courseId } = await makeCourse(env);
    const res = await env.req('POST', '/api/batches', {
      as: mod,
      body: { title: 'Small cohort', startDate: '2026-03-01', endDate: '2026-05-31', timezone: 'Europe/Berlin', seatCount, published: true, allowSelfEnrollment: true, paid: true, price: 15000, currency: 'EUR', courseIds: [courseId] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return json<{ id: string }>(res).id;
  }

  const members = (batchId: string) => env.ctx.db.selectFrom('batch_members').select(['id', 'member_id']).where('batch_id', '=', batchId).execute();
  const seatsTaken = async (batchId: string) =>
    Number((await env.ctx.db.selectFrom('batches').select('member_count').where('id', '=', batchId).executeTakeFirstOrThrow()).member_count);
  const notes = (paymentId: string) =>
    env.ctx.db.selectFrom('notifications').select(['user_id', 'title', 'link']).where('kind', '=', 'payment.needs-attention').where('dedupe_key', '=', `payment-attention:${paymentId}`).execute();

  it('parallel webhooks (each sent twice) for 4 payments and 2 seats: 2 members, 2 payments kept paid and flagged batch_full; every webhook answers 200; staff are told once', async () => {
    await useGateway(env, standin, admin, 'stripe');
    const batchId = await paidBatch(2);
    const learners = await Promise.all([1, 2, 3, 4].map((n) => env.user([], `Learner ${n}`)));
    // All four start paying while seats are free (the checkout checks the seats; payment comes later).
    const payments: CheckoutResult[] = [];
    for (const l of learners) {
      const res = await env.req('POST', '/api/payments/checkout', { as: l, body: { batchId } });
      expect(res.statusCode, res.body).toBe(201);
      payments.push(json<CheckoutResult>(res));
    }
    const events = payments.map((p) => standin.signedEvent('checkout.session.completed', standin.complete(p.gatewayReference!), WHSEC));
    const answers = await Promise.all([...events, ...events].map((ev) => webhook(env, ev.payload, ev.signature)));
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    expect(answers.filter((a) => json<{ outcome: string }>(a).outcome === 'processed')).toHaveLength(4);
    expect(answers.filter((a) => json<{ outcome: string }>(a).outcome === 'duplicate')).toHaveLength(4);

    const rows = await env.ctx.db
      .selectFrom('payments')
      .select(['id', 'member_id', 'status', 'attention', 'batch_member_id'])
      .where('batch_id', '=', batchId)
      .execute();
    expect(rows.map((r) => r.status)).toEqual(['paid', 'paid', 'paid', 'paid']);
    const seated = rows.filter((r) => r.batch_member_id !== null);
    const flagged = rows.filter((r) => r.attention === 'batch_full');
    expect([seated.length, flagged.length]).toEqual([2, 2]);
    expect(flagged.every((r) => r.batch_member_id === null)).toBe(true);
    const m = await members(batchId);
    expect(m.map((x) => x.member_id).sort()).toEqual(seated.map((r) => r.member_id).sort());
    expect(await seatsTaken(batchId)).toBe(2);
    // The flagged payments' members have no enrollment in the batch's course.
    const enrolled = await env.ctx.db.selectFrom('enrollments').select('member_id').where('batch_id', '=', batchId).execute();
    expect(enrolled.map((e) => e.member_id).sort()).toEqual(seated.map((r) => r.member_id).sort());

    for (const f of flagged) {
      const told = await notes(f.id);
      const staff = told.map((n) => n.user_id);
      expect(staff).toContain(admin.id);
      expect(staff).toContain(mod.id);
      expect(new Set(staff).size).toBe(staff.length);
      expect(told.every((n) => n.link === `/app/lms-payment/${f.id}`)).toBe(true);
      expect(told[0]!.title).toContain('Small cohort');
      const learnerNote = await env.ctx.db.selectFrom('notifications').select('id').where('user_id', '=', f.member_id).where('kind', '=', 'payment.needs-attention').execute();
      expect(learnerNote).toEqual([]);
      const audit = await env.ctx.db.selectFrom('audit_log').select('after_json').where('entity', '=', 'payment').where('entity_id', '=', f.id).where('action', '=', 'update').executeTakeFirstOrThrow();
      expect(JSON.parse(String(audit.after_json))).toMatchObject({ status: 'paid', via: 'webhook', attention: 'batch_full', batchMemberId: null });
    }

    // The learner's return page after the webhook: the same flagged payment, nothing new.
    const f0 = flagged[0]!;
    const learner = learners.find((l) => l.id === f0.member_id)!;
    const before = { members: m.length, notes: await env.count('notifications'), audit: await env.count('audit_log') };
    const back = await env.req('POST', `/api/payments/${f0.id}/confirm`, { as: learner });
    expect(back.statusCode, back.body).toBe(200);
    expect(json<Payment>(back)).toMatchObject({ status: 'paid', attention: 'batch_full', batchMemberId: null });
    expect({ members: (await members(batchId)).length, notes: await env.count('notifications'), audit: await env.count('audit_log') }).toEqual(before);

    // The desk's filter lists exactly the flagged ones; a learner sees only their own payment.
    const list = json<{ items: Payment[]; total: number }>(await env.req('GET', `/api/payments?batchId=${batchId}&needsAttention=true&withTotal=true`, { as: mod }));
    expect(list.items.map((p) => p.id).sort()).toEqual(flagged.map((f) => f.id).sort());
    expect(list.total).toBe(2);
    const rest = json<{ items: Payment[] }>(await env.req('GET', `/api/payments?batchId=${batchId}&needsAttention=false`, { as: mod }));
    expect(rest.items.map((p) => p.id).sort()).toEqual(seated.map((s) => s.id).sort());
    const bad = await env.req('GET', '/api/payments?needsAttention=maybe', { as: mod });
    expect([bad.statusCode, json(bad).code]).toEqual([400, 'VALIDATION_FAILED']);
    const csv = await env.req('GET', `/api/payments/export.csv?batchId=${batchId}&needsAttention=true`, { as: mod });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.match(/Batch full when paid/g)).toHaveLength(2);

    // The one-click refund: the money back once, the payment refunded, no longer listed as needing attention.
    const refunds = standin.refunds.length;
    const refund = await env.req('POST', `/api/payments/${f0.id}/refund`, { as: mod, body: { reason: 'The batch was full when the payment arrived.', revokeAccess: false } });
    expect(refund.statusCode, refund.body).toBe(200);
    expect(json<Payment>(refund)).toMatchObject({ status: 'refunded', attention: 'batch_full', accessRevoked: false });
    expect(standin.refunds.length).toBe(refunds + 1);
    const after = json<{ items: Payment[] }>(await env.req('GET', `/api/payments?batchId=${batchId}&needsAttention=true`, { as: mod }));
    expect(after.items.map((p) => p.id)).toEqual([flagged[1]!.id]);
    expect(await seatsTaken(batchId)).toBe(2);
  });

  it('staff marking an invoice paid for a full batch: 409 SEATS_FULL, the payment stays pending, nothing written', async () => {
    await useGateway(env, standin, admin, 'manual');
    const batchId = await paidBatch(1);
    const [a, b] = [await env.user(), await env.user()];
    const pa = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: a, body: { batchId } }));
    const pb = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: b, body: { batchId } }));
    expect((await env.req('POST', `/api/payments/${pa.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-A' } })).statusCode).toBe(200);
    const before = { audit: await env.count('audit_log'), notes: await env.count('notifications'), members: await env.count('batch_members') };
    const full = await env.req('POST', `/api/payments/${pb.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-B' } });
    expect([full.statusCode, json(full).code]).toEqual([409, 'SEATS_FULL']);
    const row = await env.ctx.db.selectFrom('payments').select(['status', 'attention', 'invoice_number']).where('id', '=', pb.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', attention: null, invoice_number: null });
    expect({ audit: await env.count('audit_log'), notes: await env.count('notifications'), members: await env.count('batch_members') }).toEqual(before);
  });

  it('the database refuses the flag on a payment it does not describe (a course payment, one with a membership, a pending one)', async () => {
    await useGateway(env, standin, admin, 'manual');
    const learner = await env.user();
    const { courseId } = await makeCourse(env, { paid: true });
    const p = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId } }));
    await expect(env.ctx.db.updateTable('payments').set({ attention: 'batch_full' }).where('id', '=', p.id).execute()).rejects.toThrow();
    const batchId = await paidBatch(3);
    const q = json<CheckoutResult>(await env.req('POST', '/api/payments/checkout', { as: learner, body: { batchId } }));
    await expect(env.ctx.db.updateTable('payments').set({ attention: 'batch_full' }).where('id', '=', q.id).execute()).rejects.toThrow();
    expect((await env.req('POST', `/api/payments/${q.id}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-Q' } })).statusCode).toBe(200);
    await expect(env.ctx.db.updateTable('payments').set({ attention: 'batch_full' }).where('id', '=', q.id).execute()).rejects.toThrow();
    await env.ctx.db.deleteFrom('batch_members').where('batch_id', '=', batchId).execute();
    await env.ctx.db.updateTable('payments').set({ batch_member_id: null }).where('id', '=', q.id).execute();
    await expect(env.ctx.db.updateTable('payments').set({ attention: 'something else' }).where('id', '=', q.id).execute()).rejects.toThrow();
    await env.ctx.db.updateTable('payments').set({ attention: 'batch_full' }).where('id', '=', q.id).execute();
  });
});
