import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeDb } from '../../../test/helpers/harness.ts';
import { samples } from '../../../test/helpers/multipart.ts';
import { AppError } from '../http/errors.ts';
import {
  cleanFilename,
  detectContentType,
  getFileRow,
  parseRange,
  saveBuffer,
  storagePath,
  storeStream,
  UPLOAD_RULES,
  type UploadRule,
} from './files.service.ts';

describe('detectContentType', () => {
  it('recognises the accepted types by their first bytes, whatever the name says', () => {
    expect(detectContentType(samples.png)).toBe('image/png');
    expect(detectContentType(samples.jpeg)).toBe('image/jpeg');
    expect(detectContentType(samples.gif)).toBe('image/gif');
    expect(detectContentType(samples.webp)).toBe('image/webp');
    expect(detectContentType(samples.pdf)).toBe('application/pdf');
    expect(detectContentType(samples.mp4)).toBe('video/mp4');
    expect(detectContentType(samples.webm)).toBe('video/webm');
    expect(detectContentType(samples.text)).toBeNull();
    expect(detectContentType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(detectContentType(Buffer.alloc(0))).toBeNull();
    // Matroska shares WebM's EBML header but is not WebM.
    const mkv = Buffer.from(samples.webm);
    mkv.write('matr', 24, 'latin1');
    expect(detectContentType(mkv)).toBeNull();
    // RIFF that is not WebP (a WAV file).
    expect(detectContentType(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(40)]))).toBeNull();
  });
});

describe('parseRange', () => {
  const size = 1000;
  it.each([
    ['bytes=0-99', { kind: 'range', start: 0, end: 99 }],
    ['bytes=-10', { kind: 'range', start: 990, end: 999 }],
    ['bytes=990-', { kind: 'range', start: 990, end: 999 }],
    ['bytes=5-5', { kind: 'range', start: 5, end: 5 }],
    ['bytes=900-5000', { kind: 'range', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'range', start: 0, end: 999 }],
    [' bytes = 1 - 2 ', { kind: 'range', start: 1, end: 2 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=50-10', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=-', { kind: 'unsatisfiable' }],
    ['bytes=x-y', { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999-', { kind: 'unsatisfiable' }],
    ['bytes=0-1,4-5', { kind: 'none' }],
    ['pages=1-2', { kind: 'none' }],
    ['garbage', { kind: 'none' }],
  ] as const)('%s', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
  it('no header, empty file', () => {
    expect(parseRange(undefined, size)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-1', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('cleanFilename', () => {
  it('keeps a display name without directories or control characters', () => {
    expect(cleanFilename('../../etc/passwd')).toBe('passwd');
    expect(cleanFilename('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(cleanFilename('a\u0000b\nc.pdf')).toBe('abc.pdf');
    expect(cleanFilename('')).toBe('file');
    expect(cleanFilename(undefined, 'image')).toBe('image');
    expect(cleanFilename('..')).toBe('file');
    expect(cleanFilename('x'.repeat(300))).toHaveLength(200);
  });
});

/** A readable that yields the given chunks, then optionally fails like an aborted upload. */
function chunks(parts: Buffer[], failAtEnd = false): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < parts.length) this.push(parts[i++]);
      else if (failAtEnd) this.destroy(new Error('aborted'));
      else this.push(null);
    },
  });
}

describeDb('file store', (env) => {
  const storedFiles = () => {
    const root = path.join(env.dataDir, 'files');
    return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length : 0;
  };
  const tiny: UploadRule = { accept: ['application/pdf'], maxBytes: 100, label: 'a PDF document', purpose: 'test' };

  it('saveBuffer writes the bytes under files/<2 chars>/<id> and a row with size and sha256', async () => {
    const user = await env.user();
    const buffer = Buffer.from('%PDF-1.7 generated certificate');
    const row = await saveBuffer(env.ctx, null, {
      buffer,
      filename: 'cert.pdf',
      contentType: 'application/pdf',
      purpose: 'certificate',
      createdBy: user.id,
    });
    expect(row).toMatchObject({
      filename: 'cert.pdf',
      content_type: 'application/pdf',
      size: buffer.length,
      purpose: 'certificate',
      created_by: user.id,
    });
    expect(row.sha256).toBe(createHash('sha256').update(buffer).digest('hex'));
    expect(row.storage_key).toBe(`files/${row.id.slice(0, 2)}/${row.id}`);
    expect(fs.readFileSync(storagePath(env.ctx, row.storage_key)).equals(buffer)).toBe(true);
    expect(await getFileRow(env.ctx.db, row.id)).toEqual(row);
  });

  it('saveBuffer inside a transaction commits with it', async () => {
    const id = await env.ctx.db.transaction().execute(async (trx) => {
      const row = await saveBuffer(env.ctx, trx, {
        buffer: Buffer.from('x'),
        filename: 'x.txt',
        contentType: 'text/plain',
        purpose: 'test',
        createdBy: null,
      });
      return row.id;
    });
    expect(await getFileRow(env.ctx.db, id)).toBeDefined();
  });

  it('storeStream hashes and sizes while streaming and accepts chunked input', async () => {
    const parts = [samples.pdf.subarray(0, 3), samples.pdf.subarray(3, 10), samples.pdf.subarray(10)];
    const blob = await storeStream(env.ctx, chunks(parts), { filename: 'p.pdf', rule: UPLOAD_RULES.lessonPdf });
    expect(blob).toMatchObject({ contentType: 'application/pdf', size: samples.pdf.length, filename: 'p.pdf' });
    expect(blob.sha256).toBe(createHash('sha256').update(samples.pdf).digest('hex'));
    expect(fs.readFileSync(storagePath(env.ctx, blob.storageKey)).equals(samples.pdf)).toBe(true);
  });

  it('storeStream refuses oversize, wrong type, empty and aborted uploads and leaves no partial file', async () => {
    const before = storedFiles();
    const expectError = async (p: Promise<unknown>, status: number) => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(status);
    };
    await expectError(
      storeStream(env.ctx, chunks([samples.pdf.subarray(0, 60), Buffer.alloc(60)]), { filename: 'a.pdf', rule: tiny }),
      413,
    );
    await expectError(storeStream(env.ctx, chunks([samples.png]), { filename: 'a.pdf', rule: tiny }), 415);
    await expectError(storeStream(env.ctx, chunks([]), { filename: 'a.pdf', rule: tiny }), 400);
    await expect(storeStream(env.ctx, chunks([samples.pdf.subarray(0, 50)], true), { filename: 'a.pdf', rule: tiny })).rejects.toThrow(
      'aborted',
    );
    expect(storedFiles()).toBe(before);
  });
});
