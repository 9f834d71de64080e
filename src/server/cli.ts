import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { openAndMigrate, startServer } from './main.ts';
import { buildApp } from './app.ts';
import { SYSTEM_ACTOR } from './context.ts';
import { countUsers, createUser } from './platform/users.service.ts';
import { ROLES, RoleSchema } from '../contract/roles.ts';
import { CreateUserBody } from '../contract/users.ts';
import { AppError } from './http/errors.ts';
import { VERSION } from './version.ts';
import { runImport } from './platform/imports.service.ts';
import { createImport } from './platform/imports-records.ts';
import type { ImportKind } from './platform/imports-kind.ts';
import { userImportKind } from './integration/index.ts';
import { enrollmentImportKind } from './lms/enrollments/index.ts';
import { trainingAssignmentImportKind } from './lms/training/index.ts';
import { employeeImportKind } from './hr/employees/index.ts';
import { IMPORT_KINDS, IMPORT_MODES, type ImportKindName, type ImportMode } from '../contract/imports.ts';
import { DEMO_STEPS, formatDemoSeed, seedDemo } from './demo-seed.ts';
import { backup, BackupError, restore } from './platform/backup.ts';
import { recordChainHead, verifyChain } from './platform/audit-chain.ts';
import { courseCommand } from './cli-course.ts';
import { fail, sizeInWords } from './cli-common.ts';
import { jobLabel, outcomeInWords, scheduleInWords } from '../contract/job-words.ts';
import { readableInstant } from './platform/readable-instant.ts';

const HELP = `smooth ${VERSION} — Smooth LMS

Usage:
  smooth serve [--port 8000] [--host 127.0.0.1]   run the server (migrations run on start)
  smooth migrate                                   apply migrations and exit
  smooth users create --email E --name N [--password P] [--roles "System Manager,Moderator"]
                                                   without --password the person is mailed an invitation to choose one
  smooth import enrollments|employees|training-assignments|users FILE.csv [--dry-run] [--mode all-or-nothing|valid-rows]
                                                   import a CSV (the template: GET /api/<kind>/import-template)
  smooth seed --demo                               fill an empty database with a demo organisation; prints the logins
  smooth backup FILE                               the database (online, consistent) and the file store in one zip
  smooth restore FILE [--force]                    restore a backup into an empty database (--force replaces one)
  smooth course list [--search TEXT]               the courses: title, status, lessons and id
  smooth course export COURSE FILE.zip             a course (its title or id) with its settings, chapters, lessons, quizzes, files as a zip
  smooth course import FILE.zip                    a new unpublished course from such a zip; says what it created
  smooth audit verify                              walk the audit log hash chain (exit 1 names the first break)
  smooth audit head                                record and print the chain head (as the daily audit.head job)
  smooth jobs list                                 the scheduled jobs with their last run
  smooth jobs run NAME                             run a job now (e.g. notifications.reminders, mail.outbox)
  smooth help                                      this text (smooth COMMAND --help: that command's lines)

Environment:
  DATABASE_URL      unset: ./data/smooth.db (SQLite); sqlite:PATH; postgres://user@host:5432/db
  SMOOTH_DATA_DIR   uploaded files and the default database (default ./data)
  PORT, HOST        where to listen (default 8000, 127.0.0.1)
  SMOOTH_ADMIN_EMAIL, SMOOTH_ADMIN_PASSWORD   create the first System Manager headlessly
  SMOOTH_PUBLIC_URL base URL used in links (e.g. https://lms.example.com)
  SMOOTH_SMTP_URL   the mail server: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465

Roles: ${ROLES.join(', ')}
`;


async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' } } });
  const port = values.port !== undefined ? Number(values.port) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) fail(`--port must be a port number (got "${values.port}")`);
  const config = loadConfig(process.env, { port, host: values.host });
  const running = await startServer(config);
  const needsSetup = (await countUsers(running.built.ctx.db)) === 0;
  process.stdout.write(`Smooth LMS ${VERSION} is running at ${running.url} (${config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL'})\n`);
  if (needsSetup) process.stdout.write(`First run: open ${running.url}/setup to create the first System Manager.\n`);
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const db = await openAndMigrate(config);
  await db.close();
  process.stdout.write('Migrations applied.\n');
}

