/**
 * Certificate PDFs: a template (layout, texts with placeholders, colours, fonts, images as data
 * URLs) plus one holder's data -> one page. Uses the shared renderer (platform/pdf.ts), so names
 * in any script print. The page carries a QR code of the verification URL.
 */
import QRCode from 'qrcode';
import { renderPdf, type PdfContent, type PdfDocDefinition } from '../../platform/pdf.ts';
import { CERTIFICATE_PLACEHOLDERS, type CertificatePlaceholder } from '../../../contract/certificates.ts';

export interface RenderTemplate {
  orientation: 'landscape' | 'portrait';
  pageSize: 'A4' | 'LETTER';
  title: string;
  subtitle: string;
  body: string;
  signerName: string;
  signerTitle: string;
  primaryColor: string;
  textColor: string;
  backgroundColor: string;
  titleFont: string;
  bodyFont: string;
  /** Data URLs (data:image/png;base64,...) or null. */
  backgroundImage: string | null;
  logoImage: string | null;
  signatureImage: string | null;
}

export interface CertificateData {
  memberName: string;
  courseTitle: string;
  /** YYYY-MM-DD */
  issueDate: string;
  /** YYYY-MM-DD or null (no expiry). */
  expiryDate: string | null;
  verificationUrl: string;
  certificateId: string;
  /** When the holder attested the course (ISO timestamp), printed under the dates. */
  attestedAt?: string | null | undefined;
  /** Printed across the page when the certificate is revoked, or for previews. */
  watermark?: string | undefined;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** 2026-11-29 -> "29 November 2026". */
export function humanDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

export function placeholderValues(data: CertificateData): Record<CertificatePlaceholder, string> {
  return {
    memberName: data.memberName,
    courseTitle: data.courseTitle,
    issueDate: humanDate(data.issueDate),
    expiryDate: data.expiryDate ? humanDate(data.expiryDate) : 'no expiry',
    verificationUrl: data.verificationUrl,
    certificateId: data.certificateId,
  };
}

const PLACEHOLDER_RE = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Longest run of characters without a break opportunity that the layout gets. */
export const MAX_UNBROKEN = 30;
const LONG_WORD_RE = new RegExp(`\\S{${MAX_UNBROKEN + 1},}`, 'gu');

/**
 * Gives very long words break opportunities (a zero-width space every MAX_UNBROKEN characters):
 * the line breaker's cost grows with the square of a word's length (a 4,000-character word took
 * seconds), and a word wider than the page cannot be set anyway.
 */
export function breakLongWords(text: string): string {
  if (text.length <= MAX_UNBROKEN) return text;
  return text.replace(LONG_WORD_RE, (word) => {
    const chars = Array.from(word);
    const parts: string[] = [];
    for (let i = 0; i < chars.length; i += MAX_UNBROKEN) parts.push(chars.slice(i, i + MAX_UNBROKEN).join(''));
    return parts.join('\u200b');
  });
}

/** Replaces placeholders with plain text (titles). */
export function fillText(text: string, values: Record<CertificatePlaceholder, string>): string {
  return text.replace(PLACEHOLDER_RE, (all, name: string) =>
    (CERTIFICATE_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as CertificatePlaceholder] : all,
  );
}

/** One paragraph as text runs: the filled-in values bold, the template's words plain. */
function runs(line: string, values: Record<CertificatePlaceholder, string>): PdfContent[] {
  const out: PdfContent[] = [];
  let last = 0;
  for (const m of line.matchAll(PLACEHOLDER_RE)) {
    const name = m[1]!;
    if (!(CERTIFICATE_PLACEHOLDERS as readonly string[]).includes(name)) continue;
    if (m.index > last) out.push(breakLongWords(line.slice(last, m.index)));
    out.push({ text: values[name as CertificatePlaceholder], bold: true });
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push(breakLongWords(line.slice(last)));
  return out.length === 1 && typeof out[0] === 'string' ? [out[0]] : out;
}

/**
 * The QR code of `text` as one vector path (a rectangle per run of dark modules in a row), drawn
 * `size` points wide with a quiet zone, its top left corner at `at` (page coordinates). One path is far cheaper to lay out and write than
 * pdfmake's built-in QR node, which draws every module as its own rectangle.
 */
export function qrCanvas(text: string, size: number, at: { x: number; y: number }): PdfContent {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const quiet = 2;
  const cell = size / (n + 2 * quiet);
  const f = (v: number) => (Math.round(v * 1000) / 1000).toString();
  let d = '';
  for (let y = 0; y < n; y++) {
    let x = 0;
    while (x < n) {
      if (!modules.get(y, x)) {
        x++;
        continue;
      }
      const start = x;
      while (x < n && modules.get(y, x)) x++;
      d += `M${f(at.x + (start + quiet) * cell)} ${f(at.y + (y + quiet) * cell)}h${f((x - start) * cell)}v${f(cell)}h${f(-(x - start) * cell)}z`;
    }
  }
  // pdfmake does not move a path with its canvas: the path is in page coordinates, so this canvas
  // must sit at the page origin (the background layer).
  return {
    canvas: [
      { type: 'rect', x: at.x, y: at.y, w: size, h: size, color: '#ffffff' },
      { type: 'path', d, color: '#000000', lineWidth: 0 },
    ],
    absolutePosition: { x: 0, y: 0 },
  };
}

const QR_SIZE = 84;

const PAGE_SIZES = { A4: { w: 595.28, h: 841.89 }, LETTER: { w: 612, h: 792 } } as const;

export function pageDimensions(t: Pick<RenderTemplate, 'orientation' | 'pageSize'>): { width: number; height: number } {
  const s = PAGE_SIZES[t.pageSize];
  return t.orientation === 'landscape' ? { width: s.h, height: s.w } : { width: s.w, height: s.h };
}

export function certificateDocument(t: RenderTemplate, data: CertificateData): PdfDocDefinition {
  // Every text is laid out with its long words broken (breakLongWords); the URL and id are bounded.
  const values = placeholderValues(data);
  values.memberName = breakLongWords(values.memberName);
  values.courseTitle = breakLongWords(values.courseTitle);
  const { width, height } = pageDimensions(t);
  const landscape = t.orientation === 'landscape';
  const margin = landscape ? 70 : 60;
  const inner = width - 2 * margin;

  const content: PdfContent[] = [];
  if (t.logoImage) content.push({ image: 'logo', fit: [180, 60], alignment: 'center', margin: [0, 0, 0, 10] });
  content.push({
    text: breakLongWords(fillText(t.title, values)),
    font: t.titleFont,
    fontSize: landscape ? 34 : 30,
    bold: true,
    color: t.primaryColor,
    alignment: 'center',
    margin: [0, t.logoImage ? 0 : 20, 0, 14],
    characterSpacing: 1,
  });
  if (t.subtitle.trim()) {
    content.push({
      text: breakLongWords(fillText(t.subtitle, values)),
      color: '#555555',
      fontSize: 14,
      alignment: 'center',
      margin: [0, 0, 0, 10],
    });
  }
  content.push({
    text: values.memberName,
    font: t.titleFont,
    fontSize: landscape ? 30 : 26,
    bold: true,
    color: t.primaryColor,
    alignment: 'center',
  });
  content.push({
    canvas: [{ type: 'line', x1: inner / 2 - 150, y1: 4, x2: inner / 2 + 150, y2: 4, lineWidth: 0.8, lineColor: t.primaryColor }],
    margin: [0, 0, 0, 14],
  });
  for (const para of t.body.split(/\r?\n/)) {
    if (!para.trim()) {
      content.push({ text: ' ', fontSize: 6 });
      continue;
    }
    content.push({ text: runs(para, values), fontSize: 14, alignment: 'center', lineHeight: 1.25 });
  }

  // The bottom band: signature (left), dates (middle), QR and verification (right). Each block is
  // placed absolutely and written as few text nodes as possible (layout cost grows with nodes).
  const bandY = height - margin - 105;
  const qrAt = { x: width - margin - QR_SIZE, y: bandY };
  const signature: PdfContent[] = [];
  if (t.signatureImage) signature.push({ image: 'signature', fit: [150, 45], margin: [0, 0, 0, 2] });
  else signature.push({ text: ' ', fontSize: 30 });
  signature.push({ canvas: [{ type: 'line', x1: 0, y1: 0, x2: 170, y2: 0, lineWidth: 0.6, lineColor: t.textColor }] });
  const signer: PdfContent[] = [];
  if (t.signerName) signer.push({ text: breakLongWords(t.signerName), bold: true, fontSize: 10 });
  if (t.signerTitle) signer.push({ text: `${t.signerName ? '\n' : ''}${breakLongWords(t.signerTitle)}`, fontSize: 9, color: '#555555' });
  if (signer.length) signature.push({ text: signer, margin: [0, 3, 0, 0] });

  const band: PdfContent[] = [
    { stack: signature, absolutePosition: { x: margin, y: bandY } },
    {
      text: [
        { text: 'Issued: ', color: '#555555' },
        { text: values.issueDate, bold: true },
        { text: '\nValid until: ', color: '#555555' },
        { text: values.expiryDate, bold: true },
        ...(data.attestedAt
          ? [{ text: `\nAttested by the holder on ${humanDate(data.attestedAt.slice(0, 10))}`, fontSize: 8, color: '#555555' }]
          : []),
      ],
      fontSize: 10,
      lineHeight: 1.3,
      alignment: 'center',
      absolutePosition: { x: margin, y: bandY + 40 },
    },
    {
      text: [
        { text: 'Scan or visit to verify\n', fontSize: 7 },
        { text: data.verificationUrl, fontSize: 6 },
      ],
      color: '#555555',
      alignment: 'right',
      absolutePosition: { x: margin, y: bandY + QR_SIZE + 3 },
    },
  ];

  const images: Record<string, string> = {};
  if (t.logoImage) images.logo = t.logoImage;
  if (t.signatureImage) images.signature = t.signatureImage;
  if (t.backgroundImage) images.background = t.backgroundImage;

  const doc: PdfDocDefinition = {
    pageSize: { width, height },
    pageMargins: [margin, margin + 10, margin, margin],
    defaultStyle: { font: t.bodyFont, fontSize: 12, color: t.textColor },
    info: {
      title: `${fillText(t.title, placeholderValues(data))} — ${data.memberName}`,
      subject: data.courseTitle,
      keywords: data.certificateId,
    },
    images,
    background: () => {
      const layers: PdfContent[] = [];
      if (t.backgroundImage) {
        layers.push({ image: 'background', width, height, absolutePosition: { x: 0, y: 0 } });
      } else {
        layers.push({
          canvas: [
            { type: 'rect', x: 0, y: 0, w: width, h: height, color: t.backgroundColor },
            { type: 'rect', x: 22, y: 22, w: width - 44, h: height - 44, lineWidth: 3, lineColor: t.primaryColor },
            { type: 'rect', x: 30, y: 30, w: width - 60, h: height - 60, lineWidth: 0.8, lineColor: t.primaryColor },
          ],
          absolutePosition: { x: 0, y: 0 },
        });
      }
      layers.push(qrCanvas(data.verificationUrl, QR_SIZE, qrAt));
      if (data.watermark) {
        layers.push({
          text: data.watermark,
          fontSize: 90,
          bold: true,
          color: '#cc0000',
          opacity: 0.15,
          alignment: 'center',
          absolutePosition: { x: 0, y: height / 2 - 60 },
        });
      }
      return layers;
    },
    content: [...content, ...band],
  };
  return doc;
}

export async function renderCertificatePdf(t: RenderTemplate, data: CertificateData): Promise<Buffer> {
  return renderPdf(certificateDocument(t, data));
}

/**
 * A file name safe on every OS: "Zoë Łukasiewicz - Fire Safety - 2026-12-07.pdf" (`tail`: the issue
 * date for one download, the certificate's id where names must be unique, as in a zip).
 */
export function certificateFileName(memberName: string, courseTitle: string, tail: string): string {
  const clean = (s: string) =>
    s
      .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80);
  return `${clean(memberName)} - ${clean(courseTitle)} - ${tail}.pdf`;
}
