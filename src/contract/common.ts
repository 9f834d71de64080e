import { z } from 'zod';

export const IdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9a-z]+$/, 'Not a valid id');
export const IdParams = z.strictObject({ id: IdSchema });

/** ISO date YYYY-MM-DD that is a real calendar day. */
export const IsoDate = z.iso.date();
export const IsoDateTime = z.iso.datetime();
/** A timestamp with Z or an offset, stored as UTC `toISOString()` text (so text order is time order). */
export const UtcTimestamp = z.iso
  .datetime({ offset: true, error: 'Give a date and time such as 2026-12-31T17:00:00Z.' })
  .transform((s) => new Date(s).toISOString());

/**
 * Characters that show nothing: whitespace and other separators, control and format characters
 * (zero-width space and joiners, BOM, bidi marks, word joiner), and the blank-looking fillers
 * (Hangul fillers, braille blank, Mongolian vowel separator).
 */
const INVISIBLE_CLASS = '[\\s\\p{Z}\\p{Cc}\\p{Cf}\\u115F\\u1160\\u3164\\uFFA0\\u2800\\u180E]';
const INVISIBLE_EDGES = new RegExp(`^${INVISIBLE_CLASS}+|${INVISIBLE_CLASS}+$`, 'gu');

/** Strips invisible characters from both ends of a text. */
export function trimInvisible(text: string): string {
  return text.replace(INVISIBLE_EDGES, '');
}

/**
 * Text that must show something (titles, names): trimmed of invisible characters at both ends,
 * refused when nothing visible is left, at most `max` characters.
 */
export function VisibleText(max: number, what = 'This text') {
  return z
    .string()
    .overwrite(trimInvisible)
    .min(1, `${what} is empty or made only of invisible characters (such as spaces or zero-width spaces).`)
    .max(max, `${what} is longer than ${max} characters.`);
}

export const LimitSchema = z.coerce.number().int().min(1).max(500).default(20);

export const PageQuery = {
  limit: LimitSchema,
  // A sorted list's cursor carries the last row's sort value (up to 200 characters) and its id.
  cursor: z.string().max(1200).optional(),
  withTotal: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
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

/** RFC 9457 problem details, the body of every 4xx/5xx answer (`application/problem+json`). */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    /** Stable UPPER_SNAKE name, e.g. ALREADY_ENROLLED. */
    code: z.string(),
    instance: z.string(),
    requestId: z.string(),
    /** Where a request or file failed its schema (400 VALIDATION_FAILED and a few others). */
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose();

/** `part` of `whole` as a percentage with one decimal (33.3); 0 when the whole is nothing. Completion rates use it. */
export function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}