async function usersCreate(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, roles: { type: 'string' } },
  });
  const roles = (values.roles ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) {
    if (!RoleSchema.safeParse(r).success) fail(`unknown role "${r}". Roles are: ${ROLES.join(', ')}`, 2);
  }
  const parsed = CreateUserBody.safeParse({ email: values.email, password: values.password, fullName: values.name, roles });
  if (!parsed.success) {
    fail(parsed.error.issues.map((i) => `--${i.path[0] === 'fullName' ? 'name' : String(i.path[0])}: ${i.message}`).join('; '), 2);
  }
  const config = loadConfig();
  const database = await openAndMigrate(config);
  const { app, ctx } = await buildApp({ config, database, logger: false });
  try {
    const user = await createUser(ctx, SYSTEM_ACTOR, parsed.data);
    process.stdout.write(`Created ${user.fullName} <${user.email}> (${user.roles.join(', ') || 'no roles'}).\n`);
    if (!parsed.data.password) process.stdout.write(`An invitation to choose a password is queued for ${user.email}.\n`);
  } finally {
    await app.close();
    await database.close();
  }
}

function progressBar(phase: string, done: number, total: number): string {
  const width = 30;
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${phase} ${done}/${total}`;
}

/** What each kind's skipped rows are (the summary line). */
const IMPORTS: Record<ImportKindName, { kind: ImportKind<unknown>; skipped: string }> = {
  enrollments: { kind: enrollmentImportKind, skipped: 'already enrolled' },
  employees: { kind: employeeImportKind, skipped: 'employee code already there' },
  'training-assignments': { kind: trainingAssignmentImportKind, skipped: 'already assigned or completed' },
  users: { kind: userImportKind, skipped: 'email already has an account' },
};

/** `smooth import <kind> FILE.csv [--dry-run] [--mode all-or-nothing|valid-rows]`: the API's import engine. */
async function importCommand(argv: string[]): Promise<void> {
  const usage = `usage: smooth import ${IMPORT_KINDS.join('|')} FILE.csv [--dry-run] [--mode all-or-nothing|valid-rows]`;
  let values: { 'dry-run'?: boolean; mode?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean' }, mode: { type: 'string' } },
    }));
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)}\n${usage}`, 2);
  }
  const [what, file, ...extra] = positionals;
  if (!(IMPORT_KINDS as readonly string[]).includes(what ?? '') || !file || extra.length > 0) fail(usage, 2);
  const chosen = IMPORTS[what as ImportKindName];
  const mode = (values.mode ?? 'all-or-nothing') as ImportMode;
  if (!IMPORT_MODES.includes(mode)) fail(`--mode must be one of ${IMPORT_MODES.join(', ')} (got "${values.mode}")`, 2);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return fail(`cannot read ${file}`, 66);
  }
  if (!stat.isFile()) fail(`${file} is not a file`, 66);
  const head = Buffer.alloc(8192);
  const fd = fs.openSync(file, 'r');
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  if (head.subarray(0, n).includes(0)) fail(`${file} is not a CSV file (it contains binary data)`, 65);

  const dryRun = values['dry-run'] === true;
  const config = loadConfig();
  const database = await openAndMigrate(config);
  const { app, ctx } = await buildApp({ config, database, logger: false });
  const tty = process.stderr.isTTY;
  let lastLine = '';
  try {
    const id = await createImport(ctx, SYSTEM_ACTOR, { kind: chosen.kind.name, fileName: path.basename(file), mode, dryRun });
    const state = await runImport(ctx, SYSTEM_ACTOR, chosen.kind, {
      id,
      file,
      mode,
      dryRun,
      deleteFile: false,
      onProgress: (p) => {
        const line = p.phase === 'validating' ? progressBar('checked', p.processed, p.total) : progressBar('written', p.created, p.total);
        if (line === lastLine) return;
        lastLine = line;
        process.stderr.write(tty ? `\r${line}` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    for (const e of state.errors.slice(0, 50)) {
      process.stderr.write(`  line ${e.row}${e.column ? ` (${e.column})` : ''}: ${e.message}\n`);
    }
    if (state.errorCount > 50) process.stderr.write(`  ... and ${state.errorCount - 50} more errors\n`);
    const verb = dryRun ? 'would create' : 'created';
    process.stdout.write(
      `Import ${state.id} ${state.status}${dryRun ? ' (dry run)' : ''}: ${state.total} rows, ${verb} ${state.created}, ` +
        `skipped ${state.skipped} (${chosen.skipped}), ${state.errorCount} errors (mode ${mode}).\n`,
    );
    if (chosen.kind.name === 'users' && !dryRun && state.created > 0) {
      process.stdout.write(`Each new account was mailed an invitation to choose its password (the link works for 7 days).\n`);
    }
    if (state.status === 'failed') process.exitCode = 1;
  } finally {
    await app.close();
    await database.close();
  }
}

/** `smooth seed --demo`: the demo organisation, into an empty database only. */
async function seedCommand(argv: string[]): Promise<void> {
  const usage = 'usage: smooth seed --demo';
  let demo = false;
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { demo: { type: 'boolean' } } });
    if (positionals.length > 0) fail(usage, 2);
    demo = values.demo === true;
  } catch {
    fail(usage, 2);
  }
  if (!demo) fail(usage, 2);
  const config = loadConfig();
  const database = await openAndMigrate(config);
  const { app, ctx } = await buildApp({ config, database, logger: false });
  try {
    // Each step as it starts (on stderr, so the logins printed at the end stand alone on stdout).
    const result = await seedDemo(ctx, (n, step) => process.stderr.write(`[${n}/${DEMO_STEPS.length}] ${step}…\n`));
    process.stdout.write(formatDemoSeed(result));
  } finally {
    await app.close();
    await database.close();
  }
}


