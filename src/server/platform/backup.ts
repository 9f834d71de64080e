/**
 * `smooth backup FILE` / `smooth restore FILE`: the database and the file store in one zip.
 *
 *   manifest.json        what the archive holds (format, when, which database, counts)
 *   database/smooth.db   SQLite: a copy made with SQLite's online backup API in one step, so one
 *                        read transaction sees one point in time while the server keeps writing
 *   database/postgres.dump  PostgreSQL: pg_dump's custom format (one snapshot), for pg_restore
 *   files/...            SMOOTH_DATA_DIR/files, copied after the database (files are written before
 *                        the rows that name them, so every file the copy names is there)
 *
 * Restore refuses a database that already has tables, or a file store with files, unless forced.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import yauzl from 'yauzl';
import yazl from 'yazl';
import type { Config, DatabaseTarget } from '../config.ts';
import { VERSION } from '../version.ts';

const FORMAT = 'smooth-backup';
const FORMAT_VERSION = 1;
const SQLITE_ENTRY = 'database/smooth.db';
const PG_ENTRY = 'database/postgres.dump';

export interface BackupManifest {
  format: typeof FORMAT;
  formatVersion: number;
  appVersion: string;
  createdAt: string;
  dialect: DatabaseTarget['kind'];
  tables: number;
  rows: number;
  files: number;
  fileBytes: number;
}

/** A backup or restore that cannot go ahead; the message says why (the CLI prints it). */
export class BackupError extends Error {
  override name = 'BackupError';
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BackupError(e.code === 'ENOENT' ? `${cmd} is not installed (it comes with the PostgreSQL client tools)` : e.message)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${cmd} failed (exit ${code}): ${err.trim()}`))));
  });
}

/** Tables and rows of a database (for the manifest and the restore summary). */
async function tableCounts(target: DatabaseTarget): Promise<{ tables: number; rows: number }> {
  if (target.kind === 'sqlite') {
    if (!fs.existsSync(target.file)) return { tables: 0, rows: 0 };
    const db = new SQLite(target.file, { readonly: true, fileMustExist: true });
    try {
      const names = db
        .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)
        .pluck()
        .all() as string[];
      let rows = 0;
      for (const n of names) rows += db.prepare(`select count(*) from "${n.replace(/"/g, '""')}"`).pluck().get() as number;
      return { tables: names.length, rows };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const names = await client.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    let rows = 0;
    for (const t of names.rows) {
      const r = await client.query<{ n: string }>(`select count(*) as n from ${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`);
      rows += Number(r.rows[0]!.n);
    }
    return { tables: names.rows.length, rows };
  } finally {
    await client.end();
  }
}

/** Every file under `dir`, as paths relative to it (with /). */
async function listFiles(dir: string): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  const walk = async (sub: string) => {
    const entries = await fs.promises.readdir(path.join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(rel);
      else if (e.isFile()) out.push({ rel, size: (await fs.promises.stat(path.join(dir, rel))).size });
    }
  };
  await walk('');
  return out;
}

function filesDir(config: Config): string {
  return path.join(config.dataDir, 'files');
}

