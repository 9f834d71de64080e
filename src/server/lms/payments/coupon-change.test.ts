import { beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import type { Coupon } from '../../../contract/payments.ts';

interface Problem {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** Everything a coupon change could write: the coupons as stored, their courses, the audit log. */
async function stored(env: TestEnv) {
  const coupons = await env.ctx.db.selectFrom('coupons').selectAll().orderBy('code').execute();
  const links = await env.ctx.db.selectFrom('coupon_courses').selectAll().orderBy('coupon_id').orderBy('course_id').execute();
  return { coupons: coupons.map((c) => ({ ...c, uses: Number(c.uses) })), links, audit: await env.count('audit_log') };
}

describeDb('coupons: changed and deleted by payment staff (PATCH / DELETE /api/coupons/:id)', (env) => {
  let mod: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    if (!env.app) return;
    mod = await env.user(['Moderator']);
    admin = await env.user(['System Manager']);
    const gw = await env.req('PATCH', '/api/settings', { as: admin, body: { paymentGateway: 'manual' } });
    expect(gw.statusCode, gw.body).toBe(200);
  });

  async function coupon(body: Record<string, unknown>): Promise<Coupon> {
    const res = await env.req('POST', '/api/coupons', { as: mod, body });
    expect(res.statusCode, res.body).toBe(201);
    return json<Coupon>(res);
  }

  it('an unused coupon changes in every term, null clears one, the change is audited and read back', async () => {
    const a = await makeCourse(env, { paid: true });
    const b = await makeCourse(env, { paid: true });
    const c = await coupon({ code: 'chg-spring', percentOff: 10, validUntil: '2027-03-31', maxUses: 5, courseIds: [a.courseId] });
    const audit = await env.count('audit_log');
    const res = await env.req('PATCH', `/api/coupons/${c.id}`, {
      as: mod,
      body: {
        code: 'chg-summer',
        percentOff: null,
        amountOff: 1500,
        currency: 'EUR',
        validFrom: '2027-06-01',
        validUntil: '2027-08-31',
        maxUses: null,
        courseIds: [b.courseId, b.courseId],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const changed = {
      ...c,
      code: 'CHG-SUMMER',
      percentOff: null,
      amountOff: 1500,
      currency: 'EUR',
      validFrom: '2027-06-01',
      validUntil: '2027-08-31',
      maxUses: null,
      courseIds: [b.courseId],
    };
    expect(json<Coupon>(res)).toEqual(changed);
    expect(json<Coupon>(await env.req('GET', `/api/coupons/${c.id}`, { as: mod }))).toEqual(changed);
    expect(await env.count('audit_log')).toBe(audit + 1);
    const entries = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'entity'])
      .where('entity_id', '=', c.id)
      .orderBy('action')
      .execute();
    expect(entries).toEqual([
      { action: 'create', entity: 'coupon' },
      { action: 'update', entity: 'coupon' },
    ]);

    // Back to a percent: the currency goes with the amount.
    const back = await env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { percentOff: 25, amountOff: null, courseIds: [] } });
    expect(back.statusCode, back.body).toBe(200);
    expect(json<Coupon>(back)).toMatchObject({ percentOff: 25, amountOff: null, currency: null, courseIds: [] });
  });

  it('once a payment used it, the code and discount stay (409 COUPON_IN_USE) and it is not deleted; validity, uses and courses still change', async () => {
    const { courseId } = await makeCourse(env, { paid: true });
    const c = await coupon({ code: 'chg-used', percentOff: 20, maxUses: 3 });
    const learner = await env.user();
    const bought = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId, couponCode: 'chg-used' } });
    expect(bought.statusCode, bought.body).toBe(201);
    const before = await stored(env);

    const recode = await env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { code: 'chg-renamed', maxUses: 10 } });
    expect([recode.statusCode, json<Problem>(recode).code]).toEqual([409, 'COUPON_IN_USE']);
    expect(json<Problem>(recode).detail).toMatch(/^This coupon was used in 1 payment, which show its code and discount/);
    expect(json<Problem>(recode).errors).toEqual([{ path: 'code', message: 'Cannot change once the coupon was used.' }]);
    const rediscount = await env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { percentOff: 50 } });
    expect([rediscount.statusCode, json<Problem>(rediscount).code]).toEqual([409, 'COUPON_IN_USE']);
    const below = await env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { maxUses: 1, validUntil: '2027-01-31' } });
    expect(below.statusCode, below.body).toBe(200); // one use taken: a maximum of one is allowed
    const tooLow = await env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { validFrom: '2027-02-01' } });
    expect([tooLow.statusCode, json<Problem>(tooLow).errors]).toEqual([
      400,
      [{ path: 'validUntil', message: 'The end of the validity must not be before its start.' }],
    ]);
    const del = await env.req('DELETE', `/api/coupons/${c.id}`, { as: mod });
    expect([del.statusCode, json<Problem>(del).code, json<Problem>(del).detail]).toEqual([
      409,
      'COUPON_IN_USE',
      'This coupon was used in 1 payment and stays with it. To stop it, set Valid until to now (or an earlier day).',
    ]);
    expect(json<Coupon>(await env.req('GET', `/api/coupons/${c.id}`, { as: mod })).paymentCount).toBe(1);
    const after = await stored(env);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.coupons.find((x) => x.id === c.id)).toEqual({
      ...before.coupons.find((x) => x.id === c.id),
      max_uses: 1,
      valid_until: '2027-01-31T23:59:59.999Z',
    });

    // The same words as the checkout's when it is used up or ended.
    const used = await env.req('POST', '/api/payments/quote', { as: await env.user(), body: { courseId, couponCode: 'chg-used' } });
    expect([used.statusCode, json<Problem>(used).detail]).toEqual([422, 'This coupon has been used up.']);
    await env.req('PATCH', `/api/coupons/${c.id}`, {
      as: mod,
      body: { maxUses: null, validUntil: new Date(Date.now() - 1000).toISOString() },
    });
    const ended = await env.req('POST', '/api/payments/quote', { as: await env.user(), body: { courseId, couponCode: 'chg-used' } });
    expect([ended.statusCode, json<Problem>(ended).detail]).toEqual([422, 'This coupon has expired.']);
  });

  it('the maximum uses never goes below the uses taken: said under maxUses, nothing written', async () => {
    const { courseId } = await makeCourse(env, { paid: true });
    const c = await coupon({ code: 'chg-two', amountOff: 500, currency: 'EUR' });
    for (let i = 0; i < 2; i++) {
      expect(
        (await env.req('POST', '/api/payments/checkout', { as: await env.user(), body: { courseId, couponCode: 'chg-two' } })).statusCode,
      ).toBe(201);
    }
    const before = await stored(env);
    const res = await env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { maxUses: 1, validUntil: '2027-12-31' } });
    expect([res.statusCode, json<Problem>(res).code, json<Problem>(res).errors]).toEqual([
      400,
      'VALIDATION_FAILED',
      [{ path: 'maxUses', message: '2 uses are taken already: the maximum cannot be lower.' }],
    ]);
    expect(await stored(env)).toEqual(before);
  });

  it('an unused coupon is deleted with its course list, and audited', async () => {
    const { courseId } = await makeCourse(env, { paid: true });
    const c = await coupon({ code: 'chg-gone', percentOff: 5, courseIds: [courseId] });
    const audit = await env.count('audit_log');
    const res = await env.req('DELETE', `/api/coupons/${c.id}`, { as: mod });
    expect(res.statusCode, res.body).toBe(204);
    expect(await env.ctx.db.selectFrom('coupons').select('id').where('id', '=', c.id).executeTakeFirst()).toBeUndefined();
    expect(await env.ctx.db.selectFrom('coupon_courses').select('course_id').where('coupon_id', '=', c.id).execute()).toEqual([]);
    expect(await env.count('audit_log')).toBe(audit + 1);
    expect((await env.req('GET', `/api/coupons/${c.id}`, { as: mod })).statusCode).toBe(404);
    const quote = await env.req('POST', '/api/payments/quote', { as: await env.user(), body: { courseId, couponCode: 'chg-gone' } });
    expect(json<Problem>(quote).detail).toBe('There is no coupon with this code.');
  });

  it('bad, malicious and other people’s changes are refused with a clear error and change nothing', async () => {
    const c = await coupon({ code: 'chg-guard', percentOff: 10, maxUses: 4 });
    await coupon({ code: 'chg-taken', percentOff: 10 });
    const [learner, creator] = [await env.user(), await env.user(['Course Creator'])];
    const before = await stored(env);
    const cases: [TestUser | undefined, string, unknown, number, string, string?][] = [
      [mod, c.id, {}, 400, 'VALIDATION_FAILED'],
      [mod, c.id, { maxUses: 0 }, 400, 'VALIDATION_FAILED', 'maxUses'],
      [mod, c.id, { maxUses: '3' }, 400, 'VALIDATION_FAILED', 'maxUses'],
      [mod, c.id, { percentOff: 101 }, 400, 'VALIDATION_FAILED', 'percentOff'],
      [mod, c.id, { amountOff: 500 }, 400, 'VALIDATION_FAILED', 'percentOff'],
      [mod, c.id, { percentOff: null, amountOff: 500 }, 400, 'VALIDATION_FAILED', 'currency'],
      [mod, c.id, { code: "x'; drop table coupons; --" }, 400, 'VALIDATION_FAILED', 'code'],
      [mod, c.id, { code: 'chg-taken' }, 409, 'COUPON_EXISTS'],
      [mod, c.id, { validUntil: '31/12/2027' }, 400, 'VALIDATION_FAILED', 'validUntil'],
      [mod, c.id, { courseIds: ['zzzzzzzzzzzzzzzzzzzzzzzzzz'] }, 400, 'VALIDATION_FAILED', 'courseIds.0'],
      [mod, c.id, { courseIds: Array.from({ length: 201 }, () => c.id) }, 400, 'VALIDATION_FAILED', 'courseIds'],
      [mod, c.id, { uses: 0 }, 400, 'VALIDATION_FAILED'],
      [mod, 'zzzzzzzzzzzzzzzzzzzzzzzzzz', { maxUses: 9 }, 404, 'NOT_FOUND'],
      [learner, c.id, { maxUses: 1000 }, 403, 'FORBIDDEN'],
      [creator, c.id, { maxUses: 1000 }, 403, 'FORBIDDEN'],
      [undefined, c.id, { maxUses: 1000 }, 401, 'UNAUTHENTICATED'],
    ];
    for (const [as, id, body, status, code, path] of cases) {
      const res = await env.req('PATCH', `/api/coupons/${id}`, { as, body });
      expect([res.statusCode, json<Problem>(res).code], JSON.stringify(body)).toEqual([status, code]);
      if (path)
        expect(
          json<Problem>(res).errors?.map((e) => e.path),
          JSON.stringify(body),
        ).toContain(path);
    }
    expect((await env.req('DELETE', `/api/coupons/${c.id}`, { as: learner })).statusCode).toBe(403);
    expect((await env.req('DELETE', '/api/coupons/zzzzzzzzzzzzzzzzzzzzzzzzzz', { as: mod })).statusCode).toBe(404);
    expect(await stored(env)).toEqual(before);
  });

  it('checkouts racing a lower maximum and a delete never take more uses than the maximum, nor lose a used coupon', async () => {
    const { courseId } = await makeCourse(env, { paid: true });
    const c = await coupon({ code: 'chg-race', percentOff: 10, maxUses: 6 });
    const learners = await Promise.all(Array.from({ length: 6 }, () => env.user()));
    const [patched, ...bought] = await Promise.all([
      env.req('PATCH', `/api/coupons/${c.id}`, { as: mod, body: { maxUses: 2 } }),
      ...learners.map((l) => env.req('POST', '/api/payments/checkout', { as: l, body: { courseId, couponCode: 'chg-race' } })),
    ]);
    const row = await env.ctx.db.selectFrom('coupons').select(['uses', 'max_uses']).where('id', '=', c.id).executeTakeFirstOrThrow();
    const withCoupon = await env.ctx.db
      .selectFrom('payments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('coupon_id', '=', c.id)
      .executeTakeFirstOrThrow();
    const taken = bought.filter((r) => r.statusCode === 201).length;
    expect(bought.every((r) => r.statusCode === 201 || json<Problem>(r).code === 'COUPON_INVALID')).toBe(true);
    expect(Number(withCoupon.n)).toBe(taken);
    expect(Number(row.uses)).toBe(taken);
    if (patched.statusCode === 200) {
      expect([Number(row.max_uses), taken <= 2]).toEqual([2, true]);
    } else {
      expect([patched.statusCode, json<Problem>(patched).errors?.[0]?.path, Number(row.max_uses), taken]).toEqual([
        400,
        'maxUses',
        6,
        taken,
      ]);
      expect(taken).toBeGreaterThan(2);
    }

    const d = await coupon({ code: 'chg-race-del', percentOff: 10 });
    const [deleted, checkout] = await Promise.all([
      env.req('DELETE', `/api/coupons/${d.id}`, { as: mod }),
      env.req('POST', '/api/payments/checkout', { as: await env.user(), body: { courseId, couponCode: 'chg-race-del' } }),
    ]);
    const left = await env.ctx.db.selectFrom('coupons').select('id').where('id', '=', d.id).executeTakeFirst();
    if (deleted.statusCode === 204) {
      expect([left, checkout.statusCode, json<Problem>(checkout).code]).toEqual([undefined, 422, 'COUPON_INVALID']);
    } else {
      expect([deleted.statusCode, json<Problem>(deleted).code, left?.id, checkout.statusCode]).toEqual([409, 'COUPON_IN_USE', d.id, 201]);
    }
  });
});