/** `smooth backup FILE`: safe while the server runs. */
async function backupCommand(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) fail('usage: smooth backup FILE', 2);
  const file = positionals[0]!;
  const m = await backup(loadConfig(), file);
  const size = fs.statSync(file).size;
  process.stdout.write(
    `Backed up ${m.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (${m.tables} tables, ${m.rows} rows) and ${m.files} files ` +
      `(${sizeInWords(m.fileBytes)}) to ${file} (${sizeInWords(size)}).\n`,
  );
}

/** `smooth restore FILE [--force]`: stop the servers on this database first. */
async function restoreCommand(argv: string[]): Promise<void> {
  const usage = 'usage: smooth restore FILE [--force]';
  let values: { force?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean' } } }));
  } catch {
    return fail(usage, 2);
  }
  if (positionals.length !== 1) fail(usage, 2);
  const r = await restore(loadConfig(), positionals[0]!, { force: values.force === true });
  process.stdout.write(
    `Restored the backup of ${r.manifest.createdAt} (Smooth LMS ${r.manifest.appVersion}, ` +
      `${r.manifest.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}): ${r.tables} tables, ${r.rows} rows, ${r.files} files` +
      `${r.replaced ? ', replacing what was there' : ''}. Migrations newer than the backup run when the server starts.\n`,
  );
}

