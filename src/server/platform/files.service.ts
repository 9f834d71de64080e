/**
 * The file store: uploaded and generated files live on disk under
 * `<dataDir>/files/<first 2 chars of id>/<id>`, described by a `files` row (name, detected content
 * type, size, sha256, purpose). Uploads are streamed to disk while their size and hash are computed
 * and their type is checked by magic bytes; nothing is ever buffered whole.
 *
 * Error contract for uploads (the same everywhere):
 * - no multipart body                  -> 415 UNSUPPORTED_MEDIA_TYPE
 * - no part named `file`, empty file   -> 400 VALIDATION_FAILED, errors[{ path: 'file' }]
 * - content is not an accepted type    -> 415 UNSUPPORTED_MEDIA_TYPE, errors[{ path: 'file' }]
 * - larger than the limit              -> 413 PAYLOAD_TOO_LARGE, errors[{ path: 'file' }], maxBytes
 */
import fs from 'node:fs';
import { contentDisposition } from '../http/content-disposition.ts';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Executor, Tx } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import type { FilesTable } from '../db/schema.ts';
import { AppError, errors } from '../http/errors.ts';
import { UPLOAD_LIMITS } from '../../contract/uploads.ts';

export type FileRow = Selectable<FilesTable>;

// ---------------------------------------------------------------------------------------------
// Content types, recognised by their first bytes.

interface Signature {
  contentType: string;
  matches(head: Buffer): boolean;
}

const ascii = (head: Buffer, at: number, text: string) =>
  head.length >= at + text.length && head.toString('latin1', at, at + text.length) === text;

