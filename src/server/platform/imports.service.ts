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
import type { Actor, AppContext } from '../context.ts';
import type { Tx } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import type { ImportMode, ImportRowError, ImportState, ImportStatus } from '../../contract/imports.ts';
import { recordAudit, recordAuditMany } from './audit.service.ts';
import { CsvSyntaxError, countCsvRecords, readCsv } from './csv.ts';
import { ownCommit } from '../db/database.ts';
import { PROCESS_OWNER } from './process-owner.ts';
import { nextTurn, Pacer } from './event-loop.ts';
import { WriteSlices } from './write-slices.ts';
import { importSizeProblem, type ImportKind, type ImportRow } from './imports-kind.ts';
import { importState } from './imports-records.ts';
import { IMPORT_HEARTBEAT_MS } from './imports-stale.ts';

/** At most this many errors are kept in the import record (errorCount has the full number). */
export const MAX_STORED_ERRORS = 1000;
/**
 * Rows checked per resolver call: its queries run back to back (on SQLite synchronously), so a
 * batch is also the longest the checks keep the event loop.
 */
const RESOLVE_BATCH = 1000;

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
