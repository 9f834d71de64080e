/**
 * Coupons: percent or amount off, a validity window, a maximum number of uses, limited to some
 * courses. A use is taken at checkout by one conditional UPDATE (uses < max_uses), so concurrent
 * checkouts never take more than the maximum (a CHECK holds it there too); it is given back when
 * the payment fails or expires.
 */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { CouponsTable } from '../../db/schema-payments.ts';
import { isForeignKeyViolation, isUniqueViolation, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { couponTermsProblems, couponWindowInstant, type Coupon, type CreateCouponInput, type UpdateCouponInput } from '../../../contract/payments.ts';

/** 422 COUPON_INVALID, the reason also as the error of the couponCode field (the portal shows it there). */
export function couponInvalid(detail: string): ReturnType<typeof errors.unprocessable> {
  return errors.unprocessable('COUPON_INVALID', detail, { errors: [{ path: 'couponCode', message: detail }] });
}

function toCoupon(r: CouponsTable, courseIds: string[], paymentCount: number): Coupon {
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
    paymentCount,
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
function windowStart(v: string | null | undefined): string | null {
  return v ? couponWindowInstant(v, 'start') : null;
}
function windowEnd(v: string | null | undefined): string | null {
  return v ? couponWindowInstant(v, 'end') : null;
}

/** The courses given exist (400 on the first that does not, under its place in courseIds). */
async function checkCourses(db: Executor, courseIds: string[]): Promise<void> {
  if (!courseIds.length) return;
  const found = await db.selectFrom('courses').select('id').where('id', 'in', courseIds).execute();
  const known = new Set(found.map((c) => c.id));
  const missing = courseIds.findIndex((id) => !known.has(id));
  if (missing >= 0) throw errors.validation([{ path: `courseIds.${missing}`, message: 'No course has this id.' }], 'A course of the coupon does not exist.');
}

/**
 * Coupons as the API shows them: each row with its courses and how many payments used it (failed
 * and expired ones too: their lists and receipts show its code). Two set-based reads for any
 * number of rows (a list page, or the one coupon read or changed).
 */
async function couponsOf(db: Executor, rows: readonly CouponsTable[]): Promise<Coupon[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const links = await db.selectFrom('coupon_courses').select(['coupon_id', 'course_id']).where('coupon_id', 'in', ids).execute();
  const counts = await db
    .selectFrom('payments')
    .select((eb) => ['coupon_id', eb.fn.countAll<number>().as('n')])
    .where('coupon_id', 'in', ids)
    .groupBy('coupon_id')
    .execute();
  const courses = new Map<string, string[]>();
  for (const l of links) courses.set(l.coupon_id, [...(courses.get(l.coupon_id) ?? []), l.course_id]);
  const used = new Map(counts.map((c) => [c.coupon_id!, Number(c.n)]));
  return rows.map((r) => toCoupon(r, courses.get(r.id) ?? [], used.get(r.id) ?? 0));
}

export async function createCoupon(ctx: AppContext, actor: Actor, input: CreateCouponInput, requestId: string | null): Promise<Coupon> {
  const courseIds = [...new Set(input.courseIds ?? [])];
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      await checkCourses(trx, courseIds);
      const row: CouponsTable = {
        id: newId(),
        code: input.code,
        percent_off: input.percentOff ?? null,
        amount_off: input.amountOff ?? null,
        currency: input.amountOff != null ? (input.currency ?? null) : null,
        valid_from: windowStart(input.validFrom),
        valid_until: windowEnd(input.validUntil),
        max_uses: input.maxUses ?? null,
        uses: 0,
        created_by: actor.id,
        created_at: nowIso(),
      };
      await trx.insertInto('coupons').values(row).execute();
      if (courseIds.length) await trx.insertInto('coupon_courses').values(courseIds.map((course_id) => ({ coupon_id: row.id, course_id }))).execute();
      const coupon = toCoupon(row, courseIds, 0);
      await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'coupon', entityId: row.id, after: coupon, requestId });
      return coupon;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw errors.conflict('COUPON_EXISTS', 'A coupon with this code already exists.');
    throw e;
  }
}

function usedBy(payments: number): string {
  return payments === 1 ? '1 payment' : `${payments.toLocaleString('en')} payments`;
}

