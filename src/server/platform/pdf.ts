/**
 * PDF rendering (pdfmake) with embedded DejaVu fonts, so names in any Latin, Greek or Cyrillic
 * script print ("Zoë Łukasiewicz", "Дмитрий"). One place for fonts, page footers and metadata.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

// pdfmake ships no types for its server build; this is the part we use.
export type PdfContent = unknown;
export interface PdfDocDefinition {
  content: PdfContent;
  pageSize?: string | { width: number; height: number };
  pageOrientation?: 'portrait' | 'landscape';
  pageMargins?: number | [number, number] | [number, number, number, number];
  footer?: (currentPage: number, pageCount: number) => PdfContent;
  header?: (currentPage: number, pageCount: number) => PdfContent;
  background?: (currentPage: number, pageSize: { width: number; height: number }) => PdfContent;
  defaultStyle?: Record<string, unknown>;
  styles?: Record<string, Record<string, unknown>>;
  info?: { title?: string; author?: string; subject?: string; keywords?: string; creator?: string; producer?: string };
  images?: Record<string, string>;
}

interface PdfMake {
  setFonts(fonts: Record<string, Record<string, string>>): void;
  setUrlAccessPolicy(cb: (url: string) => boolean): void;
  setLocalAccessPolicy(cb: (path: string) => boolean): void;
  createPdf(doc: PdfDocDefinition): { getBuffer(): Promise<Buffer> };
}

const fontDir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
let instance: PdfMake | null = null;

function pdfmake(): PdfMake {
  if (instance) return instance;
  const pm = require('pdfmake') as PdfMake;
  pm.setFonts({
    DejaVuSans: {
      normal: path.join(fontDir, 'DejaVuSans.ttf'),
      bold: path.join(fontDir, 'DejaVuSans-Bold.ttf'),
      italics: path.join(fontDir, 'DejaVuSans-Oblique.ttf'),
      bolditalics: path.join(fontDir, 'DejaVuSans-BoldOblique.ttf'),
    },
    DejaVuSerif: {
      normal: path.join(fontDir, 'DejaVuSerif.ttf'),
      bold: path.join(fontDir, 'DejaVuSerif-Bold.ttf'),
      italics: path.join(fontDir, 'DejaVuSerif-Italic.ttf'),
      bolditalics: path.join(fontDir, 'DejaVuSerif-BoldItalic.ttf'),
    },
  });
  // Documents never fetch anything: images come in as data URLs, fonts only from our font folder.
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy((p) => path.resolve(p).startsWith(fontDir));
  instance = pm;
  return pm;
}

export const PDF_FONTS = ['DejaVuSans', 'DejaVuSerif'] as const;

/** Renders a document definition to a PDF buffer. */
export async function renderPdf(doc: PdfDocDefinition): Promise<Buffer> {
  const def: PdfDocDefinition = {
    pageSize: 'A4',
    pageMargins: [40, 50, 40, 50],
    ...doc,
    defaultStyle: { font: 'DejaVuSans', fontSize: 10, ...(doc.defaultStyle ?? {}) },
    info: { creator: 'Smooth LMS', producer: 'Smooth LMS', ...(doc.info ?? {}) },
  };
  return pdfmake().createPdf(def).getBuffer();
}

/** The standard report footer: document id on the left, "Page x of y" on the right. */
export function reportFooter(documentId: string, generatedAt: string) {
  return (currentPage: number, pageCount: number): PdfContent => ({
    margin: [40, 10, 40, 0],
    columns: [
      { text: `Document ${documentId} · generated ${generatedAt.replace('T', ' ').slice(0, 16)} UTC`, fontSize: 8, color: '#666666' },
      { text: `Page ${currentPage} of ${pageCount}`, alignment: 'right', fontSize: 8, color: '#666666' },
    ],
  });
}

/** Turns image bytes into the data URL pdfmake accepts. */
export function imageDataUrl(bytes: Buffer, contentType: string): string {
  return `data:${contentType};base64,${bytes.toString('base64')}`;
}
