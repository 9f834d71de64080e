import path from 'node:path';
import { Password } from '../contract/users.ts';

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export interface Config {
  database: DatabaseTarget;
  dataDir: string;
  port: number;
  host: string;
  /** Public base URL used in links (verification URLs, emails). */
  publicUrl: string | null;
  admin: { email: string; password: string } | null;
  /** log2 of the scrypt cost parameter N. */
  scryptCost: number;
  session: { idleMinutes: number; absoluteHours: number };
  logLevel: string;
  /** true when the site is served over https (Secure cookies). */
  secureCookies: boolean | 'auto';
  /** Trust X-Forwarded-* headers (set when running behind a reverse proxy). */
  trustProxy: boolean;
  /** Cron patterns (UTC) that replace the default schedule of named jobs (SMOOTH_JOB_SCHEDULES). */
  jobSchedules: Record<string, string>;
  /** Requests per minute per signed-in user and per anonymous client address (0 = no limit). */
  rateLimit: { perMinute: number; anonymousPerMinute: number };
  /** Milliseconds a request (headers and body) may take to arrive (SMOOTH_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /**
   * Outbound endpoints set in LMS Settings (the recommendation provider) may be on private,
   * loopback or link-local addresses (SMOOTH_ALLOW_PRIVATE_ENDPOINTS=true). Off by default: such an
   * endpoint lets whoever triggers the call reach the server's internal network.
   */
  allowPrivateEndpoints: boolean;
  /** The SMTP server (SMOOTH_SMTP_URL, smtp:// or smtps://); when unset the settings' smtpUrl is used. */
  smtpUrl?: string | null;
  /** Where Stripe API calls go (SMOOTH_STRIPE_API_URL, e.g. a local stand-in); null: api.stripe.com. */
  stripeApiUrl: string | null;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses DATABASE_URL. Unset means the embedded SQLite file under the data directory. */
export function parseDatabaseUrl(value: string | undefined, dataDir: string): DatabaseTarget {
  if (value === undefined || value.trim() === '') {
    return { kind: 'sqlite', file: path.join(dataDir, 'smooth.db') };
  }
  const v = value.trim();
  if (v.startsWith('sqlite:')) {
    const file = v.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new ConfigError(['DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:./data/smooth.db']);
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  if (v.startsWith('postgres://') || v.startsWith('postgresql://')) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new ConfigError([`DATABASE_URL is not a valid URL: ${redact(v)}`]);
    }
    if (!url.hostname && !url.searchParams.get('host')) {
      throw new ConfigError([`DATABASE_URL has no host: ${redact(v)}`]);
    }
    if (url.pathname.replace(/^\//, '') === '') {
      throw new ConfigError([`DATABASE_URL names no database (add /dbname): ${redact(v)}`]);
    }
    return { kind: 'postgres', url: v };
  }
  throw new ConfigError([
    `DATABASE_URL must start with "sqlite:" or "postgres://" (got "${redact(v)}"). ` +
      'Leave it unset for the embedded SQLite file ./data/smooth.db.',
  ]);
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function intFrom(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name} must be a whole number (got "${raw}")`);
    return fallback;
  }
  const n = Number(raw);
  if (n < min || n > max) problems.push(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

export interface ConfigOverrides {
  port?: number | undefined;
  host?: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const problems: string[] = [];
  const dataDir = path.resolve(env.SMOOTH_DATA_DIR?.trim() || './data');
  let database: DatabaseTarget = { kind: 'sqlite', file: path.join(dataDir, 'smooth.db') };
  try {
    database = parseDatabaseUrl(env.DATABASE_URL, dataDir);
  } catch (e) {
    if (e instanceof ConfigError) problems.push(...e.problems);
    else throw e;
  }
  const port = overrides.port ?? intFrom('PORT', env.PORT, 8000, 0, 65535, problems);
  const host = overrides.host ?? (env.HOST?.trim() || '127.0.0.1');
  let admin: Config['admin'] = null;
  const adminEmail = env.SMOOTH_ADMIN_EMAIL?.trim();
  const adminPassword = env.SMOOTH_ADMIN_PASSWORD;
  if (adminEmail || adminPassword) {
    if (!adminEmail || !adminPassword) {
      problems.push('SMOOTH_ADMIN_EMAIL and SMOOTH_ADMIN_PASSWORD go together: set both or neither');
    } else if (!/^[^@\s]+@[^@\s]+$/.test(adminEmail)) {
      problems.push(`SMOOTH_ADMIN_EMAIL is not an email address (got "${adminEmail}")`);
    } else if (!Password.safeParse(adminPassword).success) {
      problems.push(`SMOOTH_ADMIN_PASSWORD: ${Password.safeParse(adminPassword).error?.issues[0]?.message ?? 'not accepted'}`);
    } else {
      admin = { email: adminEmail, password: adminPassword };
    }
  }
  let publicUrl: string | null = null;
  if (env.SMOOTH_PUBLIC_URL) {
    try {
      publicUrl = new URL(env.SMOOTH_PUBLIC_URL).toString().replace(/\/$/, '');
    } catch {
      problems.push(`SMOOTH_PUBLIC_URL is not a URL (got "${env.SMOOTH_PUBLIC_URL}")`);
    }
  }
  const scryptCost = intFrom('SMOOTH_SCRYPT_COST', env.SMOOTH_SCRYPT_COST, 16, 10, 20, problems);
  const idleMinutes = intFrom('SMOOTH_SESSION_IDLE_MINUTES', env.SMOOTH_SESSION_IDLE_MINUTES, 120, 1, 60 * 24 * 30, problems);
  const absoluteHours = intFrom('SMOOTH_SESSION_MAX_HOURS', env.SMOOTH_SESSION_MAX_HOURS, 24 * 7, 1, 24 * 365, problems);
  const secureRaw = env.SMOOTH_SECURE_COOKIES;
  const secureCookies = secureRaw === 'true' ? true : secureRaw === 'false' ? false : 'auto';
  const jobSchedules = parseJobSchedules(env.SMOOTH_JOB_SCHEDULES, problems);
  const perMinute = intFrom('SMOOTH_RATE_LIMIT_PER_MINUTE', env.SMOOTH_RATE_LIMIT_PER_MINUTE, 12_000, 0, 10_000_000, problems);
  const anonymousPerMinute = intFrom(
    'SMOOTH_RATE_LIMIT_ANONYMOUS_PER_MINUTE',
    env.SMOOTH_RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    1_200,
    0,
    10_000_000,
    problems,
  );
  const requestTimeoutMs = intFrom('SMOOTH_REQUEST_TIMEOUT_MS', env.SMOOTH_REQUEST_TIMEOUT_MS, 120_000, 100, 3_600_000, problems);
  const smtpUrl = env.SMOOTH_SMTP_URL?.trim() || null;
  if (smtpUrl && !/^smtps?:\/\/[^/\s]+/i.test(smtpUrl)) problems.push('SMOOTH_SMTP_URL must be an smtp:// or smtps:// URL');
  const stripeApi = stripeApiUrl(env.SMOOTH_STRIPE_API_URL, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    smtpUrl,
    database,
    dataDir,
    port,
    host,
    publicUrl,
    admin,
    scryptCost,
    session: { idleMinutes, absoluteHours },
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    secureCookies,
    trustProxy: env.SMOOTH_TRUST_PROXY === 'true',
    jobSchedules,
    rateLimit: { perMinute, anonymousPerMinute },
    requestTimeoutMs,
    allowPrivateEndpoints: env.SMOOTH_ALLOW_PRIVATE_ENDPOINTS === 'true',
    stripeApiUrl: stripeApi,
  };
}

/**
 * SMOOTH_JOB_SCHEDULES: `name=pattern` pairs separated by `;`, e.g.
 * `certificate.expiry=0 1 * * *;compliance.expiry=30 1 * * *`. Patterns are cron (5 fields, or 6
 * with seconds first), UTC. Job names are checked when the jobs start.
 */
function parseJobSchedules(raw: string | undefined, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw?.trim()) return out;
  for (const part of raw.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    const pattern =
      eq > 0
        ? part
            .slice(eq + 1)
            .trim()
            .replace(/\s+/g, ' ')
        : '';
    const fields = pattern.split(' ').length;
    if (!/^[a-z][a-z0-9.-]*$/.test(name) || !/^[0-9*/,\-A-Za-z? ]+$/.test(pattern) || fields < 5 || fields > 6) {
      problems.push(`SMOOTH_JOB_SCHEDULES: "${part.trim()}" is not name=cron-pattern (e.g. certificate.expiry=0 1 * * *)`);
      continue;
    }
    out[name] = pattern;
  }
  return out;
}

function stripeApiUrl(raw: string | undefined, problems: string[]): string | null {
  const v = raw?.trim();
  if (!v) return null;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    return u.origin;
  } catch {
    problems.push(`SMOOTH_STRIPE_API_URL must be an http:// or https:// URL (got "${v}")`);
    return null;
  }
}