/** Writes the backup archive to `file` (through a temporary file next to it, renamed at the end). */
export async function backup(config: Config, file: string): Promise<BackupManifest> {
  const target = path.resolve(file);
  if (!fs.existsSync(path.dirname(target))) throw new BackupError(`the folder ${path.dirname(target)} does not exist`);
  const scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'smooth-backup-'));
  const partial = `${target}.partial`;
  try {
    const createdAt = new Date().toISOString();
    let dbCopy: string;
    let counts: { tables: number; rows: number };
    if (config.database.kind === 'sqlite') {
      if (!fs.existsSync(config.database.file)) throw new BackupError(`there is no database at ${config.database.file}`);
      dbCopy = path.join(scratch, 'smooth.db');
      const source = new SQLite(config.database.file, { fileMustExist: true });
      try {
        source.pragma('busy_timeout = 5000');
        // The first step sizes the copy; the second copies every page in one step (one read
        // transaction: one point in time, whatever other connections write meanwhile).
        await source.backup(dbCopy, { progress: () => 0x7fffffff });
      } finally {
        source.close();
      }
      counts = await tableCounts({ kind: 'sqlite', file: dbCopy });
    } else {
      dbCopy = path.join(scratch, 'postgres.dump');
      await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${dbCopy}`, `--dbname=${config.database.url}`]);
      counts = await tableCounts(config.database);
    }
    const files = await listFiles(filesDir(config));
    const manifest: BackupManifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      appVersion: VERSION,
      createdAt,
      dialect: config.database.kind,
      tables: counts.tables,
      rows: counts.rows,
      files: files.length,
      fileBytes: files.reduce((s, f) => s + f.size, 0),
    };
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), 'manifest.json');
    zip.addFile(dbCopy, config.database.kind === 'sqlite' ? SQLITE_ENTRY : PG_ENTRY);
    // Stored files are mostly compressed already (PDF, images, zips): stored as they are.
    for (const f of files) zip.addFile(path.join(filesDir(config), f.rel), `files/${f.rel}`, { compress: false });
    zip.end();
    await pipeline(zip.outputStream, fs.createWriteStream(partial));
    await fs.promises.rename(partial, target);
    return manifest;
  } finally {
    await fs.promises.rm(partial, { force: true });
    await fs.promises.rm(scratch, { recursive: true, force: true });
  }
}

type Zip = yauzl.ZipFile;

function openZip(file: string): Promise<Zip> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(new BackupError(`${file} is not a backup archive: ${err.message}`)) : resolve(zip))),
  );
}

/** Calls `each` for every entry of the zip, in order (it may read the entry). */
function forEachEntry(zip: Zip, each: (entry: yauzl.Entry) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      each(entry).then(() => zip.readEntry(), reject);
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
}

function extract(zip: Zip, entry: yauzl.Entry, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      fs.promises
        .mkdir(path.dirname(to), { recursive: true })
        .then(() => pipeline(stream, fs.createWriteStream(to, { flags: 'wx' })))
        .then(resolve, reject);
    });
  });
}

export interface RestoreResult {
  manifest: BackupManifest;
  tables: number;
  rows: number;
  files: number;
  replaced: boolean;
}

/**
 * Restores the archive into the configured database and file store. Refuses (BackupError) when
 * the database has tables or the file store has files, unless `force`: then both are replaced.
 * Stop the servers on this database first.
 */
export async function restore(config: Config, file: string, opts: { force: boolean }): Promise<RestoreResult> {
  if (!fs.existsSync(file)) throw new BackupError(`cannot read ${file}`);
  const zip = await openZip(file);
  const scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'smooth-restore-'));
  const stagedFiles = path.join(config.dataDir, `files.restoring-${process.pid}`);
  try {
    let manifest: BackupManifest | null = null;
    let dbCopy: string | null = null;
    let fileCount = 0;
    await fs.promises.rm(stagedFiles, { recursive: true, force: true });
    await forEachEntry(zip, async (entry) => {
      const name = entry.fileName;
      if (name.endsWith('/')) return;
      if (name === 'manifest.json') {
        const text = path.join(scratch, 'manifest.json');
        await extract(zip, entry, text);
        manifest = JSON.parse(await fs.promises.readFile(text, 'utf8')) as BackupManifest;
      } else if (name === SQLITE_ENTRY || name === PG_ENTRY) {
        dbCopy = path.join(scratch, path.basename(name));
        await extract(zip, entry, dbCopy);
      } else if (name.startsWith('files/')) {
        const to = path.resolve(stagedFiles, name.slice('files/'.length));
        if (!to.startsWith(stagedFiles + path.sep)) throw new BackupError(`the archive names a file outside the file store: ${name}`);
        await extract(zip, entry, to);
        fileCount++;
      } else {
        throw new BackupError(`${file} is not a Smooth LMS backup (unexpected entry ${name})`);
      }
    });
    const m = manifest as BackupManifest | null;
    if (!m || m.format !== FORMAT || dbCopy === null) throw new BackupError(`${file} is not a Smooth LMS backup (no manifest or no database)`);
    if (m.formatVersion > FORMAT_VERSION) throw new BackupError(`${file} was made by a newer version (${m.appVersion}); update first`);
    if (m.dialect !== config.database.kind) {
      throw new BackupError(`${file} holds a ${m.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database; DATABASE_URL names a ${config.database.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} one`);
    }

    const before = await tableCounts(config.database);
    const existingFiles = (await listFiles(filesDir(config))).length;
    const replaced = before.tables > 0 || existingFiles > 0;
    if (replaced && !opts.force) {
      throw new BackupError(
        `the database has ${before.tables} tables (${before.rows} rows) and the file store ${existingFiles} files; ` +
          'restore replaces them only with --force',
      );
    }

    if (config.database.kind === 'sqlite') {
      const target = config.database.file;
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const staged = `${target}.restoring`;
      await fs.promises.copyFile(dbCopy, staged);
      for (const suffix of ['', '-wal', '-shm', '-journal']) await fs.promises.rm(`${target}${suffix}`, { force: true });
      await fs.promises.rename(staged, target);
    } else {
      if (replaced) await emptyPostgres(config.database.url);
      await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${config.database.url}`, dbCopy]);
    }
    await fs.promises.rm(filesDir(config), { recursive: true, force: true });
    if (fs.existsSync(stagedFiles)) await fs.promises.rename(stagedFiles, filesDir(config));
    const after = await tableCounts(config.database);
    return { manifest: m, tables: after.tables, rows: after.rows, files: fileCount, replaced };
  } finally {
    zip.close();
    await fs.promises.rm(stagedFiles, { recursive: true, force: true });
    await fs.promises.rm(scratch, { recursive: true, force: true });
  }
}

/** Drops every schema of the database but the system ones, and makes an empty `public`. */
async function emptyPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const schemas = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'`,
    );
    await client.query('begin');
    for (const s of schemas.rows) await client.query(`drop schema ${client.escapeIdentifier(s.name)} cascade`);
    await client.query('create schema public');
    await client.query('commit');
  } finally {
    await client.end();
  }
}
