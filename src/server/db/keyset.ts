/**
 * Sorted lists with keyset paging: `sort=key` / `sort=-key` picks one of a list's sortable keys,
 * rows are ordered by that key and then by id (the same direction), and the cursor carries the
 * sort token, the last row's key value and its id. Ties on the key are broken by the id, so paging
 * through a sorted list returns every row exactly once.
 *
 * Text keys are compared case-insensitively in byte order of lower(text) on both engines
 * (`collate "C"` on PostgreSQL), so a list sorts the same on SQLite and PostgreSQL. A nullable key
 * is compared through coalesce(key, '') / coalesce(key, -1): empty values sort first ascending.
 */
import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { errors } from '../http/errors.ts';
import type { Dialect } from './database.ts';

export interface SortKey {
  /** The column (or joined column) the key orders by. */
  ref: string;
  /** An expression to order by instead of the column (a derived value). */
  sql?: RawBuilder<unknown>;
  kind: 'text' | 'number' | 'date';
  nullable?: boolean;
  /** A number key on an integer column: a cursor value must be a 32-bit integer. */
  integer?: boolean;
}

const INT32_MAX = 2_147_483_647;

/** Whether a cursor's value is one the key's column can hold (PostgreSQL refuses others outright). */
function fitsKey(key: SortKey, value: unknown): boolean {
  if (key.kind !== 'number') return typeof value === 'string';
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  return !key.integer || (Number.isInteger(value) && Math.abs(value) <= INT32_MAX);
}

/** A list's sortable keys by their API name (camelCase, as in the row JSON). */
export type SortKeys<K extends string = string> = Record<K, SortKey>;

export interface KeysetOrder {
  /** The sort token as asked ('-createdAt'), or null for the list's default order by id. */
  token: string | null;
  key: SortKey | null;
  desc: boolean;
  /** The id column that breaks ties. */
  id: string;
}

/** Resolves `sort` against the list's keys (the query schema has already restricted it to them). */
export function keysetOrder(sort: string | undefined, keys: SortKeys<string>, id: string, fallback: { desc: boolean } = { desc: true }): KeysetOrder {
  if (!sort) return { token: null, key: null, desc: fallback.desc, id };
  const desc = sort.startsWith('-');
  const name = desc ? sort.slice(1) : sort;
  const key = keys[name];
  if (!key) throw errors.validation([{ path: 'querystring.sort', message: `Not a sortable key of this list: ${name}.` }]);
  return { token: sort, key, desc, id };
}

/** The expression a key orders by (normalised as the module comment says). */
export function sortExpression(key: SortKey, dialect: Dialect): RawBuilder<unknown> {
  const ref = key.sql ?? sql.ref(key.ref);
  if (key.kind === 'number') return key.nullable ? sql`coalesce(${ref}, -1)` : sql`${ref}`;
  const value = key.nullable ? sql`coalesce(${ref}, '')` : sql`${ref}`;
  if (key.kind === 'date') return value;
  return dialect === 'postgres' ? sql`(lower(${value}) collate "C")` : sql`lower(${value})`;
}

type Cursor = { value: string | number | null; id: string };

function decode(order: KeysetOrder, cursor: string): Cursor {
  if (!order.key) return { value: null, id: cursor };
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v[0] === order.token && typeof v[2] === 'string') {
      const value: unknown = v[1];
      if (fitsKey(order.key, value)) return { value: value as string | number, id: v[2] };
    }
  } catch {
    // fall through
  }
  throw errors.validation([{ path: 'querystring.cursor', message: 'Not a cursor from this list and sort.' }]);
}

/** The name of the extra column that holds each row's sort value (for the next cursor). */
export const SORT_VALUE = 'sort_value';

/**
 * Orders the query by the key (then id), starts after the cursor and selects the key's value as
 * `sort_value`. Without a sort token it orders by id alone and the cursor is the last id.
 */
export function applyKeyset<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  order: KeysetOrder,
  dialect: Dialect,
  cursor: string | undefined,
): SelectQueryBuilder<DB, TB, O> {
  const dir = order.desc ? 'desc' : 'asc';
  const id = sql.ref(order.id);
  const cmp = sql.raw(order.desc ? '<' : '>');
  if (!order.key) {
    let out = q;
    if (cursor) out = out.where(sql<SqlBool>`${id} ${cmp} ${cursor}`);
    return out.orderBy(id, dir);
  }
  const expr = sortExpression(order.key, dialect);
  let out = q.select(expr.as(SORT_VALUE) as never) as unknown as SelectQueryBuilder<DB, TB, O>;
  if (cursor) {
    const c = decode(order, cursor);
    out = out.where(sql<SqlBool>`(${expr}, ${id}) ${cmp} (${c.value}, ${c.id})`);
  }
  return out.orderBy(expr as Expression<unknown>, dir).orderBy(id, dir);
}

/** The cursor after `row` (a row of a query made by applyKeyset, with its id). */
export function cursorAfter(order: KeysetOrder, row: { id: string } & Record<string, unknown>): string {
  if (!order.key) return row.id;
  let value = row[SORT_VALUE];
  if (order.key.kind === 'number') value = Number(value);
  return Buffer.from(JSON.stringify([order.token, value, row.id])).toString('base64url');
}

/** One page of a keyset query: the rows to show and the cursor for the next page. */
export function keysetPage<R extends { id: string }>(order: KeysetOrder, rows: R[], limit: number): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? cursorAfter(order, last) : null };
}
