/**
 * Certificate PDFs: one rendered from its template, and many streamed into a zip, directly or as a
 * background job whose state lives in the database (any process answers) and whose zip lives in the
 * file store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Actor, AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { insertFileRow, storageKeyFor, storagePath, type FileRow } from '../../platform/files.service.ts';
import { ownerGone, PROCESS_OWNER } from '../../platform/process-owner.ts';
import type { CertificateFilterValues, ZipJob } from '../../../contract/certificates.ts';
import { ZipBuilder } from '../../platform/zip-builder.ts';
import { certificateFileName, renderCertificatePdf, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';
import { closeRenderPool, RenderTimeoutError, renderPoolFor } from './render-pool.ts';
import { renderTemplateFor } from './template.service.ts';
import {
  type CertificateRow,
  ZIP_EXPORT_LIMIT,
  applyFilters,
  scoped,
  statusOf,
  verificationUrl,
  visibleRow,
  withNames,
} from './certificate.service.ts';

// ---------------------------------------------------------------------------------------------
// PDFs

type TemplateSource = (templateId: string | null) => Promise<RenderTemplate>;
type Render = (template: RenderTemplate, data: CertificateData) => Promise<Buffer>;

async function renderRow(
  ctx: AppContext,
  templates: TemplateSource,
  r: CertificateRow,
  render: Render = renderCertificatePdf,
): Promise<Buffer> {
  const template = await templates(r.template_id);
  const status = statusOf(r);
  return render(template, {
    memberName: r.member_name,
    courseTitle: r.course_title,
    issueDate: r.issue_date,
    expiryDate: r.expiry_date,
    verificationUrl: verificationUrl(ctx, r.verification_code),
    certificateId: r.id,
    attestedAt: r.attested_at,
    watermark: status === 'revoked' ? 'REVOKED' : undefined,
  });
}

/** The problem a render past the pool's timeout answers. */
export function renderTimeoutProblem(err: unknown): unknown {
  if (!(err instanceof RenderTimeoutError)) return err;
  return errors.unprocessable('RENDER_TIMEOUT', 'The certificate took too long to render. Shorten the texts of its template.');
}

/** One certificate's PDF, rendered on a render thread (never on the event loop). */
export async function certificatePdf(ctx: AppContext, actor: Actor, id: string): Promise<{ pdf: Buffer; filename: string }> {
  const row = await visibleRow(ctx.db, actor, id);
  const pool = renderPoolFor(ctx);
  try {
    return {
      pdf: await renderRow(
        ctx,
        (t) => renderTemplateFor(ctx, ctx.db, t),
        row,
        (t, d) => pool.render(t, d, { threadOnly: true }),
      ),
      filename: certificateFileName(row.member_name, row.course_title, row.issue_date),
    };
  } catch (err) {
    throw renderTimeoutProblem(err);
  }
}

/** Batches from this many certificates render on threads (starting one costs about 100 renders of CPU time). */
const THREADS_FROM = 100;

/** Stops the zip jobs this process runs, then the render threads: for app close. */
export async function stopCertificateWork(ctx: AppContext): Promise<void> {
  await stopZipJobs(ctx);
  await closeRenderPool(ctx);
}

/**
 * Renders the certificates matching `f` that the actor may read, in pages of `chunk` rows (one
 * query per page), newest first. Yields each PDF with its file name, in order, while the render
 * threads work on the next few (two per thread in flight: enough to keep them busy, bounded).
 */
