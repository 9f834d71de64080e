/**
 * Every script a workforce writes its names in must print. DejaVu (embedded, always there) covers
 * Latin, Greek, Cyrillic, Armenian, Georgian and Hebrew; for the rest a document's text is split
 * into runs and each run that DejaVu cannot draw gets a fallback font found on the machine:
 * Noto Sans <Script> for its script (Debian: fonts-noto-core), then a CJK font (Chinese, Japanese
 * kana, Korean Hangul; Debian: fonts-droid-fallback, or fonts-noto-cjk's TrueType files).
 * Fonts are looked up in SMOOTH_PDF_FONT_DIRS (colon-separated) and /usr/share/fonts, parsed only
 * when a document first needs them.
 *
 * Known limit: right-to-left words are shaped and ordered right to left within a word, but a
 * line mixing several right-to-left words keeps their logical order.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface GlyphSource {
  hasGlyphForCodePoint(cp: number): boolean;
}

/** A fallback font family as pdfmake wants it: face name -> file name in its virtual file system. */
export interface FallbackFamily {
  family: string;
  faces: { normal: string; bold: string; italics: string; bolditalics: string };
  files: Record<string, string>;
}

interface Candidate {
  family: string;
  regular: string;
  bold: string | null;
}

/**
 * CJK fonts, best first, with their bold face (TrueType outlines: pdfkit subsets them reliably).
 * Debian's Droid Sans Fallback draws Chinese and Japanese but no Hangul syllables: Nanum Gothic
 * (fonts-nanum) draws Korean.
 */
const CJK_FILES: [regular: string, bold: string | null][] = [
  ['NotoSansSC-Regular.ttf', 'NotoSansSC-Bold.ttf'],
  ['DroidSansFallbackFull.ttf', null],
  ['DroidSansFallback.ttf', null],
  ['NanumGothic.ttf', 'NanumGothicBold.ttf'],
  ['NotoSansKR-Regular.ttf', 'NotoSansKR-Bold.ttf'],
  ['wqy-zenhei.ttf', null],
];

function fontDirs(): string[] {
  const fromEnv = (process.env.SMOOTH_PDF_FONT_DIRS ?? '').split(':').filter(Boolean);
  return [...fromEnv, '/usr/share/fonts', '/usr/local/share/fonts'];
}

/** Every .ttf under the font directories, by file name (the first found wins). */
function listFontFiles(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(full, depth + 1);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.ttf') && !out.has(e.name)) out.set(e.name, full);
    }
  };
  for (const d of fontDirs()) walk(d, 0);
  return out;
}

/** "CanadianAboriginal" -> "Canadian_Aboriginal" (the Unicode script property's spelling). */
function scriptProperty(camel: string): RegExp | null {
  const name = camel.replace(/([a-z])([A-Z])/g, '$1_$2');
  try {
    return new RegExp(`^\\p{Script=${name}}$`, 'u');
  } catch {
    return null;
  }
}

export class FontFallback {
  private files: Map<string, string> | null = null;
  private scripts: { test: RegExp; candidate: Candidate }[] = [];
  private cjk: Candidate[] = [];
  private readonly parsed = new Map<string, GlyphSource | null>();
  private readonly byCodePoint = new Map<number, string | null>();
  private readonly families = new Map<string, FallbackFamily>();
  private readonly warned = new Set<string>();

