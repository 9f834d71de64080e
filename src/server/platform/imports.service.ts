/**
 * The CSV import engine: one engine for the API, the desk and the CLI, for every kind of row
 * (enrollments, employees, training assignments). A kind plugs in with its columns, a resolver
 * that checks and resolves a batch of rows set-based, and a writer that inserts a batch with
 * conflict handling.
 *
 * Flow of one import (state in the `imports` table, so any process can answer GET /api/imports/:id):
 *   1. count the records (total), then stream the file again and check every row in batches:
 *      syntax, lookups, duplicates inside the file, rows that need nothing (skipped);
 *   2. all-or-nothing: any error writes nothing (status failed); otherwise every batch is written
 *      in ONE transaction. valid-rows: the good rows are written in short transactions (on SQLite
 *      sized to take a few milliseconds each: see write-slices.ts);
 *   3. dryRun stops after step 1 and reports what would be created.
 * Every created row gets an audit entry carrying the import id, plus one entry for the import
 * itself (who, file name, counts). Between batches and slices of work the import gives the event
 * loop a turn (event-loop.ts), so the other requests of the process keep being answered.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Actor, AppContext } from '../context.ts';
import type { Tx } from '../db/database.ts';
import { bool, nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import type { ImportsTable } from '../db/schema-imports.ts';
import { errors } from '../http/errors.ts';
import { hasAnyRole } from '../http/access.ts';
import type { ImportKindName, ImportMode, ImportRowError, ImportState, ImportStatus } from '../../contract/imports.ts';
import { recordAudit, recordAuditMany, type AuditEntryInput } from './audit.service.ts';
import { CsvSyntaxError, countCsvRecords, readCsv } from './csv.ts';
import { ownCommit } from '../db/database.ts';
import { ownerGone, PROCESS_OWNER } from './process-owner.ts';
import { nextTurn, Pacer } from './event-loop.ts';
import { WriteSlices } from './write-slices.ts';

/** At most this many errors are kept in the import record (errorCount has the full number). */
export const MAX_STORED_ERRORS = 1000;
/**
 * Rows checked per resolver call: its queries run back to back (on SQLite synchronously), so a
 * batch is also the longest the checks keep the event loop.
 */
const RESOLVE_BATCH = 1000;

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

export interface NewImport {
  kind: ImportKindName;
  fileName: string;
  mode: ImportMode;
  dryRun: boolean;
  /** The uploaded scratch file (under DATA_DIR/imports), deleted when the import ends however it ends. */
  uploadFile?: string;
}

/** Where uploads wait for their import. */
export function importUploadDir(ctx: AppContext): string {
  return path.join(ctx.config.dataDir, 'imports');
}

