/**
 * PDF rendering (pdfmake) with embedded DejaVu fonts, so names in any Latin, Greek or Cyrillic
 * script print ("Zoë Łukasiewicz", "Дмитрий"), and fallback fonts from the machine for the other
 * scripts (pdf-fonts.ts: "王小明", "김민준", "สมชาย"). One place for fonts, page footers and metadata.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FontFallback, withFallbackRuns, type GlyphSource } from './pdf-fonts.ts';

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
  virtualfs: { writeFileSync(name: string, content: Buffer): void };
  setFonts(fonts: Record<string, Record<string, string>>): void;
  setUrlAccessPolicy(cb: (url: string) => boolean): void;
  setLocalAccessPolicy(cb: (path: string) => boolean): void;
  createPdf(doc: PdfDocDefinition): { getBuffer(): Promise<Buffer> };
}

const fontDir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
let instance: PdfMake | null = null;

const FONT_FILES = {
  DejaVuSans: {
    normal: 'DejaVuSans.ttf',
    bold: 'DejaVuSans-Bold.ttf',
    italics: 'DejaVuSans-Oblique.ttf',
    bolditalics: 'DejaVuSans-BoldOblique.ttf',
  },
  DejaVuSerif: {
    normal: 'DejaVuSerif.ttf',
    bold: 'DejaVuSerif-Bold.ttf',
    italics: 'DejaVuSerif-Italic.ttf',
    bolditalics: 'DejaVuSerif-BoldItalic.ttf',
  },
} as const;

interface GlyphRunLike {
  glyphs: unknown[];
  positions: Record<string, number>[];
}
interface LayoutFont {
  layout(text: string, features?: unknown, ...rest: unknown[]): GlyphRunLike;
  getGlyph?(id: number, codePoints?: number[]): { codePoints: number[] };
}

/**
 * fontkit caches a glyph with the characters it was first asked for. A subset that embeds a
 * composite glyph (Ÿ is Y plus a diaeresis) asks for its parts with no characters; with the parsed
 * font shared, a later document's Y would then come back with none, and pdfkit would write no
 * text for it (the PDF shows Y, but copying or searching the text skips it). A glyph asked for
 * with characters gets them when the cache had none.
 */
function withGlyphCharacters(font: LayoutFont): LayoutFont {
  const getGlyph = font.getGlyph?.bind(font);
  if (!getGlyph) return font;
  font.getGlyph = (id: number, codePoints?: number[]) => {
    const glyph = getGlyph(id, codePoints);
    if (codePoints && codePoints.length > 0 && glyph.codePoints.length === 0) glyph.codePoints = codePoints;
    return glyph;
  };
  return font;
}

const LAYOUT_CACHE_MAX = 50_000;

/**
 * pdfkit lays text out word by word and caches the runs per document; text shaping (fontkit's
 * GSUB/GPOS lookups) is then the largest cost of a report. This keeps the runs per parsed font
 * across documents. pdfkit scales a run's positions in place, so each caller gets its own copy
 * of the positions (the glyphs are only read).
 */
function withLayoutCache(font: LayoutFont): LayoutFont {
  if (typeof font.layout !== 'function') return font;
  const original = font.layout.bind(font);
  const cache = new Map<string, { run: GlyphRunLike; positions: Record<string, number>[] }>();
  font.layout = (text: string, features?: unknown, ...rest: unknown[]) => {
    if (features !== undefined || rest.length > 0 || typeof text !== 'string') return original(text, features, ...rest);
    const hit = cache.get(text);
    if (hit) {
      const copy = Object.assign(Object.create(Object.getPrototypeOf(hit.run) as object) as GlyphRunLike, hit.run);
      copy.positions = hit.positions.map((p) => ({ ...p }));
      return copy;
    }
    const run = original(text);
    if (cache.size >= LAYOUT_CACHE_MAX) cache.clear();
    cache.set(text, { run, positions: run.positions.map((p) => ({ ...p })) });
    return run;
  };
  return font;
}

/**
 * Speed: pdfkit parses each font file with fontkit for every document (tens of milliseconds per
 * DejaVu face, plus the garbage). The parsed font is immutable apart from its glyph caches, and
 * each document still makes its own subset, so one parse per font file serves every document.
 * pdfkit reaches fontkit through `require('fontkit')`, so before pdfkit is first loaded the module
 * cache entry is given a `create` that remembers its result per font buffer (the buffers come from
 * pdfmake's virtual file system, loaded once below, so the same buffer means the same file).
 */
/** The fontkit that pdfmake's pdfkit loads (the one whose module cache entry counts). */
function fontkitPathOfPdfkit(): string {
  const pdfkitDir = path.dirname(
    require.resolve('pdfkit/package.json', { paths: [path.dirname(require.resolve('pdfmake/package.json'))] }),
  );
  return require.resolve('fontkit', { paths: [pdfkitDir] });
}

