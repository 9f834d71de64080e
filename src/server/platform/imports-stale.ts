/** Imports whose process stopped: the heartbeat that tells them apart, and the job that ends them and their left-over uploads. */
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../context.ts';
import { nowIso } from '../db/dialect.ts';
import type { ImportRowError } from '../../contract/imports.ts';
import { ownerGone } from './process-owner.ts';
import { importUploadDir } from './imports-records.ts';

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