export async function* renderMatching(
  ctx: AppContext,
  actor: Actor,
  f: CertificateFilterValues,
  chunk = 200,
): AsyncGenerator<{ name: string; pdf: Buffer }> {
  // Templates are read once per batch, not once per certificate.
  const loaded = new Map<string, Promise<RenderTemplate>>();
  const templates: TemplateSource = (templateId) => {
    const key = templateId ?? '';
    let t = loaded.get(key);
    if (!t) loaded.set(key, (t = renderTemplateFor(ctx, ctx.db, templateId)));
    return t;
  };
  const pool = renderPoolFor(ctx);
  const inFlight: { name: string; pdf: Promise<Buffer> }[] = [];
  let cursor: string | null = null;
  for (;;) {
    let q = withNames(applyFilters(scoped(ctx.db, actor), f));
    if (cursor) q = q.where('certificates.id', '<', cursor);
    const rows = await q.orderBy('certificates.id', 'desc').limit(chunk).execute();
    // Small batches render here: starting the threads would cost more than it saves.
    const small = cursor === null && rows.length < Math.min(chunk, THREADS_FROM);
    const render: Render = small ? renderCertificatePdf : (t, d) => pool.render(t, d);
    for (const r of rows) {
      const pdf = renderRow(ctx, templates, r, render);
      // Awaited in order below; this only keeps a failure from counting as unhandled meanwhile.
      pdf.catch(() => {});
      inFlight.push({ name: certificateFileName(r.member_name, r.course_title, r.id), pdf });
      if (inFlight.length >= pool.size * 2) {
        const next = inFlight.shift()!;
        yield { name: next.name, pdf: await next.pdf };
      }
    }
    if (rows.length < chunk) break;
    cursor = rows[rows.length - 1]!.id;
  }
  for (let next = inFlight.shift(); next; next = inFlight.shift()) yield { name: next.name, pdf: await next.pdf };
}