function toState(r: ImportsTable): ImportState {
  return {
    id: r.id,
    kind: r.kind as ImportKindName,
    status: r.status as ImportStatus,
    phase: r.phase as ImportState['phase'],
    mode: r.mode as ImportMode,
    dryRun: r.dry_run === 1,
    fileName: r.file_name,
    processed: Number(r.processed),
    total: Number(r.total),
    created: Number(r.created),
    skipped: Number(r.skipped),
    errorCount: Number(r.error_count),
    errors: JSON.parse(r.errors_json) as ImportRowError[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
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

export async function createImport(ctx: AppContext, actor: Actor, input: NewImport): Promise<string> {
  const id = newId();
  await ctx.db
    .insertInto('imports')
    .values({
      id,
      kind: input.kind,
      status: 'queued',
      phase: 'validating',
      file_name: input.fileName,
      mode: input.mode,
      dry_run: bool(input.dryRun),
      processed: 0,
      total: 0,
      created: 0,
      skipped: 0,
      error_count: 0,
      errors_json: '[]',
      created_by: actor.id,
      created_at: nowIso(),
      finished_at: null,
      heartbeat_at: nowIso(),
      owner: PROCESS_OWNER,
      upload_file: input.uploadFile ? path.basename(input.uploadFile) : null,
    })
    .execute();
  return id;
}

/** The import's state; only its creator and System Managers/Moderators see it (others: 404). */
export async function getImport(ctx: AppContext, actor: Actor, id: string): Promise<ImportState> {
  const row = await ctx.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  const mine = row !== undefined && actor.id !== null && row.created_by === actor.id;
  if (!row || !(mine || hasAnyRole(actor.roles, ['System Manager', 'Moderator']))) throw errors.notFound('The import');
  return toState(row);
}

export async function importState(ctx: AppContext, id: string): Promise<ImportState> {
  return toState(await ctx.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
}

export interface RunImportInput {
  id: string;
  file: string;
  mode: ImportMode;
  dryRun: boolean;
  /** Delete the file when done (uploads); the CLI keeps the operator's file. */
  deleteFile: boolean;
  /** Called after every batch (CLI progress bar). */
  onProgress?: (s: { phase: 'validating' | 'writing'; processed: number; total: number; created: number }) => void;
}

class RowErrors {
  readonly list: ImportRowError[] = [];
  count = 0;
  add(row: number, column: string | null, message: string): void {
    this.count++;
    if (this.list.length < MAX_STORED_ERRORS) this.list.push({ row, column, message });
  }
}

/** Maps header cells to the kind's column names (case-insensitive); unknown columns are errors. */
function mapHeader<Item>(kind: ImportKind<Item>, header: readonly string[], errs: RowErrors, line: number): (string | null)[] {
  const byLower = new Map(kind.columns.map((c) => [c.toLowerCase(), c]));
  const seen = new Set<string>();
  const mapped = header.map((h) => {
    if (h === '') return null;
    const col = byLower.get(h.toLowerCase());
    if (!col) {
      errs.add(line, h, `Unknown column "${h}". The columns are: ${kind.columns.join(', ')}.`);
      return null;
    }
    if (seen.has(col)) errs.add(line, h, `The column "${h}" appears twice.`);
    seen.add(col);
    return col;
  });
  for (const e of kind.checkHeader([...seen])) errs.add(line, e.column, e.message);
  return mapped;
}

/**
 * Runs an import to the end and records its outcome; never throws (a crash is recorded as
 * status failed). Runs in the background of the request that uploaded the file, inline with
 * ?wait=true, or in the CLI.
 */
export async function runImport<Item>(ctx: AppContext, actor: Actor, kind: ImportKind<Item>, input: RunImportInput): Promise<ImportState> {
  const { id } = input;
  const errs = new RowErrors();
  let created = 0;
  let skipped = 0;
  let processed = 0;
  let total = 0;
  let lastProgress = 0;
  const progress = async (phase: 'validating' | 'writing', force = false) => {
    // At most a few progress writes per second: enough for a progress bar, cheap for the database.
    const now = Date.now();
    if (!force && now - lastProgress < 250) return;
    lastProgress = now;
    await ctx.db.updateTable('imports').set({ phase, processed, total, created, heartbeat_at: nowIso() }).where('id', '=', id).execute();
    input.onProgress?.({ phase, processed, total, created });
  };
  const finish = async (status: ImportStatus, db: Tx | null = null) => {
    const values = {
      status,
      phase: 'finished',
      processed,
      total,
      created,
      skipped,
      error_count: errs.count,
      errors_json: JSON.stringify(errs.list),
      finished_at: nowIso(),
    };
    await (db ?? ctx.db).updateTable('imports').set(values).where('id', '=', id).execute();
  };
  const auditImport = async (db: Tx, status: ImportStatus) => {
    const row = await db.selectFrom('imports').select(['file_name', 'kind', 'mode']).where('id', '=', id).executeTakeFirstOrThrow();
    await recordAudit(db, {
      actorId: actor.id,
      action: 'import',
      entity: 'import',
      entityId: id,
      after: { kind: row.kind, fileName: row.file_name, mode: row.mode, status, total, created, skipped, errorCount: errs.count },
      importId: id,
    });
  };

  // Heartbeat while the import runs, so reapStaleImports can tell it from one whose process died.
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    ctx.db
      .updateTable('imports')
      .set({ heartbeat_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute()
      .catch((e: unknown) => ctx.log.warn({ err: e, importId: id }, 'import heartbeat failed'))
      .finally(() => (beating = false));
  }, IMPORT_HEARTBEAT_MS);
  heartbeat.unref();

  try {
    await ctx.db.updateTable('imports').set({ status: 'running', heartbeat_at: nowIso(), owner: PROCESS_OWNER }).where('id', '=', id).execute();
    total = await countCsvRecords(input.file);
    await progress('validating', true);
    const tooLarge = importSizeProblem(ctx, kind, input.mode, total);
    if (tooLarge !== null) {
      errs.add(0, null, tooLarge);
      await finish('failed');
      return await importState(ctx, id);
    }

    const run = kind.start({ ctx, actor, importId: id, dryRun: input.dryRun });
    // Parsing and checking a large file is synchronous work: other requests get a turn between slices.
    const pacer = new Pacer();
    const items: Item[] = [];
    const firstLineOfKey = new Map<string, number>();
    let columns: (string | null)[] | null = null;
    let batch: ImportRow[] = [];

    const flush = async () => {
      if (batch.length === 0) return;
      const outcomes = await run.resolve(batch);
      for (let i = 0; i < batch.length; i++) {
        const row = batch[i]!;
        const o = outcomes[i]!;
        if (o.kind === 'error') {
          for (const e of o.errors) errs.add(row.line, e.column, e.message);
          continue;
        }
        const first = firstLineOfKey.get(o.key);
        if (first !== undefined) {
          errs.add(row.line, null, `Duplicate of row ${first}: the same ${kind.keyLabel} appears twice in the file.`);
          continue;
        }
        firstLineOfKey.set(o.key, row.line);
        if (o.kind === 'skip') skipped++;
        else items.push(o.item);
      }
      processed += batch.length;
      batch = [];
      await progress('validating');
      await nextTurn();
    };

    let headerBad = false;
    for await (const rec of readCsv(input.file)) {
      if (columns === null) {
        columns = mapHeader(kind, rec.fields, errs, rec.line);
        headerBad = errs.count > 0;
        if (headerBad) break;
        continue;
      }
      if (rec.fields.length > columns.length && rec.fields.slice(columns.length).some((f) => f !== '')) {
        errs.add(rec.line, null, `The row has ${rec.fields.length} fields but the header has ${columns.length}.`);
        processed++;
        await pacer.pace();
        continue;
      }
      const values: Record<string, string> = {};
      for (const c of kind.columns) values[c] = '';
      for (let i = 0; i < rec.fields.length; i++) {
        const col = columns[i];
        if (col) values[col] = rec.fields[i]!;
      }
      batch.push({ line: rec.line, values });
      if (batch.length >= RESOLVE_BATCH) await flush();
      else await pacer.pace();
    }
    if (columns === null) errs.add(1, null, 'The file is empty: it needs a header line and at least one row.');
    if (columns === null || headerBad) {
      await finish('failed');
      return await importState(ctx, id);
    }
    await flush();
    if (run.prepare && items.length > 0) {
      const checked = await run.prepare(items);
      for (const e of checked.errors) errs.add(e.line, e.column, e.message);
      items.length = 0;
      for (const it of checked.items) items.push(it);
    }
    await progress('validating', true);

    if (input.mode === 'all-or-nothing' && errs.count > 0) {
      await finish('failed');
      return await importState(ctx, id);
    }
    if (input.dryRun) {
      created = items.length;
      await finish('done');
      return await importState(ctx, id);
    }

    await progress('writing', true);
    const slices = new WriteSlices(kind.writeBatch, ctx.dialect);
    /** Writes a batch; returns how many rows it created (the counters change once it commits). */
    const writeBatch = async (trx: Tx, slice: readonly Item[]) => {
      const out = await run.write(trx, slice);
      const written = Array.isArray(out) ? { created: out.length, audit: out } : out;
      await recordAuditMany(trx, written.audit, 2000);
      return written.created;
    };
    // Long transactions: committed on their own, not in a group with quick requests.
    const db = ownCommit(ctx.db);
    if (input.mode === 'all-or-nothing') {
      await db.transaction().execute(async (trx) => {
        let n = 0;
        for (let i = 0; i < items.length; ) {
          const slice = items.slice(i, i + slices.size);
          i += slice.length;
          const started = performance.now();
          n += await writeBatch(trx, slice);
          slices.record(slice.length, performance.now() - started);
        }
        created = n;
        skipped += items.length - n;
        await auditImport(trx, 'done');
        await finish('done', trx);
      });
    } else {
      for (let i = 0; i < items.length; ) {
        const slice = items.slice(i, i + slices.size);
        i += slice.length;
        const started = performance.now();
        // The counters commit with the rows they count: an import cut off at any point reports
        // exactly what it wrote.
        const n = await db.transaction().execute(async (trx) => {
          const made = await writeBatch(trx, slice);
          await trx
            .updateTable('imports')
            .set({ phase: 'writing', created: created + made, skipped: skipped + slice.length - made, heartbeat_at: nowIso() })
            .where('id', '=', id)
            .execute();
          return made;
        });
        slices.record(slice.length, performance.now() - started);
        created += n;
        skipped += slice.length - n;
        input.onProgress?.({ phase: 'writing', processed, total, created });
        // The requests that arrived during the transaction run before the next one starts.
        await nextTurn();
      }
      await db.transaction().execute(async (trx) => {
        await auditImport(trx, 'done');
        await finish('done', trx);
      });
    }
    input.onProgress?.({ phase: 'writing', processed, total, created });
    return await importState(ctx, id);
  } catch (e) {
    if (e instanceof CsvSyntaxError) {
      errs.add(e.line, null, e.message);
    } else {
      ctx.log.error({ err: e, importId: id }, 'import failed');
      // valid-rows: `created` counts the committed batches. all-or-nothing: the one transaction
      // rolled back, nothing of this import was written.
      if (input.mode === 'all-or-nothing') created = 0;
      errs.add(0, null, 'The import stopped because of an unexpected error; it has been logged.');
    }
    try {
      await finish('failed');
      return await importState(ctx, id);
    } catch (e2) {
      ctx.log.error({ err: e2, importId: id }, 'could not record the failed import');
      throw e2;
    }
  } finally {
    clearInterval(heartbeat);
    if (input.deleteFile) await fs.promises.rm(input.file, { force: true }).catch(() => {});
  }
}

/** How often a running import marks itself alive. */
export const IMPORT_HEARTBEAT_MS = 15_000;
/** An import queued or running without a heartbeat for this long, by a process of another machine, has lost its process. */
export const IMPORT_STALE_MS = 2 * 60_000;
/**
 * On its own machine a live process keeps its imports however long it is silent (a long SQLite
 * transaction holds back the heartbeat), up to this much (a recycled process id).
 */
const SAME_HOST_STALE_MS = 60 * 60_000;
/** Upload scratch files older than this that no unfinished import refers to are left-overs. */
const ORPHAN_UPLOAD_MS = 60 * 60_000;

/**
 * Ends as failed every import left queued or running by a process that stopped (crash, kill -9,
 * restart): at once when that process ran on this machine (every SQLite import, since SQLite is
 * one machine's file), after `staleMs` without a heartbeat when it ran on another one (several
 * processes on one PostgreSQL database). The rows its committed batches wrote stay, and its
 * counters (committed with them) say how many; its uploaded file is deleted, and so are upload
 * left-overs no unfinished import refers to. Runs on server start and from the jobs runner.
 * Returns the ids it ended.
 */
export async function reapStaleImports(ctx: AppContext, staleMs = IMPORT_STALE_MS): Promise<string[]> {
  const open = await ctx.db
    .selectFrom('imports')
    .select(['id', 'owner', 'heartbeat_at', 'created_at'])
    .where('status', 'in', ['queued', 'running'])
    .execute();
  const ended: string[] = [];
  for (const row of open.filter((r) => ownerGone(r.owner, r.heartbeat_at ?? r.created_at, { staleMs, sameHostStaleMs: SAME_HOST_STALE_MS }))) {
    await ctx.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('imports').select(['created', 'skipped', 'upload_file']).where('id', '=', row.id).executeTakeFirstOrThrow();
      const created = Number(current.created);
      const error: ImportRowError = {
        row: 0,
        column: null,
        message:
          'The import stopped: the process running it ended before it finished. ' +
          (created > 0 ? `The ${created} rows written before that stay; import the file again to add the rest (rows already there are skipped).` : 'Nothing was written.'),
      };
      const res = await trx
        .updateTable('imports')
        .set({ status: 'failed', phase: 'finished', error_count: 1, errors_json: JSON.stringify([error]), finished_at: nowIso(), upload_file: null })
        .where('id', '=', row.id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return;
      ended.push(row.id);
      if (current.upload_file) await fs.promises.rm(path.join(importUploadDir(ctx), path.basename(current.upload_file)), { force: true });
    });
  }
  if (ended.length > 0) ctx.log.warn({ importIds: ended }, 'ended imports left unfinished by a stopped process');
  await removeOrphanUploads(ctx);
  return ended;
}

/** Deletes upload scratch files that no queued or running import refers to (a process died while receiving one). */
async function removeOrphanUploads(ctx: AppContext): Promise<void> {
  const dir = importUploadDir(ctx);
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  if (names.length === 0) return;
  const rows = await ctx.db.selectFrom('imports').select('upload_file').where('status', 'in', ['queued', 'running']).where('upload_file', 'is not', null).execute();
  const inUse = new Set(rows.map((r) => r.upload_file));
  for (const name of names) {
    if (inUse.has(name)) continue;
    const file = path.join(dir, name);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (stat?.isFile() && Date.now() - stat.mtimeMs > ORPHAN_UPLOAD_MS) await fs.promises.rm(file, { force: true }).catch(() => {});
  }
}

export const staleImportsJob = {
  name: 'imports.reap',
  schedule: '* * * * *',
  run: (ctx: AppContext) => reapStaleImports(ctx),
};

/** Imports running in the background of this process, so shutdown can wait for them. */
const running = new WeakMap<AppContext, Set<Promise<unknown>>>();

/** Starts `runImport` in the background; the caller answers 202 with the id. */
export function runInBackground<Item>(ctx: AppContext, actor: Actor, kind: ImportKind<Item>, input: RunImportInput): void {
  const set = running.get(ctx) ?? new Set<Promise<unknown>>();
  running.set(ctx, set);
  const p: Promise<unknown> = runImport(ctx, actor, kind, input)
    .catch((e: unknown) => ctx.log.error({ err: e, importId: input.id }, 'background import failed'))
    .finally(() => set.delete(p));
  set.add(p);
}

/** Waits for the background imports of this process (server shutdown, tests). */
export async function settleImports(ctx: AppContext): Promise<void> {
  const set = running.get(ctx);
  if (set) await Promise.allSettled([...set]);
}
