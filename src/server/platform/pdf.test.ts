import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { renderPdf } from './pdf.ts';

function textOf(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-text-'));
  try {
    fs.writeFileSync(path.join(dir, 'doc.pdf'), pdf);
    return execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', path.join(dir, 'doc.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

it('a letter drawn earlier only as part of another (Y in Ÿ) is still text in every later document', async () => {
  // The first document embeds Ÿ, whose outline is built from Y's: the parsed font is shared between documents.
  expect(textOf(await renderPdf({ content: [{ text: 'Acme Ÿ Safety GmbH' }, { text: 'Ÿ', bold: true }] }))).toContain('Ÿ');
  for (const bold of [false, true]) {
    const text = textOf(await renderPdf({ content: [{ text: 'Acme Ÿ Safety GmbH', bold }, { text: 'Code GO0kIYajBI Yes', bold }] }));
    expect(text).toContain('Acme Ÿ Safety GmbH');
    expect(text).toContain('Code GO0kIYajBI Yes');
  }
});
