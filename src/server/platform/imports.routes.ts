/**
 * HTTP side of the import engine: GET /api/imports/:id, and the upload handling every
 * `POST /api/<things>/import` route shares (multipart `file` + fields `mode`, `dryRun`; 202 with
 * the import id, or with ?wait=true 200 with the final state).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { newId } from '../db/ids.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { AppError, errors, fieldErrorsFromZod } from '../http/errors.ts';
import { IdParams } from '../../contract/common.ts';
import { ImportFieldsSchema, ImportStateSchema, type ImportMode } from '../../contract/imports.ts';
import { cleanFilename, detectContentType, missingFile, tooLarge, wrongType, type UploadRule } from './files.service.ts';
import { countCsvRecords } from './csv.ts';
import { runImport, runInBackground, settleImports } from './imports.service.ts';
import { importSizeProblem, type ImportKind } from './imports-kind.ts';
import { createImport, getImport, importUploadDir } from './imports-records.ts';

export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

export const CSV_RULE: UploadRule = {
  accept: ['text/csv'],
  maxBytes: IMPORT_MAX_BYTES,
  label: 'a CSV file (UTF-8 text)',
  purpose: 'import',
};

export interface ReceivedImport {
  file: string;
  fileName: string;
  mode: ImportMode;
  dryRun: boolean;
}

/** Passes text through while checking it is UTF-8 without NUL bytes and within the size limit. */
class CsvInspector extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  size = 0;
  private checkedHead = false;

  constructor(private readonly rule: UploadRule) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.rule.maxBytes) return done(tooLarge(this.rule));
    if (!this.checkedHead) {
      this.checkedHead = true;
      if (detectContentType(chunk) !== null) return done(wrongType(this.rule));
    }
    if (chunk.includes(0)) return done(wrongType(this.rule));
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      return done(wrongType(this.rule));
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.size === 0) return done(missingFile('The file is empty.'));
    try {
      this.decoder.decode();
    } catch {
      return done(wrongType(this.rule));
    }
    done();
  }
}

async function saveCsv(source: Readable & { truncated?: boolean }, target: string, rule: UploadRule): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const onLimit = () => source.destroy(tooLarge(rule));
  source.on('limit', onLimit);
  try {
    await pipeline(source, new CsvInspector(rule), fs.createWriteStream(target, { flags: 'wx' }));
    if (source.truncated) throw tooLarge(rule);
  } catch (e) {
    await fs.promises.rm(target, { force: true }).catch(() => {});
    if (!source.destroyed) source.destroy();
    const err = e as { code?: string };
    if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(rule);
    throw e;
  } finally {
    source.off('limit', onLimit);
  }
}

/**
 * Reads a multipart import upload: the CSV in the part `file` is streamed to a scratch file under
 * the data directory (size, UTF-8 and binary checks on the way), the text fields are validated.
 * Nothing is written to the database.
 */
export async function receiveImportUpload(ctx: AppContext, req: FastifyRequest, rule: UploadRule = CSV_RULE): Promise<ReceivedImport> {
  if (!req.isMultipart()) {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as multipart/form-data in a part named "file".');
  }
  const fields: Record<string, string> = {};
  let saved: { file: string; fileName: string } | null = null;
  const cleanup = async () => {
    if (saved) await fs.promises.rm(saved.file, { force: true }).catch(() => {});
  };
  try {
    for await (const part of req.parts({ limits: { fileSize: rule.maxBytes, files: 1, fields: 10 } })) {
      if (part.type === 'field') {
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw missingFile(`Send the CSV in a part named "file" (got "${part.fieldname}").`);
      }
      const target = path.join(importUploadDir(ctx), `${newId()}.csv`);
      await saveCsv(part.file, target, rule);
      saved = { file: target, fileName: cleanFilename(part.filename, 'import.csv') };
    }
  } catch (e) {
    await cleanup();
    if (e instanceof AppError) throw e;
    const err = e as { code?: string; message?: string; statusCode?: number };
    if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(rule);
    if (err.code === 'FST_FILES_LIMIT') throw missingFile('Send exactly one file, in the part named "file".');
    if (err.code === 'FST_FIELDS_LIMIT' || err.code === 'FST_PARTS_LIMIT')
      throw errors.validation([{ path: '', message: 'Too many form fields.' }]);
    if (err.statusCode === undefined && typeof err.message === 'string' && /form|part|multipart|boundary|premature/i.test(err.message)) {
      throw new AppError(400, 'MALFORMED_REQUEST', 'The multipart body is malformed or was cut short.');
    }
    throw e;
  }
  if (!saved) throw missingFile();
  const parsed = ImportFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    await cleanup();
    throw errors.validation(fieldErrorsFromZod(parsed.error));
  }
  return { ...saved, ...parsed.data };
}

/**
 * The whole of a `POST /api/<things>/import` route: receive the upload, create the import record,
 * then run it inline (?wait=true → 200 with the final state) or in the background (202 { importId }).
 */
export async function handleImportUpload<Item>(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  kind: ImportKind<Item>,
  wait: boolean,
): Promise<FastifyReply> {
  const actor = actorOf(req);
  const upload = await receiveImportUpload(ctx, req);
  // Too many rows for all-or-nothing on this database: refused before anything is recorded.
  if (upload.mode === 'all-or-nothing' && kind.allOrNothingLimit?.(ctx) != null) {
    const problem = importSizeProblem(ctx, kind, upload.mode, await countCsvRecords(upload.file).catch(() => 0));
    if (problem !== null) {
      await fs.promises.rm(upload.file, { force: true }).catch(() => {});
      throw errors.validation([{ path: 'mode', message: problem }], problem);
    }
  }
  let id: string;
  try {
    id = await createImport(ctx, actor, {
      kind: kind.name,
      fileName: upload.fileName,
      mode: upload.mode,
      dryRun: upload.dryRun,
      uploadFile: upload.file,
    });
  } catch (e) {
    await fs.promises.rm(upload.file, { force: true }).catch(() => {});
    throw e;
  }
  const input = { id, file: upload.file, mode: upload.mode, dryRun: upload.dryRun, deleteFile: true };
  if (wait) {
    return reply.code(200).send(await runImport(ctx, actor, kind, input));
  }
  runInBackground(ctx, actor, kind, input);
  return reply.code(202).header('Location', `/api/imports/${id}`).send({ importId: id });
}

export function registerImportRoutes(app: App, ctx: AppContext): void {
  // Let background imports finish before the database closes.
  app.addHook('onClose', async () => settleImports(ctx));

  app.get(
    '/api/imports/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['imports'],
        summary: 'Progress and outcome of an import (its creator, Moderators and System Managers)',
        description:
          'errors[].row is the line number in the uploaded file (the header is line 1); errors lists at most 1000 entries, errorCount has them all.',
        params: IdParams,
        response: { 200: ImportStateSchema },
      },
    },
    async (req) => getImport(ctx, actorOf(req), req.params.id),
  );
}
