/**
 * A template's images (logo, signature, background): uploads checked to be real PNG or JPEG files of a
 * bounded size before they are stored.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Actor, AppContext } from '../../context.ts';
import { nowIso } from '../../db/dialect.ts';
import { AppError, errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import {
  deleteFileRows,
  replaceFile,
  discardBlobs,
  insertFileRow,
  storagePath,
  type FileRow,
  type StoredBlob,
} from '../../platform/files.service.ts';
import { imageDataUrl, renderPdf } from '../../platform/pdf.ts';
import type { CertificateTemplate, TemplateImageSlot } from '../../../contract/certificates.ts';
import { CERTIFICATE_IMAGE_RULE, SLOT_COLUMN, templateOr404, toTemplate } from './template.service.ts';

const MAX_PIXELS = 40_000_000;

/** Reads a PNG's header and inflates its pixel data: true when it is a whole, sane PNG. */
export function isValidPng(b: Buffer): boolean {
  if (b.length < 45 || b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') return false;
  if (zlib.crc32(b.subarray(12, 29)) !== b.readUInt32BE(29)) return false;
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const depth = b[24]!;
  const colour = b[25]!;
  const interlace = b[28]!;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (!width || !height || width * height > MAX_PIXELS || !channels || ![1, 2, 4, 8, 16].includes(depth) || interlace > 1) return false;
  const idat: Buffer[] = [];
  let pos = 33;
  let ended = false;
  while (pos + 12 <= b.length) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > b.length) return false;
    if (type === 'IDAT') idat.push(b.subarray(pos + 8, pos + 8 + len));
    pos += 12 + len;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ended || !idat.length) return false;
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const expected = interlace ? null : height * (rowBytes + 1);
  try {
    const raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected ?? MAX_PIXELS * 8 });
    return expected === null || raw.length === expected;
  } catch {
    return false;
  }
}

/** Walks a JPEG's segments up to its frame header: true when they chain correctly and the frame is sane. */
export function isValidJpeg(b: Buffer): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return false;
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return false;
    const len = b.readUInt16BE(pos + 2);
    if (len < 2 || pos + 2 + len > b.length) return false;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (len < 8) return false;
      const bits = b[pos + 4]!;
      const height = b.readUInt16BE(pos + 5);
      const width = b.readUInt16BE(pos + 7);
      const components = b[pos + 9]!;
      return [8, 12, 16].includes(bits) && height > 0 && width > 0 && width * height <= MAX_PIXELS && [1, 3, 4].includes(components);
    }
    pos += 2 + len;
  }
  return false;
}

/**
 * Refuses bytes that carry an image signature but are not a whole image: the structure is
 * checked (PNG chunks and pixel data, JPEG segments and frame), then pdfkit must embed it.
 */
async function assertDecodableImage(ctx: AppContext, blob: StoredBlob): Promise<void> {
  const bytes = await fs.promises.readFile(storagePath(ctx, blob.storageKey));
  const message = 'The file is not a readable PNG or JPEG image.';
  const refuse = () =>
    new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message, { accepted: CERTIFICATE_IMAGE_RULE.accept, errors: [{ path: 'file', message }] });
  const ok = blob.contentType === 'image/png' ? isValidPng(bytes) : blob.contentType === 'image/jpeg' ? isValidJpeg(bytes) : false;
  if (!ok) throw refuse();
  try {
    await renderPdf({ content: [{ image: imageDataUrl(bytes, blob.contentType), width: 8 }], pageSize: 'A7' });
  } catch {
    throw refuse();
  }
}

export async function setTemplateImage(
  ctx: AppContext,
  actor: Actor,
  id: string,
  slot: TemplateImageSlot,
  blob: StoredBlob,
): Promise<CertificateTemplate> {
  return replaceFile(
    ctx,
    blob,
    async (trx) => {
      const row = await templateOr404(trx, id);
      const column = SLOT_COLUMN[slot];
      const file = await insertFileRow(trx, blob, { purpose: CERTIFICATE_IMAGE_RULE.purpose, createdBy: actor.id });
      await trx
        .updateTable('certificate_templates')
        .set({ [column]: file.id, updated_at: nowIso() })
        .where('id', '=', id)
        .execute();
      const oldKeys = await deleteFileRows(trx, [row[column]]);
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'set-image',
        entity: 'certificate-template',
        entityId: id,
        before: { slot, fileId: row[column] },
        after: { slot, fileId: file.id, contentType: file.content_type, size: file.size, sha256: file.sha256 },
      });
      return { result: toTemplate(await templateOr404(trx, id)), replaced: oldKeys };
    },
    () => assertDecodableImage(ctx, blob),
  );
}

export async function removeTemplateImage(
  ctx: AppContext,
  actor: Actor,
  id: string,
  slot: TemplateImageSlot,
): Promise<CertificateTemplate> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const row = await templateOr404(trx, id);
    const column = SLOT_COLUMN[slot];
    if (!row[column]) return { view: toTemplate(row), oldKeys: [] as string[] };
    await trx
      .updateTable('certificate_templates')
      .set({ [column]: null, updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    const oldKeys = await deleteFileRows(trx, [row[column]]);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'remove-image',
      entity: 'certificate-template',
      entityId: id,
      before: { slot, fileId: row[column] },
    });
    return { view: toTemplate(await templateOr404(trx, id)), oldKeys };
  });
  await discardBlobs(ctx, result.oldKeys);
  return result.view;
}

export async function getTemplateImage(ctx: AppContext, id: string, slot: TemplateImageSlot): Promise<FileRow> {
  const row = await templateOr404(ctx.db, id);
  const fileId = row[SLOT_COLUMN[slot]];
  const file = fileId ? await ctx.db.selectFrom('files').selectAll().where('id', '=', fileId).executeTakeFirst() : undefined;
  if (!file) throw errors.notFound('The template image');
  return file;
}