/** PATCH /api/coupons/:id: see UpdateCouponBody for what may change when. */
export async function updateCoupon(ctx: AppContext, actor: Actor, id: string, patch: UpdateCouponInput, requestId: string | null): Promise<Coupon> {
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const before = await lockedCoupon(ctx, trx, id);
      const { row } = before;
      const terms = ['code', 'percentOff', 'amountOff', 'currency'] as const;
      const changedTerms = terms.filter((k) => patch[k] !== undefined && patch[k] !== before.coupon[k]);
      if (before.coupon.paymentCount > 0 && changedTerms.length) {
        throw new AppError(
          409,
          'COUPON_IN_USE',
          `This coupon was used in ${usedBy(before.coupon.paymentCount)}, which show its code and discount: those stay as they are (create a new coupon for other terms). Its validity, maximum uses and courses can still change.`,
          { errors: changedTerms.map((k) => ({ path: k, message: 'Cannot change once the coupon was used.' })) },
        );
      }
      const pick = <K extends 'percentOff' | 'amountOff' | 'currency' | 'validFrom' | 'validUntil' | 'maxUses'>(k: K) =>
        patch[k] !== undefined ? patch[k] : before.coupon[k];
      const next = { percentOff: pick('percentOff'), amountOff: pick('amountOff'), currency: pick('currency'), validFrom: pick('validFrom'), validUntil: pick('validUntil') };
      // A percent off leaves no currency behind.
      if (next.amountOff === null) next.currency = null;
      const problems = couponTermsProblems(next);
      const maxUses = pick('maxUses');
      const uses = Number(row.uses);
      if (maxUses !== null && maxUses < uses) {
        problems.push({ path: 'maxUses', message: `${uses.toLocaleString('en')} ${uses === 1 ? 'use is' : 'uses are'} taken already: the maximum cannot be lower.` });
      }
      if (problems.length) throw errors.validation(problems, problems[0]!.message);
      const courseIds = patch.courseIds !== undefined ? [...new Set(patch.courseIds)] : before.coupon.courseIds;
      await checkCourses(trx, courseIds);

      const set = {
        code: patch.code ?? row.code,
        percent_off: next.percentOff,
        amount_off: next.amountOff,
        currency: next.currency,
        valid_from: patch.validFrom === undefined ? row.valid_from : windowStart(patch.validFrom),
        valid_until: patch.validUntil === undefined ? row.valid_until : windowEnd(patch.validUntil),
        max_uses: maxUses,
      };
      await trx.updateTable('coupons').set(set).where('id', '=', id).execute();
      if (patch.courseIds !== undefined) {
        await trx.deleteFrom('coupon_courses').where('coupon_id', '=', id).execute();
        if (courseIds.length) await trx.insertInto('coupon_courses').values(courseIds.map((course_id) => ({ coupon_id: id, course_id }))).execute();
      }
      const after = toCoupon({ ...row, ...set }, courseIds, before.coupon.paymentCount);
      await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'coupon', entityId: id, before: before.coupon, after, requestId });
      return after;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw errors.conflict('COUPON_EXISTS', 'A coupon with this code already exists.');
    throw e;
  }
}

/** DELETE /api/coupons/:id: only a coupon no payment used (409 COUPON_IN_USE); a used one is ended by its validUntil. */
export async function deleteCoupon(ctx: AppContext, actor: Actor, id: string, requestId: string | null): Promise<void> {
  const inUse = (payments: number) =>
    new AppError(409, 'COUPON_IN_USE', `This coupon was used in ${usedBy(payments)} and stays with ${payments === 1 ? 'it' : 'them'}. To stop it, set Valid until to now (or an earlier day).`);
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const { coupon } = await lockedCoupon(ctx, trx, id);
      if (coupon.paymentCount > 0) throw inUse(coupon.paymentCount);
      await trx.deleteFrom('coupons').where('id', '=', id).execute();
      await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'coupon', entityId: id, before: coupon, requestId });
    });
  } catch (e) {
    // A checkout used it meanwhile: its payment references the coupon.
    if (isForeignKeyViolation(e)) throw inUse(1);
    throw e;
  }
}

/**
 * The coupon, its row locked against checkouts taking a use until the transaction ends
 * (PostgreSQL; SQLite has one writer): a checkout that took a use before has committed its
 * payment by then, and is counted.
 */
async function lockedCoupon(ctx: AppContext, db: Executor, id: string): Promise<{ row: CouponsTable; coupon: Coupon }> {
  const read = db.selectFrom('coupons').selectAll().where('id', '=', id);
  const row = await (ctx.dialect === 'postgres' ? read.forUpdate() : read).executeTakeFirst();
  if (!row) throw errors.notFound('The coupon');
  return { row, coupon: (await couponsOf(db, [row]))[0]! };
}

export async function listCoupons(ctx: AppContext, q: { limit: number; cursor?: string | undefined }): Promise<{ items: Coupon[]; nextCursor: string | null }> {
  let query = ctx.db.selectFrom('coupons').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return { items: await couponsOf(ctx.db, page), nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
}

/** GET /api/coupons/:id (payment staff): one coupon with its courses; 404 when there is none. */
export async function getCoupon(ctx: AppContext, id: string): Promise<Coupon> {
  const row = await ctx.db.selectFrom('coupons').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The coupon');
  return (await couponsOf(ctx.db, [row]))[0]!;
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
