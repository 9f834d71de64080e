/**
 * CPU time of processes on this machine (Linux /proc), to say where a request's cost goes:
 * the load generator, the server, the database server.
 */
import fs from 'node:fs';

/**
 * Time on CPU of one process in ms (all its threads), from the scheduler's own accounting
 * (/proc/PID/task/TID/schedstat, nanoseconds), or 0 when it is gone or /proc is missing.
 */
function processCpuMs(pid: number): number {
  let ns = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return ns / 1e6;
}

/** Process ids whose command name is `comm` (e.g. "postgres": the server and its backends). */
function pidsNamed(comm: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/comm`, 'utf8').trim() === comm) out.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export interface CpuParts {
  /** This process (the load generator). */
  client: number;
  /** The server under test. */
  server: number;
  /** PostgreSQL's processes (0 for SQLite, which runs inside the server). */
  database: number;
}

/** Snapshot of CPU ms so far; cpuSince(before, after) gives the difference. */
export function cpuSnapshot(serverPid: number, withPostgres: boolean): CpuParts {
  return {
    client: processCpuMs(process.pid),
    server: processCpuMs(serverPid),
    database: withPostgres ? postgresCpuMs() : 0,
  };
}

/** Last time on CPU seen per PostgreSQL process, kept after it exits. */
const postgresSeen = new Map<number, number>();

/**
 * Time on CPU of PostgreSQL's processes: those running now, plus the last figure of those that
 * exited since the first snapshot (a pool closing an idle connection must not subtract its
 * backend's lifetime from the difference of two snapshots). A process id reused by a new backend
 * within a run would be undercounted.
 */
function postgresCpuMs(): number {
  for (const pid of pidsNamed('postgres')) postgresSeen.set(pid, Math.max(postgresSeen.get(pid) ?? 0, processCpuMs(pid)));
  let sum = 0;
  for (const ms of postgresSeen.values()) sum += ms;
  return sum;
}

export function cpuSince(before: CpuParts, after: CpuParts): CpuParts {
  return { client: after.client - before.client, server: after.server - before.server, database: after.database - before.database };
}

export function addCpu(a: CpuParts, b: CpuParts): CpuParts {
  return { client: a.client + b.client, server: a.server + b.server, database: a.database + b.database };
}

/** "client 41 µs, server 120 µs, database 80 µs, all 241 µs per request". */
export function describeCpuPerRequest(cpu: CpuParts, requests: number): string {
  const us = (ms: number) => `${Math.round((ms * 1000) / Math.max(1, requests))} µs`;
  const parts = [`client ${us(cpu.client)}`, `server ${us(cpu.server)}`];
  if (cpu.database > 0) parts.push(`database ${us(cpu.database)}`);
  return `${parts.join(', ')}, all ${us(cpu.client + cpu.server + cpu.database)} CPU per request`;
}
