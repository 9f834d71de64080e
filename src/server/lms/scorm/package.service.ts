/**
 * SCORM packages: upload (validate the zip, parse the manifest, extract the files, record the
 * package and its items), replacement (new files and items, the learners' attempts kept) and
 * reading. The zip stays in the file store; its files are extracted under
 * `<dataDir>/scorm/<content id>/` and served from there.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Selectable } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { ScormPackagesTable, ScormScosTable } from '../../db/schema-scorm.ts';
import { AppError, errors, type FieldError } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { deleteFileRows, discardBlob, discardBlobs, insertFileRow, storagePath, type StoredBlob } from '../../platform/files.service.ts';
import type { ScormPackage, ScormSco } from '../../../contract/scorm.ts';
import { isCourseAdmin } from '../courses/index.ts';
import { parseManifest, type Manifest } from './manifest.ts';
import { extractZip, inspectZip } from '../../platform/safe-zip.ts';
import { canManagePackage, canOpenPackage } from './scorm.policy.ts';

export type PackageRow = Selectable<ScormPackagesTable>;
export type ScoRow = Selectable<ScormScosTable>;

export function scormInvalid(errs: FieldError[], detail?: string): AppError {
  return new AppError(400, 'SCORM_INVALID', detail ?? errs.map((e) => e.message).join(' '), { errors: errs });
}

/** The folder of a package's extracted files. */
export function contentRoot(ctx: AppContext, pkg: Pick<PackageRow, 'content_dir'>): string {
  return path.resolve(ctx.config.dataDir, pkg.content_dir);
}

function presentSco(s: ScoRow): ScormSco {
  return {
    id: s.item_id,
    title: s.title,
    kind: s.kind,
    launch: s.launch,
    depth: s.depth,
    masteryScore: s.mastery_score === null ? null : Number(s.mastery_score),
    scaledPassingScore: s.scaled_passing_score === null ? null : Number(s.scaled_passing_score),
  };
}

export function presentPackage(p: PackageRow, scos: ScoRow[]): ScormPackage {
  return {
    id: p.id,
    version: p.version as '1.2' | '2004',
    schemaVersion: p.schema_version,
    title: p.title,
    scos: scos.map(presentSco),
    baseUrl: `/scorm/${p.id}/`,
    fileCount: p.file_count,
    totalBytes: Number(p.total_bytes),
    revision: p.revision,
    createdBy: p.created_by,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
  };
}

export async function scosOf(db: Executor, packageId: string): Promise<ScoRow[]> {
  return db.selectFrom('scorm_scos').selectAll().where('package_id', '=', packageId).orderBy('position').execute();
}

/** Validates and extracts an uploaded zip into a new content folder; nothing is left behind on failure. */
async function unpack(ctx: AppContext, blob: StoredBlob): Promise<{ manifest: Manifest; contentDir: string; totalBytes: number; fileCount: number }> {
  const zipPath = storagePath(ctx, blob.storageKey);
  const inspected = await inspectZip(zipPath);
  if (inspected.errors.length) throw scormInvalid(inspected.errors);
  const { manifest, errors: manifestErrors } = parseManifest(inspected.manifestText!);
  if (!manifest) throw scormInvalid(manifestErrors);
  const files = new Set(inspected.entries.map((e) => e.name));
  const missing = [...new Set(manifest.items.map((i) => i.file))].filter((f) => !files.has(f));
  if (missing.length)
    throw scormInvalid(missing.slice(0, 20).map((f) => ({ path: 'imsmanifest.xml', message: `The manifest launches "${f}", which is not in the zip.` })));
  const contentDir = `scorm/${newId()}`;
  const target = path.resolve(ctx.config.dataDir, contentDir);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  try {
    await extractZip(zipPath, target);
  } catch (e) {
    throw scormInvalid([{ path: 'file', message: `The zip could not be extracted: ${(e as Error).message}.` }]);
  }
  return { manifest, contentDir, totalBytes: inspected.totalBytes, fileCount: inspected.entries.length };
}

function scoRows(packageId: string, manifest: Manifest): ScoRow[] {
  return manifest.items.map((it, i) => ({
    id: newId(),
    package_id: packageId,
    item_id: it.itemId,
    title: it.title.slice(0, 500),
    kind: it.kind,
    launch: it.launch,
    depth: it.depth,
    position: i,
    mastery_score: it.masteryScore,
    scaled_passing_score: it.scaledPassingScore,
  }));
}