function shareParsedFonts(): void {
  const fontkitPath = fontkitPathOfPdfkit();
  const real = require(fontkitPath) as { create(buffer: Uint8Array, postscriptName?: string): unknown };
  const cached = require.cache[fontkitPath];
  if (!cached || (real as { sharedParse?: boolean }).sharedParse) return;
  const parsed = new WeakMap<Uint8Array, Map<string, unknown>>();
  // A plain copy of the exports (they are getters, so they cannot be overwritten in place).
  const wrapper = { ...real, sharedParse: true };
  wrapper.create = (buffer: Uint8Array, postscriptName?: string) => {
    let byName = parsed.get(buffer);
    if (!byName) parsed.set(buffer, (byName = new Map<string, unknown>()));
    const key = postscriptName ?? '';
    let font = byName.get(key);
    if (font === undefined) byName.set(key, (font = withLayoutCache(withGlyphCharacters(real.create(buffer, postscriptName) as LayoutFont))));
    return font;
  };
  cached.exports = wrapper;
}

interface StreamRef {
  write: (this: StreamRef, chunk: unknown) => unknown;
  finalize: (this: StreamRef) => unknown;
  pendingText?: string[];
}

/**
 * pdfkit turns every drawing operator of a page into its own small Buffer and concatenates them
 * when the stream ends: thousands of allocations per report. Operators are collected as text and
 * turned into one Buffer when a binary chunk arrives or the stream ends; the bytes are the same.
 */
function batchStreamWrites(): void {
  const pdfkitPath = require.resolve('pdfkit', { paths: [path.dirname(require.resolve('pdfmake/package.json'))] });
  const PDFKit = require(pdfkitPath) as new (options?: object) => { ref(): StreamRef };
  const proto = Object.getPrototypeOf(new PDFKit({ autoFirstPage: false }).ref()) as StreamRef & { batched?: boolean };
  if (proto.batched) return;
  proto.batched = true;
  const write = proto.write;
  const finalize = proto.finalize;
  const flush = (ref: StreamRef) => {
    if (ref.pendingText?.length) {
      const text = ref.pendingText.join('');
      ref.pendingText = [];
      write.call(ref, Buffer.from(text, 'binary'));
    }
  };
  proto.write = function (this: StreamRef, chunk: unknown) {
    if (chunk instanceof Uint8Array) {
      flush(this);
      return write.call(this, chunk);
    }
    (this.pendingText ??= []).push(`${String(chunk)}\n`);
    return undefined;
  };
  proto.finalize = function (this: StreamRef) {
    flush(this);
    return finalize.call(this);
  };
}

interface PdfImage {
  label: string;
  obj: unknown;
  embed: (doc: unknown) => void;
}
interface PdfMakeDocument {
  images: Record<string, unknown>;
  _imageRegistry: Record<string, PdfImage>;
  _imageCount: number;
  openImage: (this: PdfMakeDocument, src: unknown) => PdfImage;
  provideImage: (this: PdfMakeDocument, src: string) => PdfImage;
}
interface DecodedPng {
  image: object;
  imgData: Buffer | null;
  alphaChannel?: Buffer;
  finalize: (this: DecodedPng) => unknown;
}

/** Decoded images kept across documents, by data URL (a template's images are a few, reused by every certificate). */
const IMAGE_CACHE_MAX = 16;

/**
 * Speed: for every document pdfmake decodes each image's base64 and pdfkit parses it again, and
 * for a PNG with transparency (logos, signatures) inflates the pixels, splits off the alpha
 * channel and deflates both: most of the cost of a certificate with images. Per data URL, the
 * parsed image (never embedded) is kept and each document embeds its own shallow copy under its
 * own label; the split PNG data is kept per parsed PNG. The bytes written are the same.
 */
