import { z } from 'zod';

export const IdSchema = z.string().min(1).max(64).regex(/^[0-9a-z]+$/, 'Not a valid id');
export const IdParams = z.strictObject({ id: IdSchema });

/** ISO date YYYY-MM-DD that is a real calendar day. */
export const IsoDate = z.iso.date();
export const IsoDateTime = z.iso.datetime();

export const LimitSchema = z.coerce.number().int().min(1).max(500).default(20);

export const PageQuery = {
  limit: LimitSchema,
  // A sorted list's cursor carries the last row's sort value (up to 200 characters) and its id.
  cursor: z.string().max(1200).optional(),
  withTotal: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
};

/**
 * `sort=key` (ascending) or `sort=-key` (descending), one of the list's sortable keys; rows with
 * the same value follow in id order. Without it a list keeps its default order.
 */
export function SortQuery<const K extends readonly [string, ...string[]]>(keys: K) {
  const tokens = [...keys, ...keys.map((k) => `-${k}`)] as [K[number] | `-${K[number]}`, ...(K[number] | `-${K[number]}`)[]];
  return z.enum(tokens).optional();
}

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable(), total: z.number().int().optional() });
}

export const BoolQuery = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.string(),
  })
  .loose();