/** `smooth jobs list` and `smooth jobs run NAME` (as GET /api/jobs and POST /api/jobs/:name/run). */
async function jobsCommand(argv: string[]): Promise<void> {
  const usage = 'usage: smooth jobs list | smooth jobs run NAME';
  const [sub, name, ...more] = argv;
  if (more.length > 0 || (sub === 'list' && name !== undefined) || (sub === 'run' && !name) || (sub !== 'list' && sub !== 'run')) fail(usage, 2);
  const config = loadConfig();
  const database = await openAndMigrate(config);
  const { app, jobs } = await buildApp({ config, database, logger: false });
  try {
    if (sub === 'list') {
      for (const j of await jobs.list()) {
        const outcome = j.lastRun ? outcomeInWords(j.lastRun.outcome) : '';
        const last = j.lastRun
          ? `last run ${readableInstant(j.lastRun.startedAt)}: ${j.lastRun.status}${j.lastRun.durationMs !== null ? ` in ${j.lastRun.durationMs.toLocaleString('en')} ms` : ''}${outcome ? ` (${outcome})` : ''}`
          : 'never run yet';
        process.stdout.write(`${jobLabel(j.name)} [${j.name}]\n  ${scheduleInWords(j.schedule)} (UTC); ${last}\n`);
      }
      return;
    }
    if (!jobs.has(name!)) fail(`no job is called "${name}" (smooth jobs list shows them)`, 2);
    const r = await jobs.runNow(name!);
    const outcome = outcomeInWords(r.outcome);
    process.stdout.write(`${jobLabel(r.name)}: ${r.status} in ${r.durationMs.toLocaleString('en')} ms${outcome ? `. ${outcome}` : ''}\n`);
    if (r.status !== 'done') process.exitCode = 1;
  } finally {
    await app.close();
    await database.close();
  }
}

/** `smooth COMMAND --help`: the lines of the help that start with that command. */
function commandHelp(cmd: string): string | null {
  const lines = HELP.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith(`  smooth ${cmd} `) && lines[i] !== `  smooth ${cmd}`) continue;
    out.push(lines[i]!);
    // A line that goes on below (only spaces before its text) belongs to it.
    while (lines[i + 1] !== undefined && /^ {40,}\S/.test(lines[i + 1]!)) out.push(lines[++i]!);
  }
  return out.length ? `Usage:\n${out.join('\n')}\n` : null;
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd && (rest.includes('--help') || rest.includes('-h'))) {
    const help = commandHelp(cmd);
    if (!help) return fail(`unknown command "${cmd}". Run "smooth help".`, 2);
    process.stdout.write(help);
    return;
  }
  switch (cmd) {
    case 'serve':
      return serve(rest);
    case 'migrate':
      return migrate();
    case 'import':
      return importCommand(rest);
    case 'seed':
      return seedCommand(rest);
    case 'backup':
      return backupCommand(rest);
    case 'restore':
      return restoreCommand(rest);
    case 'audit': {
      const usage = 'usage: smooth audit verify | smooth audit head';
      if ((rest[0] !== 'verify' && rest[0] !== 'head') || rest.length > 1) return fail(usage, 2);
      const database = await openAndMigrate(loadConfig());
      try {
        if (rest[0] === 'head') {
          const head = await recordChainHead(database.db);
          process.stdout.write(`${head.seq} entries, head ${head.hash} (recorded ${head.at})\n`);
          return;
        }
        const result = await verifyChain(database.db);
        process.stdout.write(`${result.summary}\n`);
        if (!result.intact) process.exitCode = 1;
      } finally {
        await database.close();
      }
      return;
    }
    case 'jobs':
      return jobsCommand(rest);
    case 'course':
      return courseCommand(rest);
    case 'users':
      if (rest[0] === 'create') return usersCreate(rest.slice(1));
      return fail('usage: smooth users create --email E --name N [--password P] [--roles "LMS Student"]', 2);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return;
    default:
      return fail(`unknown command "${cmd}". Run "smooth help".`, 2);
  }
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) fail(e.message, 78);
  // node:util parseArgs: an option the command does not take, or one without its value.
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
    fail(`${(e as Error).message.split('. ')[0]!.replace(/\.$/, '')}. Run "smooth ${process.argv[2] ?? ''} --help".`, 2);
  }
  if (e instanceof AppError || e instanceof BackupError) fail(e.message, 1);
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|ENOTFOUND|password authentication|does not exist/.test(msg)) fail(`cannot reach the database: ${msg}`, 69);
  fail(e instanceof Error ? (e.stack ?? e.message) : String(e));
});
