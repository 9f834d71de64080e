import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { breakLongWords, MAX_UNBROKEN, renderCertificatePdf, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';
import { CertificateRenderPool, RenderTimeoutError } from './render-pool.ts';

const run = promisify(execFile);

async function pdfText(buf: Buffer): Promise<string> {
  const file = path.join(os.tmpdir(), `pool-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, buf);
  try {
    return (await run('pdftotext', ['-enc', 'UTF-8', '-layout', file, '-'])).stdout;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const holder = (i: number): CertificateData => ({
  memberName: ['Zoë Łukasiewicz', 'Дмитрий Смирнов', 'Γιώργος Παπαδόπουλος', 'Ngozi Okafor'][i % 4]!,
  courseTitle: 'Fire Safety and Evacuation Procedures',
  issueDate: '2026-11-29',
  expiryDate: i % 2 ? '2028-11-29' : null,
  verificationUrl: `https://lms.example.test/lms/certificates/verify/code-${i}`,
  certificateId: `01jpooltest00000000000000${i}`,
  watermark: i === 3 ? 'REVOKED' : undefined,
});

describe('certificate render threads', () => {
  const t: RenderTemplate = {
    orientation: 'landscape',
    pageSize: 'A4',
    title: 'Certificate of Completion',
    subtitle: 'This is to certify that',
    body: 'has successfully completed the course\n{{courseTitle}}\non {{issueDate}}.',
    signerName: 'Dr. Ada Lovelace',
    signerTitle: 'Head of Learning & Development',
    primaryColor: '#1f3a5f',
    textColor: '#222222',
    backgroundColor: '#fffdf7',
    titleFont: 'DejaVuSerif',
    bodyFont: 'DejaVuSans',
    backgroundImage: null,
    logoImage: null,
    signatureImage: null,
  };
  const pool = new CertificateRenderPool(2);
  afterAll(() => pool.close());

  it('threads load the TypeScript renderer and produce the same PDFs as rendering in-process', async () => {
    expect(await pool.warm()).toBe(2);
    const fromThreads = await Promise.all([0, 1, 2, 3].map((i) => pool.render(t, holder(i))));
    expect(pool.counts).toEqual({ threads: 4, inProcess: 0, timeouts: 0 });
    for (const [i, pdf] of fromThreads.entries()) {
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const here = await renderCertificatePdf(t, holder(i));
      const text = await pdfText(pdf);
      expect(text).toBe(await pdfText(here));
      expect(text).toContain(holder(i).memberName);
      expect(text).toContain(holder(i).verificationUrl);
    }
  });

  it('after close, renders still succeed, in-process', async () => {
    await pool.close();
    const pdf = await pool.render(t, holder(5));
    expect(await pdfText(pdf)).toContain(holder(5).memberName);
    expect(pool.counts.inProcess).toBe(1);
  });
});

describe('certificate render timeout', () => {
  const t: RenderTemplate = {
    orientation: 'portrait',
    pageSize: 'A4',
    title: 'Certificate',
    subtitle: '',
    body: 'Completed {{courseTitle}}.',
    signerName: '',
    signerTitle: '',
    primaryColor: '#1f3a5f',
    textColor: '#222222',
    backgroundColor: '#ffffff',
    titleFont: 'DejaVuSans',
    bodyFont: 'DejaVuSans',
    backgroundImage: null,
    logoImage: null,
    signatureImage: null,
  };

  it('a render past the timeout fails with RenderTimeoutError and its thread is replaced', async () => {
    const pool = new CertificateRenderPool(1, null, 1);
    try {
      expect(await pool.warm()).toBe(1);
      await expect(pool.render(t, holder(0), { threadOnly: true })).rejects.toBeInstanceOf(RenderTimeoutError);
      expect(pool.counts).toMatchObject({ threads: 0, inProcess: 0, timeouts: 1 });
    } finally {
      await pool.close();
    }
    const roomy = new CertificateRenderPool(1, null, 60_000);
    try {
      const pdf = await roomy.render(t, holder(1), { threadOnly: true });
      expect(await pdfText(pdf)).toContain(holder(1).memberName);
      expect(roomy.counts).toMatchObject({ threads: 1, inProcess: 0, timeouts: 0 });
    } finally {
      await roomy.close();
    }
  });
});

describe('documents on the render threads', () => {
  const layout = new URL('../../../../test/helpers/pdf-layout.ts', import.meta.url).href;

  it('render on a thread with the same time bound as certificates; a missing layout fails with a clear error', async () => {
    const tight = new CertificateRenderPool(1, null, 1);
    try {
      expect(await tight.warm()).toBe(1);
      const many = Array.from({ length: 3000 }, (_, i) => `Line ${i} of a long document`);
      await expect(tight.renderDocument(layout, 'linesDoc', { lines: many })).rejects.toBeInstanceOf(RenderTimeoutError);
      expect(tight.counts).toMatchObject({ threads: 0, inProcess: 0, timeouts: 1 });
    } finally {
      await tight.close();
    }
    const roomy = new CertificateRenderPool(1, null, 60_000);
    try {
      const pdf = await roomy.renderDocument(layout, 'linesDoc', { lines: ['Zoë Łukasiewicz', 'second line'] });
      expect(await pdfText(pdf)).toContain('Zoë Łukasiewicz');
      expect(roomy.counts).toMatchObject({ threads: 1, inProcess: 0, timeouts: 0 });
      await expect(roomy.renderDocument(layout, 'noSuchLayout', {})).rejects.toThrow(/no document layout named noSuchLayout/);
    } finally {
      await roomy.close();
    }
  });
});

describe('long words', () => {
  it('get a break opportunity every MAX_UNBROKEN characters; short texts are unchanged', () => {
    expect(breakLongWords('Fire Safety')).toBe('Fire Safety');
    const out = breakLongWords(`a ${'x'.repeat(100)} b`);
    expect(out.replaceAll('\u200b', '')).toBe(`a ${'x'.repeat(100)} b`);
    expect(out.split(/[\s\u200b]/).every((w) => w.length <= MAX_UNBROKEN)).toBe(true);
  });
});
