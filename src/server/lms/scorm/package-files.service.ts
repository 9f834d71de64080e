/**
 * A file inside a package's folder, for serving: the path is resolved inside the folder (no way
 * out: `..`, absolute paths, NUL and links are refused), its content type comes from the extension,
 * and the caller must be allowed to open the package (404 otherwise).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Actor, AppContext } from '../../context.ts';
import { errors } from '../../http/errors.ts';
import { contentRoot, openablePackage } from './package.service.ts';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  xhtml: 'application/xhtml+xml; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  xsd: 'application/xml; charset=utf-8',
  dtd: 'application/xml-dtd; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  bmp: 'image/bmp',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  ogv: 'video/ogg',
  pdf: 'application/pdf',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  eot: 'application/vnd.ms-fontobject',
  swf: 'application/x-shockwave-flash',
  wasm: 'application/wasm',
};

export function contentTypeOf(file: string): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}

export interface PackageFile {
  full: string;
  size: number;
  mtimeMs: number;
  contentType: string;
  etag: string;
}

/** Resolves `relative` (already URL-decoded) inside the package's folder. */
export async function packageFile(ctx: AppContext, actor: Actor, packageId: string, relative: string): Promise<PackageFile> {
  const pkg = await openablePackage(ctx, actor, packageId);
  const root = contentRoot(ctx, pkg);
  if (relative === '' || relative.includes('\0') || relative.includes('\\') || path.isAbsolute(relative) || relative.split('/').includes('..'))
    throw errors.notFound('The file');
  const full = path.resolve(root, relative);
  if (!full.startsWith(root + path.sep)) throw errors.notFound('The file');
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(full);
  } catch {
    throw errors.notFound('The file');
  }
  if (!st.isFile()) throw errors.notFound('The file');
  return {
    full,
    size: st.size,
    mtimeMs: st.mtimeMs,
    contentType: contentTypeOf(full),
    etag: `"${pkg.revision}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
  };
}

/**
 * The Content-Security-Policy of package content: the package's own scripts and styles run (SCORM
 * content is written with inline scripts and handlers), every resource comes from the package's
 * own folder, and only pages of this site may frame it.
 */
export function packageCsp(origin: string, packageId: string): string {
  const own = `${origin}/scorm/${packageId}/`;
  return [
    `default-src ${own}`,
    `script-src ${own} 'unsafe-inline' 'unsafe-eval'`,
    `style-src ${own} 'unsafe-inline'`,
    `img-src ${own} data: blob:`,
    `media-src ${own} blob:`,
    `font-src ${own} data:`,
    `connect-src ${own}`,
    `frame-src ${own}`,
    `form-action ${own}`,
    `base-uri ${own}`,
    "object-src 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}
