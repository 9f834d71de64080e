/**
 * CSV export of any keyset-paged list: `GET <list>/export.csv?<the list's filters>`.
 *
 * The export calls the list's own service function page by page (2,000 rows a page), so it applies
 * exactly the list's filters, sort and row-level permissions. Rows are streamed as they are read
 * (csvStream pulls the next page only when the client has taken the previous one): no table is
 * held in memory. The first page is read before anything is sent, so a filter the service rejects
 * or a row the caller may not see still answers a plain problem+json error.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Executor } from '../db/database.ts';
import type { Access } from '../http/access.ts';
import type { ProblemCode } from '../http/openapi.ts';
import type { App } from '../http/types.ts';
import { csvStream, type CsvValue } from './csv.ts';

/** Rows read per list call while exporting. */
export const EXPORT_PAGE = 2000;

/** One CSV column: its header and how a row (with the page's looked-up facts) gives its value. */
export interface CsvColumn<T, X = undefined> {
  header: string;
  value: (row: T, lookup: X) => CsvValue;
}

/** What the export adds to the list's filters for each call. */
export interface ExportPaging {
  limit: number;
  cursor: string | undefined;
  withTotal: false;
}

export interface ListPage<T> {
  items: readonly T[];
  nextCursor: string | null;
}

/** The list's query without its paging parameters. */
export type ExportFilters<Q> = Omit<Q, 'limit' | 'cursor' | 'withTotal'>;

export interface ListExport<F, T, X = undefined> {
  /** The list's service function. */
  list: (q: F & ExportPaging) => Promise<ListPage<T>>;
  filters: F;
  columns: readonly CsvColumn<T, X>[];
  /** Without `.csv`. */
  fileName: string;
  /** Facts for all rows of a page at once (set-based), e.g. the names behind the ids it holds. */
  lookup?: (items: readonly T[]) => Promise<X>;
}

/** Drops limit, cursor and withTotal from a list query. */
export function exportFilters<Q extends object>(query: Q): ExportFilters<Q> {
  const { limit: _l, cursor: _c, withTotal: _w, ...filters } = query as Q & { limit?: unknown; cursor?: unknown; withTotal?: unknown };
  return filters;
}

/** Streams the list as CSV: header row, then every page; text/csv, attachment, not cached. */
export async function sendListCsv<F, T, X = undefined>(reply: FastifyReply, spec: ListExport<F, T, X>): Promise<FastifyReply> {
  const call = (cursor: string | undefined) => spec.list({ ...spec.filters, limit: EXPORT_PAGE, cursor, withTotal: false });
  const first = await call(undefined);
  async function* pages(): AsyncGenerator<CsvValue[][]> {
    let page = first;
    for (;;) {
      const lookup = (spec.lookup ? await spec.lookup(page.items) : undefined) as X;
      yield page.items.map((row) => spec.columns.map((c) => c.value(row, lookup)));
      if (!page.nextCursor) return;
      page = await call(page.nextCursor);
    }
  }
  const stream = csvStream(
    spec.columns.map((c) => c.header),
    pages(),
    (values) => values,
  );
  return reply
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${spec.fileName}.csv"`)
    .header('Cache-Control', 'no-store')
    .send(stream);
}

export interface ListExportRoute<Q, T, X> {
  /** The list route's access rule. */
  access: Access;
  /** Codes the list answers beyond the generic ones (as the list route's `config.problems`). */
  problems?: readonly ProblemCode[];
  tags: string[];
  /** The list route's query schema, as it is (limit, cursor and withTotal are accepted and ignored). */
  querystring: z.ZodType<Q>;
  fileName: string;
  /** The list's service function for this request. */
  list: (req: FastifyRequest, q: ExportFilters<Q> & ExportPaging) => Promise<ListPage<T>>;
  columns: readonly CsvColumn<T, X>[];
  lookup?: (items: readonly T[]) => Promise<X>;
}

/** Registers `GET <list>/export.csv`: the list `list` answers, with the same filters and access, as CSV. */
export function registerListExport<Q extends object, T, X = undefined>(app: App, listUrl: string, route: ListExportRoute<Q, T, X>): void {
  app.get(
    `${listUrl}/export.csv`,
    {
      config: { access: route.access, problems: route.problems },
      schema: {
        tags: route.tags,
        summary: `GET ${listUrl} with the same filters, streamed as CSV (limit and cursor are ignored)`,
        querystring: route.querystring,
      },
    },
    async (req, reply) =>
      sendListCsv(reply, {
        list: (q) => route.list(req, q),
        filters: exportFilters(req.query as Q),
        columns: route.columns,
        fileName: route.fileName,
        ...(route.lookup ? { lookup: route.lookup } : {}),
      }),
  );
}

/** Full names of the users or employees that a page's rows point at (`idOf`), in one query. */
export async function fullNamesById<T>(
  db: Executor,
  table: 'users' | 'employees',
  items: readonly T[],
  idOf: (row: T) => string | null,
): Promise<Map<string, string>> {
  const ids = [...new Set(items.map(idOf).filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom(table).select(['id', 'full_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.full_name]));
}

/** The email address of each user an export names, so two people of one name stay apart. */
export async function emailsById<T>(db: Executor, items: readonly T[], idOf: (row: T) => string | null): Promise<Map<string, string>> {
  const ids = [...new Set(items.map(idOf).filter((id): id is string => !!id))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'email']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}

/** A stored code as a word for a spreadsheet: "in_progress" → "In progress". */
export function codeInWords(code: string | null | undefined): string {
  if (!code) return '';
  const spaced = code.replace(/[_-]/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** How the desk shows a yes/no value. */
export function yesNo(v: boolean | null | undefined): string {
  return v === null || v === undefined ? '' : v ? 'Yes' : 'No';
}