async function removeDir(ctx: AppContext, contentDir: string): Promise<void> {
  await fs.promises.rm(path.resolve(ctx.config.dataDir, contentDir), { recursive: true, force: true }).catch(() => {});
}

/**
 * Runs `write` with the unpacked package; on any failure the extracted folder and the uploaded zip
 * are removed, so a refused or failed upload leaves nothing behind.
 */
async function withUnpacked<T>(ctx: AppContext, blob: StoredBlob, write: (u: Awaited<ReturnType<typeof unpack>>) => Promise<T>): Promise<T> {
  let unpacked: Awaited<ReturnType<typeof unpack>> | null = null;
  try {
    unpacked = await unpack(ctx, blob);
    return await write(unpacked);
  } catch (e) {
    if (unpacked) await removeDir(ctx, unpacked.contentDir);
    await discardBlob(ctx, blob.storageKey);
    throw e;
  }
}

/**
 * A validated, extracted package whose rows are not written yet: `insert` writes them in the
 * caller's transaction (which may hold more, like a course import); `discard` removes the
 * extracted folder and the zip when that transaction did not commit.
 */
export interface PreparedPackage {
  title: string;
  insert: (trx: Tx, actor: Actor) => Promise<ScormPackage>;
  discard: () => Promise<void>;
}

/** Validates and extracts an uploaded zip (400 SCORM_INVALID, nothing left behind, when it is not a usable package). */
export async function preparePackage(ctx: AppContext, blob: StoredBlob): Promise<PreparedPackage> {
  const { manifest, contentDir, totalBytes, fileCount } = await withUnpacked(ctx, blob, async (u) => u);
  return {
    title: manifest.title,
    discard: async () => {
      await removeDir(ctx, contentDir);
      await discardBlob(ctx, blob.storageKey);
    },
    insert: async (trx, actor) => {
      const now = nowIso();
      const file = await insertFileRow(trx, blob, { purpose: 'scorm-package', createdBy: actor.id });
      const row: PackageRow = {
        id: newId(),
        title: manifest.title.slice(0, 500),
        version: manifest.version,
        schema_version: manifest.schemaVersion.slice(0, 100),
        manifest_identifier: manifest.identifier.slice(0, 500),
        zip_file_id: file.id,
        content_dir: contentDir,
        total_bytes: totalBytes,
        file_count: fileCount,
        revision: 1,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('scorm_packages').values(row).execute();
      const scos = scoRows(row.id, manifest);
      await trx.insertInto('scorm_scos').values(scos).execute();
      const view = presentPackage(row, scos);
      await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'scorm_package', entityId: row.id, after: auditView(view, blob) });
      return view;
    },
  };
}

export async function createPackage(ctx: AppContext, actor: Actor, blob: StoredBlob): Promise<ScormPackage> {
  const prepared = await preparePackage(ctx, blob);
  try {
    return await ctx.db.transaction().execute((trx) => prepared.insert(trx, actor));
  } catch (e) {
    await prepared.discard();
    throw e;
  }
}

function auditView(p: ScormPackage, blob: StoredBlob) {
  return { title: p.title, version: p.version, revision: p.revision, scos: p.scos.map((s) => s.id), zip: { filename: blob.filename, sha256: blob.sha256, size: blob.size } };
}

async function manageablePackage(ctx: AppContext, db: Executor, actor: Actor, id: string, opts: { lock?: boolean } = {}): Promise<PackageRow> {
  let q = db.selectFrom('scorm_packages').selectAll().where('id', '=', id);
  if (opts.lock && ctx.dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row || !canManagePackage(actor, row)) throw errors.notFound('The SCORM package');
  return row;
}

/**
 * Puts a new zip in the place of a package's files and items. The SCORM version must stay the
 * same; the learners' attempts (keyed by lesson, member and item identifier) are kept, and items
 * the new manifest no longer has keep their attempts as retired ones.
 */
