/**
 * An uploaded zip (a SCORM package, a course archive), read with yauzl from the file store:
 * validated from its central directory before a single byte is extracted (its manifest entry at
 * the root, sizes, file count, compression ratio, safe relative names, no symlinks, no
 * encryption), then extracted entry by entry as streams into a new folder. yauzl checks every
 * entry's real size against the declared one while it inflates, so a zip that lies about its
 * sizes fails during extraction and its folder is removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { FieldError } from '../http/errors.ts';

export const ZIP_LIMITS = {
  /** The uploaded zip. */
  zipBytes: 300 * 1024 * 1024,
  /** All files once extracted. */
  totalBytes: 1024 * 1024 * 1024,
  files: 10_000,
  /** Uncompressed / compressed, for entries large enough for the ratio to mean anything. */
  ratio: 100,
  ratioFloorBytes: 1024 * 1024,
  manifestBytes: 4 * 1024 * 1024,
};

export interface ZipEntryInfo {
  name: string;
  size: number;
}

export interface ZipInspection {
  entries: ZipEntryInfo[];
  totalBytes: number;
  /** The manifest entry's text (imsmanifest.xml, course.json), or null when it is missing. */
  manifestText: string | null;
  errors: FieldError[];
}

/** What the zip must hold and how messages name it. */
export interface ZipKind {
  /** The entry read as text, at the root: "imsmanifest.xml", "course.json". */
  manifest: string;
  /** "package", "archive": the word messages use for the zip. */
  noun: string;
  /** The message when the manifest is not at the root (nested: the folder it was found in, if any). */
  missingManifest: (nested: string | null) => string;
}

export const SCORM_ZIP: ZipKind = {
  manifest: 'imsmanifest.xml',
  noun: 'package',
  missingManifest: (nested) =>
    nested !== null
      ? `imsmanifest.xml must be at the root of the zip, not in "${nested}" (zip the package's contents, not its folder).`
      : 'The zip has no imsmanifest.xml at its root: it is not a SCORM package.',
};

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Why an entry name is unsafe to extract, or null. */
export function unsafeName(name: string): string | null {
  if (name === '') return 'an empty name';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control characters in its name';
  if (name.includes('\\')) return 'a backslash in its name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path';
  if (name.split('/').some((p) => p === '..')) return 'a ".." path segment (it would write outside its folder)';
  return null;
}

async function readAll(stream: NodeJS.ReadableStream, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads the central directory (and only the manifest's bytes) and says what is wrong. */
export async function inspectZip(zipPath: string, kind: ZipKind = SCORM_ZIP): Promise<ZipInspection> {
  const errors: FieldError[] = [];
  const push = (message: string) => {
    if (errors.length < 20) errors.push({ path: 'file', message });
  };
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false });
  } catch (e) {
    return { entries: [], totalBytes: 0, manifestText: null, errors: [{ path: 'file', message: `The file is not a readable zip archive (${(e as Error).message}).` }] };
  }
  const entries: ZipEntryInfo[] = [];
  let totalBytes = 0;
  let manifestText: string | null = null;
  const tooBig = `${kind.manifest} is larger than ${ZIP_LIMITS.manifestBytes / 1024 / 1024} MB.`;
  const names = new Set<string>();
  try {
    if (zip.entryCount > ZIP_LIMITS.files) push(`The ${kind.noun} has ${zip.entryCount} entries; at most ${ZIP_LIMITS.files} are allowed.`);
    else {
      for await (const entry of zip.eachEntry()) {
        const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
        const why = unsafeName(name);
        if (why) {
          push(`The entry "${name.slice(0, 200)}" has ${why}.`);
          continue;
        }
        const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
        if (mode === S_IFLNK) {
          push(`The entry "${name}" is a symbolic link; a ${kind.noun} may not contain links.`);
          continue;
        }
        if (name.endsWith('/')) continue;
        if (entry.isEncrypted()) {
          push(`The entry "${name}" is encrypted.`);
          continue;
        }
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
          push(`The entry "${name}" uses an unsupported compression method (${entry.compressionMethod}).`);
          continue;
        }
        if (names.has(name)) {
          push(`The entry "${name}" appears twice.`);
          continue;
        }
        names.add(name);
        const size = entry.uncompressedSize;
        if (size >= ZIP_LIMITS.ratioFloorBytes && size / Math.max(1, entry.compressedSize) > ZIP_LIMITS.ratio) {
          push(`The entry "${name}" expands more than ${ZIP_LIMITS.ratio} times (a zip bomb?).`);
          continue;
        }
        totalBytes += size;
        entries.push({ name, size });
        if (name === kind.manifest) {
          if (size > ZIP_LIMITS.manifestBytes) push(tooBig);
          else {
            const buf = await readAll(await zip.openReadStreamPromise(entry), ZIP_LIMITS.manifestBytes);
            if (!buf) push(tooBig);
            else manifestText = buf.toString('utf8').replace(/^\uFEFF/, '');
          }
        }
      }
    }
    if (totalBytes >= 16 * ZIP_LIMITS.ratioFloorBytes && totalBytes / Math.max(1, zip.fileSize) > ZIP_LIMITS.ratio)
      push(`The ${kind.noun} expands more than ${ZIP_LIMITS.ratio} times its zip size (a zip bomb?).`);
  } catch (e) {
    push(`The zip archive is damaged (${(e as Error).message}).`);
  } finally {
    zip.close();
  }
  if (totalBytes > ZIP_LIMITS.totalBytes) push(`The ${kind.noun} expands to ${Math.round(totalBytes / 1024 / 1024)} MB; at most ${ZIP_LIMITS.totalBytes / 1024 / 1024} MB are allowed.`);
  if (errors.length === 0 && manifestText === null) {
    const nested = entries.find((e) => e.name.endsWith(`/${kind.manifest}`));
    push(kind.missingManifest(nested ? nested.name.slice(0, -kind.manifest.length) : null));
  }
  return { entries, totalBytes, manifestText, errors };
}

/**
 * Extracts every file of an inspected zip under `target` (which must not exist yet), one stream
 * at a time. On any failure the folder is removed and the error rethrown.
 */
export async function extractZip(zipPath: string, target: string): Promise<void> {
  const root = path.resolve(target);
  await fs.promises.mkdir(root, { recursive: false });
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  try {
    const made = new Set<string>([root]);
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      if (unsafeName(name)) throw new Error(`unsafe entry name ${name}`);
      if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) throw new Error(`symlink entry ${name}`);
      const full = path.resolve(root, name);
      if (!full.startsWith(root + path.sep)) throw new Error(`entry escapes the target folder: ${name}`);
      if (name.endsWith('/')) continue;
      const dir = path.dirname(full);
      if (!made.has(dir)) {
        await fs.promises.mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await pipeline(await zip.openReadStreamPromise(entry), fs.createWriteStream(full, { flags: 'wx' }));
    }
  } catch (e) {
    await fs.promises.rm(root, { recursive: true, force: true });
    throw e;
  } finally {
    zip.close();
  }
}