const SIGNATURES: readonly Signature[] = [
  {
    contentType: 'image/png',
    matches: (h) => h.length >= 8 && h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { contentType: 'image/jpeg', matches: (h) => h.length >= 3 && h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff },
  { contentType: 'image/gif', matches: (h) => ascii(h, 0, 'GIF87a') || ascii(h, 0, 'GIF89a') },
  { contentType: 'image/webp', matches: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP') },
  { contentType: 'application/pdf', matches: (h) => ascii(h, 0, '%PDF-') },
  // A zip archive that starts with a local file header (an empty zip has nothing to accept).
  { contentType: 'application/zip', matches: (h) => h.length >= 4 && h.readUInt32LE(0) === 0x04034b50 },
  // ISO base media (MP4): a box whose type is 'ftyp' opens the file.
  { contentType: 'video/mp4', matches: (h) => ascii(h, 4, 'ftyp') },
  // WebM: an EBML header whose DocType is "webm" (Matroska proper is not accepted).
  {
    contentType: 'video/webm',
    matches: (h) => h.length >= 4 && h.readUInt32BE(0) === 0x1a45dfa3 && h.subarray(0, HEAD_BYTES).includes('webm', 0, 'latin1'),
  },
];

/** How many leading bytes detection looks at. */
const HEAD_BYTES = 64;

/** The content type the bytes say, or null when none of the known signatures matches. */
export function detectContentType(head: Buffer): string | null {
  return SIGNATURES.find((s) => s.matches(head))?.contentType ?? null;
}

export interface UploadRule {
  /** Accepted content types, as detected from the bytes. */
  accept: readonly string[];
  maxBytes: number;
  /** For messages: "a PNG, JPEG, WebP or GIF image". */
  label: string;
  purpose: string;
}

const MB = 1024 * 1024;

export const UPLOAD_RULES = {
  courseImage: {
    accept: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
    maxBytes: 5 * MB,
    label: 'a PNG, JPEG, WebP or GIF image',
    purpose: 'course-image',
  },
  lessonVideo: { ...UPLOAD_LIMITS.lessonVideo, purpose: 'lesson-video' },
  lessonPdf: { ...UPLOAD_LIMITS.lessonPdf, purpose: 'lesson-pdf' },
  scormPackage: { ...UPLOAD_LIMITS.scormPackage, purpose: 'scorm-package' },
  /** Read and removed by the course import, never kept. */
  courseArchive: { accept: ['application/zip'], maxBytes: 1024 * MB, label: 'a course archive (a ZIP archive)', purpose: 'course-archive' },
} as const satisfies Record<string, UploadRule>;

function formatBytes(n: number): string {
  return n >= MB ? `${Math.round((n / MB) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}

export function tooLarge(rule: UploadRule): AppError {
  const message = `The file is larger than ${formatBytes(rule.maxBytes)}.`;
  return new AppError(413, 'PAYLOAD_TOO_LARGE', message, { maxBytes: rule.maxBytes, errors: [{ path: 'file', message }] });
}

export function wrongType(rule: UploadRule): AppError {
  const message = `The file must be ${rule.label}.`;
  return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message, { accepted: rule.accept, errors: [{ path: 'file', message }] });
}

export function missingFile(message = 'Attach the file as a multipart/form-data part named "file".'): AppError {
  return errors.validation([{ path: 'file', message }], message);
}

// ---------------------------------------------------------------------------------------------
// Storage.

export function storageKeyFor(id: string): string {
  return `files/${id.slice(0, 2)}/${id}`;
}

export function storagePath(ctx: AppContext, storageKey: string): string {
  const root = path.resolve(ctx.config.dataDir);
  const full = path.resolve(root, storageKey);
  if (!full.startsWith(root + path.sep)) throw new Error(`storage key escapes the data directory: ${storageKey}`);
  return full;
}

/** Keeps a display name: no directories, no control characters, at most 200 characters. */
export function cleanFilename(name: string | undefined, fallback = 'file'): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? fallback : clean;
}

/** A file written to disk whose row is not inserted yet. */
export interface StoredBlob {
  id: string;
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** Inspects the bytes flowing through: size limit, sha256, and the type of the first bytes. */
class Inspector extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  contentType: string | null = null;
  private head: Buffer = Buffer.alloc(0);

  constructor(private readonly rule: UploadRule) {
    super();
  }

  private check(): Error | null {
    const type = detectContentType(this.head);
    if (!type || !this.rule.accept.includes(type)) return wrongType(this.rule);
    this.contentType = type;
    return null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.rule.maxBytes) return done(tooLarge(this.rule));
    if (this.contentType === null && this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
      if (this.head.length >= HEAD_BYTES) {
        const err = this.check();
        if (err) return done(err);
      }
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.size === 0) return done(missingFile('The file is empty.'));
    if (this.contentType === null) {
      const err = this.check();
      if (err) return done(err);
    }
    done();
  }
}

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true }).catch(() => {});
}

/**
 * Streams `source` to a new file in the store, enforcing `rule` while the bytes arrive. On any
 * failure (too large, wrong type, aborted upload) the partial file is deleted. Inserts no row:
 * call `insertFileRow` in the transaction that uses the file.
 */
export async function storeStream(
  ctx: AppContext,
  source: Readable & { truncated?: boolean },
  opts: { filename: string | undefined; rule: UploadRule },
): Promise<StoredBlob> {
  const id = newId();
  const storageKey = storageKeyFor(id);
  const target = storagePath(ctx, storageKey);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  // Open (create) the file before any byte flows, so that removing it on failure cannot race
  // with a lazy open that would create it again afterwards.
  const handle = await fs.promises.open(target, 'wx');
  const inspector = new Inspector(opts.rule);
  // busboy stops at its own fileSize limit and emits 'limit': turn that into a 413 at once.
  const onLimit = () => source.destroy(tooLarge(opts.rule));
  source.on('limit', onLimit);
  try {
    await pipeline(source, inspector, handle.createWriteStream());
    if (source.truncated) throw tooLarge(opts.rule);
  } catch (e) {
    await removeQuietly(target);
    // Stop reading the rest of the upload: the answer is already known.
    if (!source.destroyed) source.destroy();
    throw e;
  } finally {
    source.off('limit', onLimit);
  }
  return {
    id,
    storageKey,
    filename: cleanFilename(opts.filename),
    contentType: inspector.contentType!,
    size: inspector.size,
    sha256: inspector.hash.digest('hex'),
  };
}

export async function insertFileRow(db: Executor, blob: StoredBlob, opts: { purpose: string; createdBy: string | null }): Promise<FileRow> {
  const row: FileRow = {
    id: blob.id,
    storage_key: blob.storageKey,
    filename: blob.filename,
    content_type: blob.contentType,
    size: blob.size,
    sha256: blob.sha256,
    purpose: opts.purpose,
    created_by: opts.createdBy,
    created_at: nowIso(),
  };
  await db.insertInto('files').values(row).execute();
  return row;
}

/** Deletes a stored blob's bytes (after the transaction that would have used it failed). */
export async function discardBlob(ctx: AppContext, storageKey: string): Promise<void> {
  await removeQuietly(storagePath(ctx, storageKey));
}

/**
 * Saves a generated file (certificate PDF, report) and inserts its row with `db` (pass the
 * transaction that references it). If the insert fails the bytes are removed again; if the
 * caller's transaction rolls back later, the bytes stay behind unreferenced.
 */
export async function saveBuffer(
  ctx: AppContext,
  db: Executor | null,
  input: { buffer: Buffer; filename: string; contentType: string; purpose: string; createdBy: string | null },
): Promise<FileRow> {
  const id = newId();
  const storageKey = storageKeyFor(id);
  const target = storagePath(ctx, storageKey);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  await fs.promises.writeFile(target, input.buffer, { flag: 'wx' });
  const blob: StoredBlob = {
    id,
    storageKey,
    filename: cleanFilename(input.filename),
    contentType: input.contentType,
    size: input.buffer.length,
    sha256: createHash('sha256').update(input.buffer).digest('hex'),
  };
  try {
    return await insertFileRow(db ?? ctx.db, blob, { purpose: input.purpose, createdBy: input.createdBy });
  } catch (e) {
    await removeQuietly(target);
    throw e;
  }
}

export async function getFileRow(db: Executor, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Deletes `files` rows (references to them are set null by the schema) and returns their storage
 * keys; remove the bytes with `discardBlob` once the transaction has committed.
 */
export async function deleteFileRows(db: Executor, ids: readonly (string | null | undefined)[]): Promise<string[]> {
  const wanted = [...new Set(ids.filter((x): x is string => typeof x === 'string'))];
  if (!wanted.length) return [];
  const rows = await db.deleteFrom('files').where('id', 'in', wanted).returning('storage_key').execute();
  return rows.map((r) => r.storage_key);
}

export async function discardBlobs(ctx: AppContext, storageKeys: readonly string[]): Promise<void> {
  await Promise.all(storageKeys.map((k) => discardBlob(ctx, k)));
}

/**
 * Puts an uploaded blob in the place of its owner's file, in one transaction: `swap` inserts the
 * file row (insertFileRow), points the owner at it, deletes the rows it replaces (deleteFileRows)
 * and returns their storage keys with its result. If `check` or the transaction fails, the
 * uploaded bytes are removed; once it has committed, the replaced bytes are.
 */
export async function replaceFile<T>(
  ctx: AppContext,
  blob: StoredBlob,
  swap: (trx: Tx) => Promise<{ result: T; replaced: string[] }>,
  check?: () => Promise<void>,
): Promise<T> {
  let done: { result: T; replaced: string[] };
  try {
    await check?.();
    done = await ctx.db.transaction().execute(swap);
  } catch (e) {
    await discardBlob(ctx, blob.storageKey);
    throw e;
  }
  await discardBlobs(ctx, done.replaced);
  return done.result;
}

// ---------------------------------------------------------------------------------------------
// HTTP side: reading the upload from a request, serving a file with Range support.

/**
 * Reads the multipart part named `file` from the request and streams it into the store under
 * `rule`. Other parts are not read. See the error contract at the top of this file.
 */
export async function receiveUpload(ctx: AppContext, req: FastifyRequest, rule: UploadRule): Promise<StoredBlob> {
  if (!req.isMultipart()) {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in a part named "file".');
  }
  let part;
  try {
    part = await req.file({ limits: { fileSize: rule.maxBytes, files: 1 } });
  } catch (e) {
    throw multipartError(e);
  }
  if (!part) throw missingFile();
  if (part.fieldname !== 'file') {
    part.file.resume();
    throw missingFile(`Send the file in a part named "file" (got "${part.fieldname}").`);
  }
  try {
    return await storeStream(ctx, part.file, { filename: part.filename, rule });
  } catch (e) {
    throw multipartError(e);
  }
}

function multipartError(e: unknown): unknown {
  if (e instanceof AppError) return e;
  const err = e as { code?: string; statusCode?: number; message?: string };
  if (err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_FILES_LIMIT' || err.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return e;
  // busboy's complaints about a broken body ("Unexpected end of form", "Malformed part header").
  if (err.statusCode === undefined && typeof err.message === 'string' && /form|part|multipart|boundary|premature/i.test(err.message)) {
    return new AppError(400, 'MALFORMED_REQUEST', 'The multipart body is malformed or was cut short.');
  }
  return e;
}

export type ParsedRange = { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * Parses a Range header for a body of `size` bytes. Only single `bytes` ranges are honoured:
 * `a-b`, `a-` and the suffix form `-n`. A header in another unit, or one asking for several
 * ranges, is ignored (the whole file is sent, as RFC 9110 allows). A `bytes` range that is
 * malformed or starts beyond the end is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): ParsedRange {
  if (header === undefined) return { kind: 'none' };
  const m = /^\s*([A-Za-z]+)\s*=\s*(.*)$/.exec(header);
  if (!m || m[1]!.toLowerCase() !== 'bytes') return { kind: 'none' };
  const specs = m[2]!.split(',');
  if (specs.length > 1) return { kind: 'none' };
  const r = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(specs[0]!);
  if (!r || (r[1] === '' && r[2] === '')) return { kind: 'unsatisfiable' };
  if (r[1] === '') {
    const n = Number(r[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === '' ? size - 1 : Number(r[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}


/**
 * Sends a stored file: Content-Type from the row, ETag from its sha256 (If-None-Match -> 304),
 * Accept-Ranges, and a single byte range when asked (206 + Content-Range; 416 when
 * unsatisfiable; If-Range with a stale ETag sends the whole file).
 */
export async function sendFileWithRange(
  ctx: AppContext,
  reply: FastifyReply,
  req: FastifyRequest,
  file: Pick<FileRow, 'storage_key' | 'filename' | 'content_type' | 'size' | 'sha256'>,
  opts: { disposition?: 'inline' | 'attachment'; cacheControl?: string } = {},
): Promise<FastifyReply> {
  const full = storagePath(ctx, file.storage_key);
  let size: number;
  try {
    size = (await fs.promises.stat(full)).size;
  } catch {
    ctx.log.error({ storageKey: file.storage_key }, 'file row without bytes on disk');
    throw errors.notFound('The file');
  }
  const etag = `"${file.sha256}"`;
  void reply
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag)
    .header('Cache-Control', opts.cacheControl ?? 'private, no-cache')
    .header('Content-Disposition', contentDisposition(file.filename, opts.disposition ?? 'inline'));

  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    return reply.code(304).send();
  }

  const ifRange = req.headers['if-range'];
  const range = typeof ifRange === 'string' && ifRange.trim() !== etag ? ({ kind: 'none' } as const) : parseRange(req.headers.range, size);
  if (range.kind === 'unsatisfiable') {
    throw new AppError(
      416,
      'RANGE_NOT_SATISFIABLE',
      `The requested range is not satisfiable; the file has ${size} bytes.`,
      { size },
      {
        'Content-Range': `bytes */${size}`,
      },
    );
  }
  void reply.type(file.content_type);
  if (range.kind === 'range') {
    return reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', String(range.end - range.start + 1))
      .send(fs.createReadStream(full, { start: range.start, end: range.end }));
  }
  return reply.code(200).header('Content-Length', String(size)).send(fs.createReadStream(full));
}
