import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { useGateway } from '../../../../test/helpers/payments.ts';
import { startStripeStandin, type StripeStandin } from '../../../../test/helpers/stripe-standin.ts';
import { DAY_MS } from '../../db/dialect.ts';
import type { Coupon } from '../../../contract/payments.ts';

let standin: StripeStandin;
beforeAll(async () => {
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin.close();
});

/** The UTC day `days` from today, YYYY-MM-DD. */
function utcDay(days: number): string {
  return new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);
}

async function writes(env: TestEnv) {
  return { coupons: await env.count('coupons'), links: await env.count('coupon_courses'), audit: await env.count('audit_log') };
}

describeDb('coupons: a date picked stays that date, valid through the end of that day', (env) => {
  let admin: TestUser;
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    admin = await env.user(['System Manager']);
    mod = await env.user(['Moderator']);
  });

  it('Valid until 2026-12-31 reads back as 2026-12-31 (create answer, read, list, audit), not as the next day', async () => {
    const res = await env.req('POST', '/api/coupons', { as: mod, body: { code: 'year-end', percentOff: 10, validFrom: '2026-12-01', validUntil: '2026-12-31' } });
    expect(res.statusCode, res.body).toBe(201);
    const c = json<Coupon>(res);
    expect(c).toMatchObject({ code: 'YEAR-END', validFrom: '2026-12-01', validUntil: '2026-12-31' });
    expect(json<Coupon>(await env.req('GET', `/api/coupons/${c.id}`, { as: mod }))).toMatchObject({ validFrom: '2026-12-01', validUntil: '2026-12-31' });
    const list = json<{ items: Coupon[] }>(await env.req('GET', '/api/coupons?limit=500', { as: mod }));
    expect(list.items.find((x) => x.id === c.id)).toMatchObject({ validFrom: '2026-12-01', validUntil: '2026-12-31' });
    const audit = await env.ctx.db.selectFrom('audit_log').select('after_json').where('entity', '=', 'coupon').where('entity_id', '=', c.id).executeTakeFirstOrThrow();
    expect(JSON.parse(String(audit.after_json))).toMatchObject({ validFrom: '2026-12-01', validUntil: '2026-12-31' });
    // Stored as the instants the whole days span (UTC), which is what checkouts compare with.
    const row = await env.ctx.db.selectFrom('coupons').select(['valid_from', 'valid_until']).where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ valid_from: '2026-12-01T00:00:00.000Z', valid_until: '2026-12-31T23:59:59.999Z' });
  });

  it('a moment stays a moment', async () => {
    const res = await env.req('POST', '/api/coupons', { as: mod, body: { code: 'NOON', percentOff: 10, validUntil: '2026-12-31T12:00:00Z' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(json<Coupon>(res)).toMatchObject({ validFrom: null, validUntil: '2026-12-31T12:00:00.000Z' });
  });

  it('a coupon valid until today is valid all day today; until yesterday it has expired; from today it is valid, from tomorrow not yet', async () => {
    await useGateway(env, standin, admin, 'manual');
    const { courseId } = await makeCourse(env, { paid: true });
    const mk = async (body: Record<string, unknown>) => expect((await env.req('POST', '/api/coupons', { as: mod, body })).statusCode).toBe(201);
    await mk({ code: 'UNTIL-TODAY', percentOff: 10, validUntil: utcDay(0) });
    await mk({ code: 'UNTIL-YESTERDAY', percentOff: 10, validUntil: utcDay(-1) });
    await mk({ code: 'FROM-TODAY', percentOff: 10, validFrom: utcDay(0) });
    await mk({ code: 'FROM-TOMORROW', percentOff: 10, validFrom: utcDay(1) });
    const quote = (couponCode: string) => env.req('POST', '/api/payments/quote', { as: mod, body: { courseId, couponCode } });
    expect((await quote('until-today')).statusCode).toBe(200);
    expect((await quote('from-today')).statusCode).toBe(200);
    const expired = await quote('until-yesterday');
    expect([expired.statusCode, json(expired).code, json(expired).detail]).toEqual([422, 'COUPON_INVALID', 'This coupon has expired.']);
    const early = await quote('from-tomorrow');
    expect([early.statusCode, json(early).code, json(early).detail]).toEqual([422, 'COUPON_INVALID', 'This coupon is not valid yet.']);
    const learner = await env.user();
    const bought = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'UNTIL-TODAY' } });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(json(bought)).toMatchObject({ amount: 4410, discount: 490, couponCode: 'UNTIL-TODAY' });
  });

  it('the window compares the whole day: from a moment of a day until that day is accepted; until before the start is refused and writes nothing', async () => {
    const sameDay = await env.req('POST', '/api/coupons', { as: mod, body: { code: 'AFTERNOON', percentOff: 5, validFrom: '2026-12-31T13:00:00Z', validUntil: '2026-12-31' } });
    expect(sameDay.statusCode, sameDay.body).toBe(201);
    expect(json<Coupon>(sameDay)).toMatchObject({ validFrom: '2026-12-31T13:00:00.000Z', validUntil: '2026-12-31' });
    const before = await writes(env);
    for (const body of [
      { code: 'BACKWARDS', percentOff: 5, validFrom: '2026-12-31', validUntil: '2026-12-30T23:00:00Z' },
      { code: 'BACKWARDS', percentOff: 5, validFrom: '2026-12-31', validUntil: '2026-12-30' },
    ]) {
      const res = await env.req('POST', '/api/coupons', { as: mod, body });
      expect([res.statusCode, json(res).code], res.body).toEqual([400, 'VALIDATION_FAILED']);
      expect(json<{ errors: { path: string }[] }>(res).errors.map((e) => e.path)).toContain('validUntil');
    }
    expect(await writes(env)).toEqual(before);
  });
});
