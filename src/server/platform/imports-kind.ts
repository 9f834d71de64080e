/** What a kind of row plugs into the CSV import engine (imports.service.ts), and how large a file of it may be. */
import type { Actor, AppContext } from '../context.ts';
import type { Tx } from '../db/database.ts';
import type { ImportKindName, ImportMode } from '../../contract/imports.ts';
import type { AuditEntryInput } from './audit.service.ts';

/** One data row: the file's line number and its values by canonical column name ('' when absent). */
export interface ImportRow {
  line: number;
  values: Record<string, string>;
}

export type RowOutcome<Item> =
  | { kind: 'ok'; item: Item; key: string }
  | { kind: 'skip'; key: string }
  | { kind: 'error'; errors: { column: string | null; message: string }[] };

export interface ImportRunContext {
  ctx: AppContext;
  actor: Actor;
  importId: string;
  dryRun: boolean;
}

/** One run of a kind: may keep caches (courses by title, ...) across the batches of a file. */
export interface ImportKindRun<Item> {
  /** Checks and resolves a batch of rows with a few set-based queries; one outcome per row, in order. */
  resolve(rows: readonly ImportRow[]): Promise<RowOutcome<Item>[]>;
  /**
   * Checks that need every row of the file at once (a row that refers to another row, earlier or
   * later): runs after the last batch is resolved, before anything is written. Returns the items
   * to write, in the order to write them, and the errors of the items it drops.
   */
  prepare?(items: readonly Item[]): Promise<{ items: Item[]; errors: { line: number; column: string | null; message: string }[] }>;
  /**
   * Inserts a batch (at most `writeBatch` items) with conflict handling inside `trx`. Returns the
   * audit entries of the rows actually created (rows that already existed are not created), or,
   * when the writer records its own audit entries, how many rows it created.
   */
  write(trx: Tx, items: readonly Item[]): Promise<AuditEntryInput[] | { created: number; audit: AuditEntryInput[] }>;
}

export interface ImportKind<Item> {
  name: ImportKindName;
  /** Known columns in template order. */
  columns: readonly string[];
  /** Header problems (e.g. "Give a memberEmail or employeeCode column"). */
  checkHeader(columns: readonly string[]): { column: string | null; message: string }[];
  /** Items per write call; keep items × bound parameters per item under 32766 (SQLite). */
  writeBatch: number;
  /** What two rows with the same key share, for the duplicate-row error ("member and course"). */
  keyLabel: string;
  /**
   * Most rows an all-or-nothing import of this kind may have on this database, or null for no
   * limit: its one transaction holds the write lock for the whole write (on SQLite every other
   * write waits meanwhile). A larger file fails before anything is checked or written.
   */
  allOrNothingLimit?(ctx: AppContext): number | null;
  start(ic: ImportRunContext): ImportKindRun<Item>;
}

/**
 * The all-or-nothing limit of one-writer databases: at most one write batch, so the import's one
 * transaction holds the write lock as briefly as a valid-rows batch does (SQLite runs every request
 * on one connection: a 100,000-row transaction would stall all of them for its whole length).
 */
export function oneBatchOnSqlite(writeBatch: number): (ctx: AppContext) => number | null {
  return (ctx) => (ctx.dialect === 'sqlite' ? writeBatch : null);
}

/** Why a file of `total` rows may not be imported in `mode` here, in words; null when it may. */
export function importSizeProblem<Item>(ctx: AppContext, kind: ImportKind<Item>, mode: ImportMode, total: number): string | null {
  const limit = mode === 'all-or-nothing' ? (kind.allOrNothingLimit?.(ctx) ?? null) : null;
  if (limit === null || total <= limit) return null;
  return (
    `An all-or-nothing import takes at most ${limit.toLocaleString('en-US')} rows on this server's database; this file has ` +
    `${total.toLocaleString('en-US')}. Split the file, or import it with mode valid-rows (each batch is written on its own).`
  );
}