export async function replacePackage(ctx: AppContext, actor: Actor, id: string, blob: StoredBlob): Promise<ScormPackage> {
  // 404 before the work of unpacking.
  await manageablePackage(ctx, ctx.db, actor, id).catch(async (e: unknown) => {
    await discardBlob(ctx, blob.storageKey);
    throw e;
  });
  let old: { contentDir: string; storageKeys: string[] } | null = null;
  const view = await withUnpacked(ctx, blob, async ({ manifest, contentDir, totalBytes, fileCount }) =>
    ctx.db.transaction().execute(async (trx: Tx) => {
      const before = await manageablePackage(ctx, trx, actor, id, { lock: true });
      if (before.version !== manifest.version)
        throw scormInvalid([{ path: 'file', message: `The new package is SCORM ${manifest.version}; this package is SCORM ${before.version}. Upload it as a new package instead.` }]);
      const beforeView = presentPackage(before, await scosOf(trx, id));
      const file = await insertFileRow(trx, blob, { purpose: 'scorm-package', createdBy: actor.id });
      const row: PackageRow = {
        ...before,
        title: manifest.title.slice(0, 500),
        schema_version: manifest.schemaVersion.slice(0, 100),
        manifest_identifier: manifest.identifier.slice(0, 500),
        zip_file_id: file.id,
        content_dir: contentDir,
        total_bytes: totalBytes,
        file_count: fileCount,
        revision: before.revision + 1,
        updated_at: nowIso(),
      };
      const { id: _id, created_by: _c, created_at: _a, ...set } = row;
      await trx.updateTable('scorm_packages').set(set).where('id', '=', id).execute();
      await trx.deleteFrom('scorm_scos').where('package_id', '=', id).execute();
      const scos = scoRows(id, manifest);
      await trx.insertInto('scorm_scos').values(scos).execute();
      const storageKeys = await deleteFileRows(trx, [before.zip_file_id]);
      old = { contentDir: before.content_dir, storageKeys };
      const v = presentPackage(row, scos);
      await recordAudit(trx, { actorId: actor.id, action: 'replace', entity: 'scorm_package', entityId: id, before: { title: beforeView.title, revision: beforeView.revision, scos: beforeView.scos.map((s) => s.id) }, after: auditView(v, blob) });
      return v;
    }),
  );
  const replaced = old as { contentDir: string; storageKeys: string[] } | null;
  if (replaced) {
    await removeDir(ctx, replaced.contentDir);
    await discardBlobs(ctx, replaced.storageKeys);
  }
  return view;
}

/** A package's uploaded zip in the file store (a course export carries it). */
export async function packageZipFile(db: Executor, packageId: string): Promise<{ title: string; storageKey: string; filename: string } | undefined> {
  return db
    .selectFrom('scorm_packages')
    .innerJoin('files', 'files.id', 'scorm_packages.zip_file_id')
    .select(['scorm_packages.title as title', 'files.storage_key as storageKey', 'files.filename as filename'])
    .where('scorm_packages.id', '=', packageId)
    .executeTakeFirst();
}

/** A package for those who may open it (404 for anyone else). */
export async function getPackage(ctx: AppContext, actor: Actor, id: string): Promise<ScormPackage> {
  const row = await ctx.db.selectFrom('scorm_packages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !(await canOpenPackage(ctx.db, actor, row))) throw errors.notFound('The SCORM package');
  return presentPackage(row, await scosOf(ctx.db, id));
}

/** The package row for serving its files, when the actor may open it. */
export async function openablePackage(ctx: AppContext, actor: Actor, id: string): Promise<PackageRow> {
  const row = await ctx.db.selectFrom('scorm_packages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !(await canOpenPackage(ctx.db, actor, row))) throw errors.notFound('The file');
  return row;
}

/** Packages the actor manages, newest first (keyset on id). */
export async function listPackages(ctx: AppContext, actor: Actor, q: { limit: number; cursor?: string | undefined }): Promise<{ items: ScormPackage[]; nextCursor: string | null }> {
  let query = ctx.db.selectFrom('scorm_packages').selectAll().orderBy('id', 'desc').limit(q.limit + 1);
  if (!isCourseAdmin(actor)) query = query.where('created_by', '=', actor.id ?? '');
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  const scos = page.length
    ? await ctx.db.selectFrom('scorm_scos').selectAll().where('package_id', 'in', page.map((p) => p.id)).orderBy('package_id').orderBy('position').execute()
    : [];
  return {
    items: page.map((p) => presentPackage(p, scos.filter((s) => s.package_id === p.id))),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
