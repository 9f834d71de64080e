import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl } from './config.ts';

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

  it('migrate and users create work against a SQLite file; bad roles and duplicates are refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-cli-'));
    const env = { SMOOTH_DATA_DIR: dir, DATABASE_URL: '', SMOOTH_SCRYPT_COST: '10' };
    try {
      expect(smooth(['migrate'], env).status).toBe(0);
      const ok = smooth(['users', 'create', '--email', 'Ops@Example.com', '--password', 'password123', '--name', 'Ops', '--roles', 'System Manager,Moderator'], env);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain('Created ops@example.com (System Manager, Moderator)');
      const badRole = smooth(['users', 'create', '--email', 'x@example.com', '--password', 'password123', '--name', 'X', '--roles', 'Wizard'], env);
      expect(badRole.status).toBe(2);
      expect(badRole.stderr).toContain('unknown role "Wizard"');
      const dup = smooth(['users', 'create', '--email', 'ops@example.com', '--password', 'password123', '--name', 'Again'], env);
      expect(dup.status).not.toBe(0);
      expect(dup.stderr).toContain('already exists');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