export async function countMatching(ctx: AppContext, actor: Actor, f: CertificateFilterValues): Promise<number> {
  const c = await applyFilters(scoped(ctx.db, actor), f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(c.n);
}

function assertExportable(total: number): void {
  if (total > ZIP_EXPORT_LIMIT) {
    throw errors.unprocessable(
      'EXPORT_TOO_LARGE',
      `At most ${ZIP_EXPORT_LIMIT} certificates go in one zip; narrow the filters (${total} match).`,
      {
        total,
        limit: ZIP_EXPORT_LIMIT,
      },
    );
  }
}

/** The zip of PDFs as a stream of chunks, written while it renders. */
export async function zipStream(ctx: AppContext, actor: Actor, f: CertificateFilterValues): Promise<AsyncGenerator<Buffer>> {
  assertExportable(await countMatching(ctx, actor, f));
  async function* gen(): AsyncGenerator<Buffer> {
    const zip = new ZipBuilder();
    for await (const { name, pdf } of renderMatching(ctx, actor, f)) yield zip.entry(name, pdf);
    yield zip.finish();
  }
  return gen();
}

// ---------------------------------------------------------------------------------------------
// Zip jobs: state in the database (any process answers), the zip in the file store.

type ZipJobRow = DB['certificate_zip_jobs'];

function presentJob(r: ZipJobRow): ZipJob {
  return {
    id: r.id,
    status: r.status as ZipJob['status'],
    processed: Number(r.processed),
    total: Number(r.total),
    error: r.error,
    downloadUrl: r.status === 'done' && r.file_id ? `/api/certificates/zip-jobs/${r.id}/download` : null,
    createdAt: r.created_at,
  };
}

/** A job whose row was not touched for this long was left behind by a process that stopped. */
export const ZIP_JOB_STALE_MS = 2 * 60_000;
/** How often a running job touches its row even when no certificate finished meanwhile. */
const ZIP_JOB_HEARTBEAT_MS = 15_000;
const ZIP_JOB_INTERRUPTED = 'The export stopped before it finished because the server stopped. Start it again.';

/** The zip jobs this process runs, so that closing the app can stop them cleanly. */
type ZipJobHandle = { stop: AbortController; done: Promise<void> };
const activeZipJobs = new WeakMap<AppContext, Map<string, ZipJobHandle>>();

/**
 * Where a running job writes its zip: outside the file store, so that a zip cut off half-way is
 * never in it. Renamed into the store (under the job's id, see runZipJob) once it is complete.
 */
export function zipJobPartPath(ctx: AppContext, id: string): string {
  return storagePath(ctx, `zip-jobs/${id}.zip.part`);
}

/** Removes what a job that ended without its zip may have left on disk: the partial zip, or a complete one whose job never recorded it. */
async function removeJobFiles(ctx: AppContext, id: string): Promise<void> {
  await fs.promises.rm(zipJobPartPath(ctx, id), { force: true }).catch(() => {});
  await fs.promises.rm(storagePath(ctx, storageKeyFor(id)), { force: true }).catch(() => {});
}

/**
 * Ends, as failed, every job left queued or running by a process that stopped: at once when that
 * process ran on this machine (its owner, platform/process-owner.ts: that process is gone, or it is
 * a later one with the same id), after ZIP_JOB_STALE_MS without a touch of its row when it ran on
 * another one (a running job touches it at least every ZIP_JOB_HEARTBEAT_MS). Then the files those
 * jobs left are removed; returns how many were ended.
 */
export async function reapZipJobs(ctx: AppContext, now = new Date()): Promise<number> {
  const open = await ctx.db
    .selectFrom('certificate_zip_jobs')
    .select(['id', 'owner', 'updated_at'])
    .where('status', 'in', ['queued', 'running'])
    .execute();
  const rule = { staleMs: ZIP_JOB_STALE_MS, sameHostStaleMs: ZIP_JOB_STALE_MS, now: now.getTime() };
  const gone = open.filter((r) => ownerGone(r.owner, r.updated_at, rule)).map((r) => r.id);
  if (gone.length === 0) return 0;
  const reaped = await ctx.db
    .updateTable('certificate_zip_jobs')
    .set({ status: 'failed', error: ZIP_JOB_INTERRUPTED, updated_at: nowIso() })
    .where('id', 'in', gone)
    .where('status', 'in', ['queued', 'running'])
    .returning('id')
    .execute();
  for (const r of reaped) await removeJobFiles(ctx, r.id);
  return reaped.length;
}

/** Stops the jobs this process is running (they end as failed) and waits for them: for app close. */
export async function stopZipJobs(ctx: AppContext): Promise<void> {
  const jobs = activeZipJobs.get(ctx);
  if (!jobs) return;
  for (const j of jobs.values()) j.stop.abort();
  await Promise.allSettled([...jobs.values()].map((j) => j.done));
}

export async function createZipJob(
  ctx: AppContext,
  actor: Actor,
  filters: CertificateFilterValues,
): Promise<{ jobId: string; total: number }> {
  const total = await countMatching(ctx, actor, filters);
  assertExportable(total);
  const now = nowIso();
  const id = newId();
  await ctx.db
    .insertInto('certificate_zip_jobs')
    .values({
      id,
      created_by: actor.id,
      filters_json: JSON.stringify(filters),
      status: 'queued',
      processed: 0,
      total,
      file_id: null,
      error: null,
      created_at: now,
      updated_at: now,
      owner: PROCESS_OWNER,
    })
    .execute();
  let jobs = activeZipJobs.get(ctx);
  if (!jobs) activeZipJobs.set(ctx, (jobs = new Map<string, ZipJobHandle>()));
  const stop = new AbortController();
  const done = runZipJob(ctx, actor, id, stop.signal)
    .catch((err: unknown) => ctx.log.error({ err, jobId: id }, 'certificate zip job crashed'))
    .finally(() => jobs.delete(id));
  jobs.set(id, { stop, done });
  return { jobId: id, total };
}

/**
 * Builds the job's zip into the file store, recording progress every few certificates (and at
 * least every ZIP_JOB_HEARTBEAT_MS). Only a job still queued or running is advanced: one that was
 * reaped meanwhile stays failed and its file is discarded. `signal` stops it (as failed).
 */
export async function runZipJob(ctx: AppContext, actor: Actor, id: string, signal?: AbortSignal): Promise<void> {
  const job = await ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const filters = JSON.parse(job.filters_json) as CertificateFilterValues;
  const claimed = await ctx.db
    .updateTable('certificate_zip_jobs')
    .set({ status: 'running', updated_at: nowIso(), owner: PROCESS_OWNER })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return;
  // The zip is stored under the job's id, so that whoever ends a job that died (reapZipJobs) knows
  // which files it may have left: the partial zip, or a complete one renamed into the store just
  // before the process stopped and never recorded.
  const fileId = id;
  const storageKey = storageKeyFor(fileId);
  const target = zipJobPartPath(ctx, id);
  let processed = 0;
  let touching: Promise<unknown> = Promise.resolve();
  const touch = () => {
    touching = ctx.db
      .updateTable('certificate_zip_jobs')
      .set({ processed, updated_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute()
      .catch((err: unknown) => ctx.log.warn({ err, jobId: id }, 'certificate zip job heartbeat failed'));
    return touching;
  };
  const heartbeat = setInterval(() => void touch(), ZIP_JOB_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // Opened before the first certificate is rendered: from then on the partial zip is on disk,
    // where reapZipJobs finds it if this process dies.
    const out = fs.createWriteStream(target, { flags: 'wx' });
    await once(out, 'ready');
    const hash = createHash('sha256');
    let size = 0;
    const write = async (b: Buffer) => {
      hash.update(b);
      size += b.length;
      if (!out.write(b)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    };
    const zip = new ZipBuilder();
    let lastReport = Date.now();
    try {
      for await (const { name, pdf } of renderMatching(ctx, actor, filters)) {
        if (signal?.aborted) throw new Error('stopped');
        await write(zip.entry(name, pdf));
        processed++;
        if (Date.now() - lastReport > 500) {
          lastReport = Date.now();
          await touch();
        }
      }
      await write(zip.finish());
    } finally {
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
    }
    clearInterval(heartbeat);
    await touching;
    // Complete: into the file store (a rename, so the store never holds a partial zip).
    await fs.promises.mkdir(path.dirname(storagePath(ctx, storageKey)), { recursive: true });
    await fs.promises.rename(target, storagePath(ctx, storageKey));
    await ctx.db.transaction().execute(async (trx) => {
      await insertFileRow(
        trx,
        {
          id: fileId,
          storageKey,
          filename: `certificates-${job.created_at.slice(0, 10)}.zip`,
          contentType: 'application/zip',
          size,
          sha256: hash.digest('hex'),
        },
        { purpose: 'certificate-zip', createdBy: actor.id },
      );
      const finished = await trx
        .updateTable('certificate_zip_jobs')
        .set({ status: 'done', processed, total: processed, file_id: fileId, updated_at: nowIso() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      // Reaped meanwhile: it stays failed (the file row goes with this transaction).
      if (Number(finished.numUpdatedRows) === 0) throw new Error('the job was ended while it ran');
    });
  } catch (err) {
    clearInterval(heartbeat);
    await touching;
    await removeJobFiles(ctx, id);
    if (!signal?.aborted) ctx.log.error({ err, jobId: id }, 'certificate zip job failed');
    await ctx.db
      .updateTable('certificate_zip_jobs')
      .set({
        status: 'failed',
        error: signal?.aborted ? ZIP_JOB_INTERRUPTED : 'The export failed; it has been logged. Try again.',
        processed,
        updated_at: nowIso(),
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  }
}

/** A job is visible to the person who started it (and to System Managers). */
async function visibleJob(ctx: AppContext, actor: Actor, id: string): Promise<ZipJobRow> {
  const read = () => ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  let row = await read();
  if (!row || (row.created_by !== actor.id && !actor.roles.has('System Manager'))) throw errors.notFound('The export job');
  // A job whose process is gone (or stopped showing signs of life) is reported as failed, not as running forever.
  const rule = { staleMs: ZIP_JOB_STALE_MS, sameHostStaleMs: ZIP_JOB_STALE_MS };
  if ((row.status === 'queued' || row.status === 'running') && ownerGone(row.owner, row.updated_at, rule)) {
    await reapZipJobs(ctx);
    row = (await read()) ?? row;
  }
  return row;
}

export async function getZipJob(ctx: AppContext, actor: Actor, id: string): Promise<ZipJob> {
  return presentJob(await visibleJob(ctx, actor, id));
}

export async function zipJobFile(ctx: AppContext, actor: Actor, id: string): Promise<FileRow> {
  const job = await visibleJob(ctx, actor, id);
  if (job.status !== 'done' || !job.file_id) {
    throw errors.conflict('EXPORT_NOT_READY', `The export is ${job.status}; download it when its status is done.`, { status: job.status });
  }
  const file = await ctx.db.selectFrom('files').selectAll().where('id', '=', job.file_id).executeTakeFirst();
  if (!file) throw errors.notFound('The export file');
  return file;
}
