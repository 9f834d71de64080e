/**
 * Coupons: percent or amount off, a validity window, a maximum number of uses, limited to some
 * courses. A use is taken at checkout by one conditional UPDATE (uses < max_uses), so concurrent
 * checkouts never take more than the maximum (a CHECK holds it there too); it is given back when
 * the payment fails or expires.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { CouponsTable } from '../../db/schema-payments.ts';
import { isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { couponWindowInstant, type Coupon, type CreateCouponInput } from '../../../contract/payments.ts';

/** 422 COUPON_INVALID, the reason also as the error of the couponCode field (the portal shows it there). */
export function couponInvalid(detail: string): ReturnType<typeof errors.unprocessable> {
  return errors.unprocessable('COUPON_INVALID', detail, { errors: [{ path: 'couponCode', message: detail }] });
}

function toCoupon(r: CouponsTable, courseIds: string[]): Coupon {
  return {
    id: r.id,
    code: r.code,
    percentOff: r.percent_off === null ? null : Number(r.percent_off),
    amountOff: r.amount_off === null ? null : Number(r.amount_off),
    currency: r.currency,
    validFrom: asDay(r.valid_from, 'T00:00:00.000Z'),
    validUntil: asDay(r.valid_until, 'T23:59:59.999Z'),
    maxUses: r.max_uses === null ? null : Number(r.max_uses),
    uses: Number(r.uses),
    courseIds,
    createdAt: r.created_at,
  };
}

/**
 * A bound stored as the start (or end) of a whole UTC day reads as that day ("2026-12-31"): the
 * date the coupon was given, which the desk and the portal show as that day in every time zone
 * (the instant 23:59:59.999Z would read as the next day east of UTC).
 */
function asDay(stored: string | null, dayEdge: string): string | null {
  return stored !== null && stored.length === 24 && stored.endsWith(dayEdge) ? stored.slice(0, 10) : stored;
}

/** A date alone means the whole day (UTC): valid from its start, until its end (stored as instants, compared as text). */
function windowStart(v: string | undefined): string | null {
  return v ? couponWindowInstant(v, 'start') : null;
}
function windowEnd(v: string | undefined): string | null {
  return v ? couponWindowInstant(v, 'end') : null;
}

export async function createCoupon(ctx: AppContext, actor: Actor, input: CreateCouponInput, requestId: string | null): Promise<Coupon> {
  const courseIds = [...new Set(input.courseIds ?? [])];
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      if (courseIds.length) {
        const found = await trx.selectFrom('courses').select('id').where('id', 'in', courseIds).execute();
        const known = new Set(found.map((c) => c.id));
        const missing = courseIds.findIndex((id) => !known.has(id));
        if (missing >= 0) throw errors.validation([{ path: `courseIds.${missing}`, message: 'No course has this id.' }], 'A course of the coupon does not exist.');
      }
      const row: CouponsTable = {
        id: newId(),
        code: input.code,
        percent_off: input.percentOff ?? null,
        amount_off: input.amountOff ?? null,
        currency: input.amountOff !== undefined ? (input.currency ?? null) : null,
        valid_from: windowStart(input.validFrom),
        valid_until: windowEnd(input.validUntil),
        max_uses: input.maxUses ?? null,
        uses: 0,
        created_by: actor.id,
        created_at: nowIso(),
      };
      await trx.insertInto('coupons').values(row).execute();
      if (courseIds.length) await trx.insertInto('coupon_courses').values(courseIds.map((course_id) => ({ coupon_id: row.id, course_id }))).execute();
      const coupon = toCoupon(row, courseIds);
      await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'coupon', entityId: row.id, after: coupon, requestId });
      return coupon;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw errors.conflict('COUPON_EXISTS', 'A coupon with this code already exists.');
    throw e;
  }
}

export async function listCoupons(ctx: AppContext, q: { limit: number; cursor?: string | undefined }): Promise<{ items: Coupon[]; nextCursor: string | null }> {
  let query = ctx.db.selectFrom('coupons').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  const links = page.length
    ? await ctx.db.selectFrom('coupon_courses').select(['coupon_id', 'course_id']).where('coupon_id', 'in', page.map((r) => r.id)).execute()
    : [];
  const byCoupon = new Map<string, string[]>();
  for (const l of links) byCoupon.set(l.coupon_id, [...(byCoupon.get(l.coupon_id) ?? []), l.course_id]);
  return { items: page.map((r) => toCoupon(r, byCoupon.get(r.id) ?? [])), nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
}

/** GET /api/coupons/:id (payment staff): one coupon with its courses; 404 when there is none. */
export async function getCoupon(ctx: AppContext, id: string): Promise<Coupon> {
  const row = await ctx.db.selectFrom('coupons').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The coupon');
  const links = await ctx.db.selectFrom('coupon_courses').select('course_id').where('coupon_id', '=', id).execute();
  return toCoupon(row, links.map((l) => l.course_id));
}

export interface AppliedCoupon {
  couponId: string;
  /** The code as stored (upper case). */
  code: string;
  discount: number;
}

/**
 * Checks the coupon against the course (or batch), the currency, its window and its uses, and
 * answers the discount in minor units; writes nothing (the quote, and the checkout before it takes
 * the use).
 */
export async function checkCoupon(
  db: Executor,
  code: string,
  target: { courseId: string | null; amount: number; currency: string },
): Promise<AppliedCoupon> {
  const coupon = await db.selectFrom('coupons').selectAll().where('code', '=', code.trim().toUpperCase()).executeTakeFirst();
  if (!coupon) throw couponInvalid('There is no coupon with this code.');
  const now = nowIso();
  if (coupon.valid_from && now < coupon.valid_from) throw couponInvalid('This coupon is not valid yet.');
  if (coupon.valid_until && now > coupon.valid_until) throw couponInvalid('This coupon has expired.');
  if (coupon.amount_off !== null && coupon.currency !== target.currency) {
    throw couponInvalid(`This coupon is in ${coupon.currency ?? 'another currency'}, but the price is in ${target.currency}.`);
  }
  const limited = await db.selectFrom('coupon_courses').select('course_id').where('coupon_id', '=', coupon.id).execute();
  if (limited.length && !limited.some((l) => l.course_id === target.courseId)) throw couponInvalid('This coupon does not apply to this course.');
  if (coupon.max_uses !== null && Number(coupon.uses) >= Number(coupon.max_uses)) throw couponInvalid('This coupon has been used up.');
  const discount =
    coupon.percent_off !== null ? Math.round((target.amount * Number(coupon.percent_off)) / 100) : Math.min(target.amount, Number(coupon.amount_off));
  return { couponId: coupon.id, code: coupon.code, discount };
}

/**
 * Checks the coupon (as checkCoupon), takes one use (atomically, never past the maximum) and
 * answers the discount in minor units. Runs in the checkout's transaction.
 */
export async function takeCouponUse(
  db: Executor,
  code: string,
  target: { courseId: string | null; amount: number; currency: string },
): Promise<AppliedCoupon> {
  const applied = await checkCoupon(db, code, target);
  const taken = await db
    .updateTable('coupons')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', applied.couponId)
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) === 0) throw couponInvalid('This coupon has been used up.');
  return applied;
}

/** Gives a use back (the payment failed or expired). */
export async function releaseCouponUse(db: Executor, couponId: string | null): Promise<void> {
  if (!couponId) return;
  await db
    .updateTable('coupons')
    .set((eb) => ({ uses: eb('uses', '-', 1) }))
    .where('id', '=', couponId)
    .where('uses', '>', 0)
    .execute();
}
