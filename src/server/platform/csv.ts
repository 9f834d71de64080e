/**
 * CSV in and out.
 *
 * Reading (csv-parse 7, streamed): UTF-8 with or without a BOM, comma or semicolon (detected from
 * the header line), quoted fields with embedded newlines. Every record carries the file's own line
 * number where it starts, so errors can point at the line a person sees in an editor.
 *
 * Writing: RFC 4180 quoting, CRLF line ends, and cells that a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR at the start) are prefixed with an apostrophe.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';

export type CsvDelimiter = ',' | ';';

export interface CsvRecord {
  /** Line of the file on which the record starts (1-based; the header is line 1). */
  line: number;
  fields: string[];
}

/** A file that is not well-formed CSV (an unclosed quote, ...): the line where parsing stopped. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    public readonly line: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Counts the separators outside quotes on the first line of `text` and picks the more frequent. */
export function detectDelimiter(text: string): CsvDelimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** Reads the first bytes of a file and detects its delimiter. */
export async function detectFileDelimiter(file: string): Promise<CsvDelimiter> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return detectDelimiter(
      buf
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } finally {
    await fh.close();
  }
}

function countNewlines(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/**
 * Streams the records of a CSV file with their starting line numbers. Blank lines are skipped;
 * fields are trimmed. Throws CsvSyntaxError for a malformed file.
 */
export async function* readCsv(source: string | Readable, opts: { delimiter?: CsvDelimiter } = {}): AsyncGenerator<CsvRecord> {
  const delimiter = opts.delimiter ?? (typeof source === 'string' ? await detectFileDelimiter(source) : ',');
  const input = typeof source === 'string' ? fs.createReadStream(source) : source;
  const parser = input.pipe(
    parse({
      bom: true,
      delimiter,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      max_record_size: 1024 * 1024,
    }),
  );
  input.on('error', (e: Error) => parser.destroy(e));
  // Line where the next raw chunk starts.
  let line = 1;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const raw = r.raw;
      // Skipped blank lines come first in `raw`.
      let start = 0;
      while (start < raw.length && (raw[start] === '\n' || raw[start] === '\r')) start++;
      const recordLine = line + countNewlines(raw, 0, start);
      line += countNewlines(raw);
      if (raw.includes('\u0000')) {
        throw new CsvSyntaxError('The file contains a NUL character (\\u0000); save it as plain text CSV.', recordLine);
      }
      const fields = r.record.map((f) => f.trim());
      if (fields.every((f) => f === '')) continue;
      yield { line: recordLine, fields };
    }
  } catch (e) {
    if (e instanceof CsvError) {
      const at = (e as CsvError & { lines?: number }).lines;
      throw new CsvSyntaxError(`The file is not valid CSV: ${e.message}`, typeof at === 'number' ? at : line);
    }
    throw e;
  } finally {
    if (typeof source === 'string') input.destroy();
  }
}

/**
 * Counts the records of a CSV file without its header, fast: one pass over the bytes counting
 * line ends outside quotes, ignoring blank lines (as the parser does). Used for progress only.
 */
export async function countCsvRecords(file: string): Promise<number> {
  let records = 0;
  let quoted = false;
  let content = false;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 34) {
        quoted = !quoted;
        content = true;
      } else if (!quoted && (c === 10 || c === 13)) {
        if (content) records++;
        content = false;
      } else if (c !== 32 && c !== 9 && !(c === 0xef || c === 0xbb || c === 0xbf)) {
        content = true;
      }
    }
  }
  if (content) records++;
  return Math.max(0, records - 1);
}

// ---------------------------------------------------------------------------------------------
// Writing.

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const text = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/**
 * A readable stream of CSV text: the header, then the rows of every page `pages` yields. Pages
 * are pulled only as fast as the consumer reads (backpressure), so no whole table is buffered.
 */
export function csvStream<T>(
  header: readonly string[],
  pages: AsyncIterable<readonly T[]>,
  toValues: (row: T) => readonly CsvValue[],
): Readable {
  async function* lines(): AsyncGenerator<string> {
    yield `\uFEFF${csvLine(header)}`;
    for await (const page of pages) {
      if (page.length === 0) continue;
      let chunk = '';
      for (const row of page) chunk += csvLine(toValues(row));
      yield chunk;
    }
  }
  return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
}
