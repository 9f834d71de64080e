import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { expect } from 'vitest';
import { fileUpload } from './multipart.ts';
import { makeCourse } from './fixtures.ts';
import { json, type TestEnv, type TestUser } from './harness.ts';

/** The public sample packages (Rustici "Golf Explained", CC BY 3.0), used as they are. */
/** Rustici's public sample packages, byte-identical copies (licence and attribution in the folder's README). */
export const SAMPLES_DIR = path.resolve(import.meta.dirname, '../fixtures/scorm-samples');
export const SAMPLES = {
  basic12: 'RuntimeBasicCalls_SCORM12.zip',
  minimum12: 'RuntimeMinimumCalls_SCORM12.zip',
  basic2004: 'RuntimeBasicCalls_SCORM20043rdEdition.zip',
  remediation2004: 'SequencingSimpleRemediation_SCORM20043rdEdition.zip',
} as const;

export function sample(name: keyof typeof SAMPLES): Buffer {
  return fs.readFileSync(path.join(process.env.SCORM_SAMPLES_DIR ?? SAMPLES_DIR, SAMPLES[name]));
}

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** Unix mode (e.g. 0o120777 for a symbolic link). */
  mode?: number;
  compress?: boolean;
}

/** A zip built in memory with yazl. */
export async function makeZip(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data), e.name, {
      mtime: new Date('2026-01-01T00:00:00Z'),
      ...(e.mode !== undefined ? { mode: e.mode } : {}),
      compress: e.compress ?? true,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of a name's bytes (local header and central directory) with another of the same length. */
export function renameInZip(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  const a = Buffer.from(from);
  let at = out.indexOf(a);
  while (at !== -1) {
    Buffer.from(to).copy(out, at);
    at = out.indexOf(a, at + a.length);
  }
  return out;
}

export const MANIFEST_12 = (launch = 'index.html', extra = '') => `<?xml version="1.0"?>
<manifest identifier="test.pkg" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Test package</title>
    <item identifier="item_1" identifierref="res_1"><title>Only SCO</title>${extra}</item>
  </organization></organizations>
  <resources><resource identifier="res_1" type="webcontent" adlcp:scormtype="sco" href="${launch}"><file href="${launch}"/></resource></resources>
</manifest>`;

export function uploadZip(env: TestEnv, as: TestUser, zip: Buffer, filename = 'package.zip') {
  const form = fileUpload(zip, filename, 'application/zip');
  return env.req('POST', '/api/scorm-packages', { as, body: form.body, headers: form.headers });
}

export type PackageView = {
  id: string;
  version: '1.2' | '2004';
  title: string;
  scos: {
    id: string;
    title: string;
    launch: string;
    kind: string;
    depth: number;
    masteryScore: number | null;
    scaledPassingScore: number | null;
  }[];
  revision: number;
};

export async function uploadSample(env: TestEnv, as: TestUser, name: keyof typeof SAMPLES): Promise<PackageView> {
  const res = await uploadZip(env, as, sample(name), SAMPLES[name]);
  expect(res.statusCode, res.body).toBe(201);
  return json<PackageView>(res);
}

/** A published course whose first lesson plays the package (linked through the lesson API) and a text lesson after it. */
export async function scormCourse(env: TestEnv, staff: TestUser, packageId: string, opts: { lessons?: number } = {}) {
  const course = await makeCourse(env, {
    lessons: opts.lessons ?? 2,
    kinds: ['scorm', 'text', 'text', 'text'].slice(0, opts.lessons ?? 2),
  });
  const res = await env.req('PATCH', `/api/lessons/${course.lessonIds[0]}`, { as: staff, body: { scormPackageId: packageId } });
  expect(res.statusCode, res.body).toBe(200);
  return { ...course, lessonId: course.lessonIds[0]! };
}

/** Files under the data directory (the file store and extracted packages). */
export function storedFiles(env: TestEnv): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(env.dataDir, p));
    }
  };
  walk(path.join(env.dataDir, 'files'));
  walk(path.join(env.dataDir, 'scorm'));
  return out.sort();
}
