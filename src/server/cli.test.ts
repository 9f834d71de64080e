import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl } from './config.ts';
import { makeZip } from '../../test/helpers/scorm.ts';

function smooth(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('configuration and the smooth command', () => {
  it('parses DATABASE_URL: unset, sqlite:PATH, postgres://', () => {
    expect(parseDatabaseUrl(undefined, '/data')).toEqual({ kind: 'sqlite', file: '/data/smooth.db' });
    expect(parseDatabaseUrl('sqlite:/tmp/x.db', '/data')).toEqual({ kind: 'sqlite', file: '/tmp/x.db' });
    expect(parseDatabaseUrl('postgres://u@h:5432/db', '/data')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(() => parseDatabaseUrl('mysql://u@h/db', '/data')).toThrow(ConfigError);
    expect(() => parseDatabaseUrl('postgres://u@h:5432', '/data')).toThrow(/names no database/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => loadConfig({ SMOOTH_ADMIN_EMAIL: 'a@b.c' })).toThrow(/go together/);
  });

  it('a bad DATABASE_URL stops the command with a clear message and a non-zero exit', () => {
    const r = smooth(['migrate'], { DATABASE_URL: 'mysql://root@localhost/smooth' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('DATABASE_URL must start with "sqlite:" or "postgres://"');
  });

  it('users create refuses a short or common password before touching the database', () => {
    const r = smooth(['users', 'create', '--email', 'weak@example.com', '--password', '12345678', '--name', 'Weak'], { DATABASE_URL: 'sqlite:/nonexistent/dir/x.db' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--password: Use at least 12 characters');
  });

  it('migrate and users create work against a SQLite file; bad roles and duplicates are refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-cli-'));
    const env = { SMOOTH_DATA_DIR: dir, DATABASE_URL: '', SMOOTH_SCRYPT_COST: '10' };
    try {
      expect(smooth(['migrate'], env).status).toBe(0);
      const ok = smooth(['users', 'create', '--email', 'Ops@Example.com', '--password', 'ops-passphrase-2026', '--name', 'Ops', '--roles', 'System Manager,Moderator'], env);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toBe('Created Ops <ops@example.com> (System Manager, Moderator).\n');
      // Without a password: an invitation, said so.
      const invited = smooth(['users', 'create', '--email', 'new@example.com', '--name', 'New Person'], env);
      expect([invited.status, invited.stdout]).toEqual([0, 'Created New Person <new@example.com> (no roles).\nAn invitation to choose a password is queued for new@example.com.\n']);
      const badRole = smooth(['users', 'create', '--email', 'x@example.com', '--password', 'ops-passphrase-2026', '--name', 'X', '--roles', 'Wizard'], env);
      expect(badRole.status).toBe(2);
      expect(badRole.stderr).toContain('unknown role "Wizard"');
      const dup = smooth(['users', 'create', '--email', 'ops@example.com', '--password', 'ops-passphrase-2026', '--name', 'Again'], env);
      expect(dup.status).not.toBe(0);
      expect(dup.stderr).toContain('already exists');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('jobs list shows every job; jobs run NAME runs one and prints its outcome; an unknown name is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-cli-'));
    const env = { SMOOTH_DATA_DIR: dir, DATABASE_URL: '', SMOOTH_SCRYPT_COST: '10', SMOOTH_SMTP_URL: '' };
    try {
      const run = smooth(['jobs', 'run', 'notifications.reminders'], env);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Training reminders and escalations: done in \d+ ms\. Due soon: 0 · Overdue: 0 · Escalated to manager: 0 · Escalated to HR: 0\n$/);
      const list = smooth(['jobs', 'list'], env);
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(
        /Training reminders and escalations \[notifications\.reminders\]\n {2}Daily at 06:00 \(UTC\); last run \d{1,2} \w+ \d{4} at \d\d:\d\d UTC: done in \d+ ms \(Due soon: 0 · Overdue: 0 · Escalated to manager: 0 · Escalated to HR: 0\)\n/,
      );
      expect(list.stdout).toMatch(/Mail: send the outbox \[mail\.outbox\]\n {2}Every minute \(UTC\); never run yet\n/);
      const unknown = smooth(['jobs', 'run', 'no.such'], env);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('no job is called "no.such"');
      expect(smooth(['jobs'], env).status).toBe(2);
      // Help per command, never running it; a wrong option is named in one line.
      const help = smooth(['migrate', '--help'], env);
      expect([help.status, help.stdout]).toEqual([0, 'Usage:\n  smooth migrate                                   apply migrations and exit\n']);
      const wrong = smooth(['serve', '--prot', '9'], env);
      expect([wrong.status, wrong.stderr]).toEqual([2, 'smooth: Unknown option \'--prot\'. Run "smooth serve --help".\n']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('import users FILE.csv creates the accounts, says each was mailed an invitation (no password printed), and creates nothing the second time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-cli-'));
    const env = { SMOOTH_DATA_DIR: dir, DATABASE_URL: '', SMOOTH_SCRYPT_COST: '10' };
    const file = path.join(dir, 'users.csv');
    fs.writeFileSync(file, 'email,fullName,roles,employeeCode\nann@example.com,Ann,Moderator;LMS Student,\nbo@example.com,Bo,,\nBO@Example.com,Bo Twice,,\nzed@example.com,Zed,Wizard,\n');
    try {
      const first = smooth(['import', 'users', file, '--mode', 'valid-rows'], env);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain('created 2, skipped 0 (email already has an account), 2 errors');
      expect(first.stdout).toContain('Each new account was mailed an invitation to choose its password');
      expect(first.stdout).not.toMatch(/password\W*\n {2}ann@example\.com/i);
      expect(first.stderr).toContain('line 4: Duplicate of row 3: the same email appears twice in the file.');
      expect(first.stderr).toContain('line 5 (roles): Unknown role "Wizard"');
      const second = smooth(['import', 'users', file, '--mode', 'valid-rows'], env);
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('created 0, skipped 2');
      expect(second.stdout).not.toContain('mailed an invitation');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('course import FILE.zip creates an unpublished course and says what it made; course list names it; course export COURSE FILE.zip (by id or title) writes its archive; a bad archive says why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-cli-'));
    const env = { SMOOTH_DATA_DIR: dir, DATABASE_URL: '', SMOOTH_SCRYPT_COST: '10' };
    const archive = {
      format: 'smooth-course-archive',
      version: 1,
      exportedAt: '2026-12-01T10:00:00.000Z',
      course: { title: 'Échelle safety' },
      chapters: [{ title: 'Basics', lessons: [{ title: 'Read', kind: 'text', body: 'Three points of contact.' }, { title: 'Check', kind: 'quiz', quiz: 'q' }] }],
      quizzes: [{ key: 'q', title: 'Ladders', passingPercentage: 50, questions: [{ kind: 'text', text: 'How many points of contact?', answers: ['3', 'three'] }] }],
      scormPackages: [],
    };
    const file = path.join(dir, 'ladder.zip');
    fs.writeFileSync(file, await makeZip([{ name: 'course.json', data: JSON.stringify(archive) }]));
    try {
      const imported = smooth(['course', 'import', file], env);
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
      expect(imported.stdout).toMatch(/^Imported “Échelle safety” as a new unpublished course: 1 chapter, 2 lessons, 1 quiz with 1 question, 0 files\. Its id is \w+\.\n/);
      const id = /Its id is (\w+)\./.exec(imported.stdout)![1]!;
      const out = path.join(dir, 'again.zip');
      const exported = smooth(['course', 'export', id, out], env);
      expect(exported.stderr).toBe('');
      expect(exported.stdout).toContain(`Exported “Échelle safety” to ${out}`);
      expect(fs.readFileSync(out).subarray(0, 2).toString()).toBe('PK');
      // The list names every course with its id; a course is named by its title (any case) too.
      const list = smooth(['course', 'list'], env);
      expect(list.stderr).toBe('');
      expect(list.stdout).toMatch(new RegExp(`^  Title +Status +Lessons +Id\\n  -+  -+  -+  -+\\n  Échelle safety +Draft +2 +${id}\\n1 course\\.\\n$`));
      expect(smooth(['course', 'list', '--search', 'forklift'], env).stdout).toBe('No course title contains “forklift”.\n');
      const byTitle = path.join(dir, 'by-title.zip');
      expect(smooth(['course', 'export', 'ÉCHELLE SAFETY', byTitle], env).stdout).toContain(`Exported “Échelle safety” to ${byTitle}`);

      fs.writeFileSync(file, await makeZip([{ name: 'course.json', data: JSON.stringify({ ...archive, version: 7 }) }]));
      const bad = smooth(['course', 'import', file], env);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('The archive is version 7; this server reads version 1.');
      expect(smooth(['course', 'export', id], env).status).toBe(2);
      const unknown = smooth(['course', 'export', 'Forklift basics', out], env);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toBe('smooth: no course is called “Forklift basics” and none has that id. "smooth course list" shows them.\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
