import { beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import type { Coupon } from '../../../contract/payments.ts';

describeDb('coupons: one coupon read back', (env) => {
  let mod: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    mod = await env.user(['Moderator']);
  });

  it('payment staff read a coupon with its courses and uses; others get 403, an unknown or malformed id 404 / 400', async () => {
    const { courseId } = await makeCourse(env, { paid: true });
    const created = await env.req('POST', '/api/coupons', { as: mod, body: { code: 'read-me', amountOff: 1050, currency: 'EUR', courseIds: [courseId] } });
    expect(created.statusCode, created.body).toBe(201);
    const c = json<Coupon>(created);
    const read = await env.req('GET', `/api/coupons/${c.id}`, { as: mod });
    expect(read.statusCode, read.body).toBe(200);
    expect(json<Coupon>(read)).toEqual({ ...c, code: 'READ-ME', amountOff: 1050, currency: 'EUR', courseIds: [courseId], uses: 0 });
    expect((await env.req('GET', `/api/coupons/${c.id}`, { as: await env.user() })).statusCode).toBe(403);
    expect((await env.req('GET', `/api/coupons/${c.id}`)).statusCode).toBe(401);
    const unknown = await env.req('GET', '/api/coupons/zzzzzzzzzzzzzzzzzzzzzzzzzz', { as: mod });
    expect([unknown.statusCode, json(unknown).code]).toEqual([404, 'NOT_FOUND']);
    const bad = await env.req('GET', `/api/coupons/${encodeURIComponent("1' or '1'='1")}`, { as: mod });
    expect([bad.statusCode, json(bad).code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
