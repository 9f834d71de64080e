/**
 * The organisation's logo: one PNG or JPEG image (at most 1 MB, recognised by its bytes, never by
 * the name or the declared type) in the file store, pointed at by the settings key `logo`. It is
 * shown in the desk and portal header and on the login page, in the HTML part of every mail (an
 * inline CID image), at the head of the payment receipt and training record PDFs, and on
 * certificates whose template has no logo of its own.
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import type { Actor, AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { AppError } from '../http/errors.ts';
import { recordAudit } from './audit.service.ts';
import { deleteFileRows, discardBlobs, getFileRow, insertFileRow, replaceFile, storagePath, type FileRow, type StoredBlob, type UploadRule } from './files.service.ts';
import { imageDataUrl, renderPdf } from './pdf.ts';

export const LOGO_RULE = {
  accept: ['image/png', 'image/jpeg'],
  maxBytes: 1024 * 1024,
  label: 'a PNG or JPEG image',
  purpose: 'organisation-logo',
} as const satisfies UploadRule;

/** What the settings key `logo` holds. */
interface LogoPointer {
  fileId: string;
  sha256: string;
  updatedAt: string;
}

const KEY = 'logo';

function pointerOf(value: unknown): LogoPointer | null {
  const v = value as Partial<LogoPointer> | null;
  return v && typeof v.fileId === 'string' && typeof v.sha256 === 'string' && typeof v.updatedAt === 'string'
    ? { fileId: v.fileId, sha256: v.sha256, updatedAt: v.updatedAt }
    : null;
}

/** The public address of the logo: the version in the query changes with the image, so it may be cached for long. */
export function logoUrl(p: { sha256: string }): string {
  return `/api/settings/logo?v=${p.sha256.slice(0, 16)}`;
}

/** The settings' view of a stored `logo` value: its address and when it changed, or null. */
export function logoView(stored: unknown): { url: string; updatedAt: string } | null {
  const p = pointerOf(stored);
  return p ? { url: logoUrl(p), updatedAt: p.updatedAt } : null;
}

async function readPointer(db: Executor): Promise<LogoPointer | null> {
  const row = await db.selectFrom('settings').select('value_json').where('key', '=', KEY).executeTakeFirst();
  return row ? pointerOf(JSON.parse(row.value_json) as unknown) : null;
}

/** The logo's file row, or null when none is set. */
export async function logoFile(db: Executor): Promise<FileRow | null> {
  const p = await readPointer(db);
  return p ? ((await getFileRow(db, p.fileId)) ?? null) : null;
}

export interface LogoImage {
  bytes: Buffer;
  contentType: string;
  sha256: string;
}

/** The logo's bytes (for mail and PDFs), or null when none is set or its bytes are missing. */
export async function logoImage(ctx: AppContext): Promise<LogoImage | null> {
  const file = await logoFile(ctx.db);
  return file ? bytesOf(ctx, file) : null;
}

async function bytesOf(ctx: AppContext, file: FileRow): Promise<LogoImage | null> {
  try {
    const bytes = await fs.promises.readFile(storagePath(ctx, file.storage_key));
    return { bytes, contentType: file.content_type, sha256: file.sha256 };
  } catch {
    ctx.log.error({ fileId: file.id }, 'logo file row without bytes on disk');
    return null;
  }
}

/** The last logo read as a data URL, by its sha256 (a batch of certificates reads the file once). */
let lastDataUrl: { sha256: string; url: string } | null = null;

/** The logo as a data URL, for documents that place it themselves (certificates), or null. */
export async function logoDataUrl(ctx: AppContext): Promise<string | null> {
  const file = await logoFile(ctx.db);
  if (!file) return null;
  if (lastDataUrl?.sha256 === file.sha256) return lastDataUrl.url;
  const logo = await bytesOf(ctx, file);
  if (!logo) return null;
  lastDataUrl = { sha256: logo.sha256, url: imageDataUrl(logo.bytes, logo.contentType) };
  return lastDataUrl.url;
}

/** The logo as the first block of a PDF (pdfmake content), or nothing. */
export async function logoPdfBlocks(ctx: AppContext): Promise<unknown[]> {
  const logo = await logoImage(ctx);
  return logo ? [{ image: imageDataUrl(logo.bytes, logo.contentType), fit: [180, 48], margin: [0, 0, 0, 8] }] : [];
}

/** The bytes start like a PNG or JPEG; this checks that the image decodes too (a PDF with it renders). */
async function assertDecodes(ctx: AppContext, blob: StoredBlob): Promise<void> {
  const bytes = await fs.promises.readFile(storagePath(ctx, blob.storageKey));
  try {
    await renderPdf({ content: [{ image: imageDataUrl(bytes, blob.contentType), fit: [10, 10] }] });
  } catch {
    const message = 'The image could not be read: it may be damaged. Save it again as PNG or JPEG.';
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message, { accepted: LOGO_RULE.accept, errors: [{ path: 'file', message }] });
  }
}

/** Makes an uploaded blob the logo (audited); the previous logo's file is removed. */
export async function setLogo(ctx: AppContext, actor: Actor, blob: StoredBlob): Promise<void> {
  await replaceFile(
    ctx,
    blob,
    async (trx) => {
      const now = nowIso();
      // The settings row is the lock: of two uploads at once, each replaces what the other left.
      await trx.insertInto('settings').values({ key: KEY, value_json: 'null', updated_at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
      if (ctx.dialect === 'postgres') await sql`select key from settings where key = ${KEY} for update`.execute(trx);
      const before = await readPointer(trx);
      const file = await insertFileRow(trx, blob, { purpose: LOGO_RULE.purpose, createdBy: actor.id });
      const after: LogoPointer = { fileId: file.id, sha256: file.sha256, updatedAt: now };
      await trx.updateTable('settings').set({ value_json: JSON.stringify(after), updated_at: now }).where('key', '=', KEY).execute();
      const replaced = await deleteFileRows(trx, [before?.fileId]);
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'update',
        entity: 'settings',
        entityId: KEY,
        before: before ? logoView(before) : null,
        after: { ...logoView(after), filename: file.filename, contentType: file.content_type, size: file.size },
      });
      return { result: undefined, replaced };
    },
    () => assertDecodes(ctx, blob),
  );
}

/** Removes the logo (audited). Removing when there is none changes nothing. */
export async function removeLogo(ctx: AppContext, actor: Actor): Promise<void> {
  const replaced = await ctx.db.transaction().execute(async (trx) => {
    if (ctx.dialect === 'postgres') await sql`select key from settings where key = ${KEY} for update`.execute(trx);
    const before = await readPointer(trx);
    if (!before) return [];
    await trx.deleteFrom('settings').where('key', '=', KEY).execute();
    const keys = await deleteFileRows(trx, [before.fileId]);
    await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'settings', entityId: KEY, before: logoView(before), after: null });
    return keys;
  });
  await discardBlobs(ctx, replaced);
}