  /**
   * @param primary the embedded fonts; a code point all of them draw stays in the document's font
   * @param open parses a font file (fontkit), null when it cannot be read
   */
  constructor(
    private readonly primary: GlyphSource[],
    private readonly open: (file: string) => GlyphSource | null,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  private discover(): void {
    if (this.files) return;
    this.files = listFontFiles();
    for (const [name] of this.files) {
      const m = /^NotoSans([A-Z][A-Za-z]*)-Regular\.ttf$/.exec(name);
      if (!m) continue;
      const test = scriptProperty(m[1]!);
      if (!test) continue;
      const boldName = name.replace('-Regular.ttf', '-Bold.ttf');
      this.scripts.push({
        test,
        candidate: { family: `NotoSans${m[1]}`, regular: name, bold: this.files.has(boldName) ? boldName : null },
      });
    }
    for (const [name, boldName] of CJK_FILES) {
      if (!this.files.has(name)) continue;
      this.cjk.push({
        family: name.replace(/\.ttf$/, '').replace(/-Regular$/, ''),
        regular: name,
        bold: boldName && this.files.has(boldName) ? boldName : null,
      });
    }
  }

  private font(file: string): GlyphSource | null {
    if (!this.parsed.has(file)) this.parsed.set(file, this.open(this.files!.get(file)!));
    return this.parsed.get(file)!;
  }

  private register(c: Candidate): string {
    if (!this.families.has(c.family)) {
      const bold = c.bold ?? c.regular;
      const files: Record<string, string> = { [c.regular]: this.files!.get(c.regular)! };
      if (c.bold) files[c.bold] = this.files!.get(c.bold)!;
      this.families.set(c.family, { family: c.family, faces: { normal: c.regular, bold, italics: c.regular, bolditalics: bold }, files });
    }
    return c.family;
  }

  /** The fallback family for a code point, or null when the document's own font draws it (or nothing does). */
  familyFor(cp: number): string | null {
    if (cp < 0x0530) return null;
    const known = this.byCodePoint.get(cp);
    if (known !== undefined) return known;
    let family: string | null = null;
    if (!this.primary.every((f) => f.hasGlyphForCodePoint(cp))) {
      this.discover();
      const ch = String.fromCodePoint(cp);
      const candidates = [...this.scripts.filter((s) => s.test.test(ch)).map((s) => s.candidate), ...this.cjk];
      const found = candidates.find((c) => this.font(c.regular)?.hasGlyphForCodePoint(cp));
      if (found) family = this.register(found);
      else if (!this.primary.some((f) => f.hasGlyphForCodePoint(cp))) {
        const key = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
        if (!this.warned.has(key) && this.warned.size < 100) {
          this.warned.add(key);
          this.warn(
            `No installed font draws ${key} (${ch}); install a font for its script (e.g. Debian fonts-noto-core, fonts-droid-fallback) or set SMOOTH_PDF_FONT_DIRS`,
          );
        }
      }
    }
    if (this.byCodePoint.size > 100_000) this.byCodePoint.clear();
    this.byCodePoint.set(cp, family);
    return family;
  }

  private draws(family: string | null, cp: number): boolean {
    if (family === null) return this.familyFor(cp) === null;
    const f = this.families.get(family);
    return !!f && !!this.font(f.faces.normal)?.hasGlyphForCodePoint(cp);
  }

  /** Families registered so far (pdfmake needs them before it lays out a document). */
  registered(): FallbackFamily[] {
    return [...this.families.values()];
  }

  /**
   * A string as runs: null when it needs no fallback (the common case, answered without
   * allocating), otherwise text pieces with the font each needs (undefined = the document's font).
   */
  runs(text: string): { text: string; font?: string }[] | null {
    let needs = false;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x0530) {
        needs = true;
        break;
      }
    }
    if (!needs) return null;
    const out: { text: string; font?: string }[] = [];
    let current: string | null = null;
    let buf = '';
    let any = false;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      // Spaces are the document font's (a fallback font's space may be too narrow to read as
      // one); punctuation stays in the run it sits in when that run's font draws it.
      const family: string | null = /\s/u.test(ch) ? null : /\p{P}/u.test(ch) && this.draws(current, cp) ? current : this.familyFor(cp);
      if (family !== current && buf) {
        out.push(current ? { text: buf, font: current } : { text: buf });
        buf = '';
      }
      if (family) any = true;
      current = family;
      buf += ch;
    }
    if (buf) out.push(current ? { text: buf, font: current } : { text: buf });
    return any ? out : null;
  }
}

type Node = unknown;

/**
 * Rewrites a pdfmake document tree so that text needing a fallback font is split into runs.
 * Touches only text: strings where pdfmake reads text (content, stack, columns, lists, table
 * cells) and `text` members; a QR code's value or an image name is left alone.
 */
export function withFallbackRuns(node: Node, fb: FontFallback): Node {
  if (typeof node === 'string') {
    const runs = fb.runs(node);
    return runs ? { text: runs } : node;
  }
  if (Array.isArray(node)) return node.map((n) => withFallbackRuns(n, fb));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  const set = (key: string, value: unknown) => {
    if (value === obj[key]) return;
    copy ??= { ...obj };
    copy[key] = value;
  };
  if ('text' in obj) {
    const t = obj.text;
    if (typeof t === 'string') {
      const runs = fb.runs(t);
      if (runs) set('text', runs);
    } else if (Array.isArray(t) || (t && typeof t === 'object')) set('text', withFallbackRuns(t, fb));
  }
  for (const key of ['stack', 'columns', 'ul', 'ol']) if (key in obj) set(key, withFallbackRuns(obj[key], fb));
  if (obj.table && typeof obj.table === 'object') {
    const table = obj.table as Record<string, unknown>;
    if (Array.isArray(table.body)) {
      const body = (table.body as Node[][]).map((row) => (Array.isArray(row) ? row.map((cell) => withFallbackRuns(cell, fb)) : row));
      set('table', { ...table, body });
    }
  }
  return copy ?? obj;
}
