import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCertificatePdf, type CertificateData, type RenderTemplate } from './certificate-pdf.ts';
import { CertificateRenderPool } from './certificate-render-pool.ts';

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
    expect(pool.counts).toEqual({ threads: 4, inProcess: 0 });
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
