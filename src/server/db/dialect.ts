/**
 * Every difference between SQLite and PostgreSQL that services need lives here.
 * Storage conventions shared by both: ids are text, timestamps are ISO-8601 UTC text,
 * dates are YYYY-MM-DD text, booleans are integers 0/1, JSON is text.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

/**
 * True when `err` is a unique-constraint violation. With `on`, only a violation of that unique
 * index: PostgreSQL names the index, SQLite names the columns ("table.col, table.col").
 */
export function isUniqueViolation(err: unknown, on?: { index: string; columns: string }): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') return on === undefined || e.constraint === on.index;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return on === undefined || (e.message ?? '').endsWith(on.columns);
  }
  return false;
}

export function isForeignKeyViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: string }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * True when `err` says the database cannot be reached or is not taking work right now (as opposed
 * to a query that is wrong): PostgreSQL connection failures (network errors, class 08 connection
 * exceptions, 57P01-57P03 shutdown/cannot connect now, 53300 too many connections, the pool's
 * connect timeout or a dropped connection) and SQLite busy/locked/cannot-open/I-O errors.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message, errors, cause } = e as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
      if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|PROTOCOL|NOTADB)/.test(code)) return true;
    }
    if (typeof message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect)/.test(message)) return true;
    if (Array.isArray(errors) && errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = cause;
  }
  return false;
}

/** Escapes % and _ for a LIKE pattern that is then used with ESCAPE '\\'. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Case-insensitive "contains" test, the same on both engines. */
export function containsCi(ref: Expression<unknown>, text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`lower(${ref}) like ${likePattern(text.toLowerCase())} escape '\\'`;
}

export function bool(v: boolean): number {
  return v ? 1 : 0;
}

/** A day in milliseconds (a UTC day: always 24 hours). */
export const DAY_MS = 86_400_000;

export function nowIso(): string {
  return new Date().toISOString();
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The calendar day `days` after `day` (YYYY-MM-DD, UTC; negative goes back). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
