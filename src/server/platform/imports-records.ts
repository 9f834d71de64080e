/** The `imports` table's records: an import created, its state read back, and where its upload waits. */
import path from 'node:path';
import type { Actor, AppContext } from '../context.ts';
import { bool, nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import type { ImportsTable } from '../db/schema-imports.ts';
import { errors } from '../http/errors.ts';
import { hasAnyRole } from '../http/access.ts';
import type { ImportKindName, ImportMode, ImportRowError, ImportState, ImportStatus } from '../../contract/imports.ts';
import { PROCESS_OWNER } from './process-owner.ts';

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