function shareDecodedImages(): void {
  const pdfmakeDir = path.dirname(require.resolve('pdfmake/package.json'));
  const mod = require(path.join(pdfmakeDir, 'js', 'PDFDocument.js')) as {
    default: { prototype: PdfMakeDocument & { imagesShared?: boolean } };
  };
  const proto = mod.default.prototype;
  if (proto.imagesShared) return;
  proto.imagesShared = true;
  const provide = proto.provideImage;
  const parsed = new Map<string, PdfImage>();
  const patchedPng = new WeakSet<object>();
  const split = new WeakMap<object, { imgData: Buffer | null; alphaChannel: Buffer | undefined }>();

  /** Remembers what the PNG decoding steps produce, per parsed PNG, and reuses it. */
  const patchPng = (pngProto: Record<string, unknown>) => {
    if (patchedPng.has(pngProto)) return;
    patchedPng.add(pngProto);
    for (const step of ['splitAlphaChannel', 'loadIndexedAlphaChannel', 'decodeData']) {
      const original = pngProto[step] as ((this: DecodedPng) => unknown) | undefined;
      if (typeof original !== 'function') continue;
      pngProto[step] = function (this: DecodedPng) {
        const png = this.image;
        const done = split.get(png);
        if (done) {
          this.imgData = done.imgData;
          if (done.alphaChannel) this.alphaChannel = done.alphaChannel;
          return this.finalize();
        }
        const finalize = this.finalize;
        this.finalize = function (this: DecodedPng) {
          split.set(png, { imgData: this.imgData, alphaChannel: this.alphaChannel });
          return finalize.call(this);
        };
        return original.call(this);
      };
    }
  };
  const copyOf = (image: PdfImage, label: string): PdfImage =>
    Object.assign(Object.create(Object.getPrototypeOf(image) as object) as PdfImage, image, { label });

  proto.provideImage = function (this: PdfMakeDocument, src: string) {
    const url = this.images?.[src];
    if (this._imageRegistry[src] || typeof url !== 'string' || !url.startsWith('data:')) return provide.call(this, src);
    const base = parsed.get(url);
    if (!base) {
      // First sight: pdfmake opens it as usual; a copy is taken before it is embedded.
      const open = this.openImage;
      this.openImage = function (this: PdfMakeDocument, data: unknown) {
        const image = open.call(this, data);
        if ((image as unknown as DecodedPng).image && typeof (image as unknown as DecodedPng).finalize === 'function') {
          patchPng(Object.getPrototypeOf(image) as Record<string, unknown>);
        }
        if (parsed.size >= IMAGE_CACHE_MAX) parsed.delete(parsed.keys().next().value!);
        parsed.set(url, copyOf(image, image.label));
        return image;
      };
      try {
        return provide.call(this, src);
      } finally {
        delete (this as Partial<PdfMakeDocument>).openImage;
      }
    }
    const image = copyOf(base, `I${++this._imageCount}`);
    image.embed(this);
    this._imageRegistry[src] = image;
    return image;
  };
}

function pdfmake(): PdfMake {
  if (instance) return instance;
  shareParsedFonts();
  batchStreamWrites();
  shareDecodedImages();
  const pm = require('pdfmake') as PdfMake;
  const fonts: Record<string, Record<string, string>> = {};
  for (const [family, faces] of Object.entries(FONT_FILES)) {
    fonts[family] = {};
    for (const [face, file] of Object.entries(faces)) {
      // Fonts live in memory: read once, never from disk per document.
      pm.virtualfs.writeFileSync(file, fs.readFileSync(path.join(fontDir, file)));
      fonts[family][face] = file;
    }
  }
  pm.setFonts(fonts);
  // Documents never fetch anything: images come in as data URLs, fonts from memory.
  pm.setUrlAccessPolicy(() => false);
  pm.setLocalAccessPolicy(() => false);
  instance = pm;
  fontTable = fonts;
  return pm;
}

let fontTable: Record<string, Record<string, string>> = {};
let fallback: FontFallback | null = null;

function fontkit(): { create(buffer: Uint8Array): unknown } {
  return require(fontkitPathOfPdfkit()) as { create(buffer: Uint8Array): unknown };
}

function fontFallback(): FontFallback {
  if (fallback) return fallback;
  const fk = fontkit();
  const parse = (file: string) => fk.create(fs.readFileSync(file)) as GlyphSource;
  const primary = [parse(path.join(fontDir, FONT_FILES.DejaVuSans.normal)), parse(path.join(fontDir, FONT_FILES.DejaVuSerif.normal))];
  fallback = new FontFallback(
    primary,
    (file) => {
      try {
        return parse(file);
      } catch {
        return null;
      }
    },
    (message) => process.emitWarning(message, 'SmoothPdfFonts'),
  );
  return fallback;
}

/** Gives pdfmake the fallback families the document's text asked for (their files read once). */
function registerFallbackFonts(pm: PdfMake, fb: FontFallback): void {
  let added = false;
  for (const fam of fb.registered()) {
    if (fontTable[fam.family]) continue;
    for (const [name, file] of Object.entries(fam.files)) pm.virtualfs.writeFileSync(name, fs.readFileSync(file));
    fontTable[fam.family] = { ...fam.faces };
    added = true;
  }
  if (added) pm.setFonts(fontTable);
}

type PagePart<A extends unknown[]> = ((...args: A) => PdfContent) | undefined;
function runsIn<A extends unknown[]>(part: PagePart<A>, fb: FontFallback): PagePart<A> {
  return part ? (...args: A) => withFallbackRuns(part(...args), fb) : undefined;
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
  const pm = pdfmake();
  const fb = fontFallback();
  def.content = withFallbackRuns(def.content, fb);
  def.header = runsIn(def.header, fb);
  def.footer = runsIn(def.footer, fb);
  def.background = runsIn(def.background, fb);
  // Page parts are laid out page by page, after the fonts are handed over: a first call finds
  // the families their text needs (only page numbers change between pages).
  def.header?.(1, 1);
  def.footer?.(1, 1);
  def.background?.(1, { width: 595, height: 842 });
  registerFallbackFonts(pm, fb);
  return pm.createPdf(def).getBuffer();
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
