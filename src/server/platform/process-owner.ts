/**
 * Which process runs a piece of long work (an import, a zip export), recorded on its row so that
 * a process starting later can tell work whose process died from work still running elsewhere.
 *
 * The owner is `host:pid:start`, where start is when that process started: its start time from
 * /proc (clock ticks since boot) where there is one, else `t` and the start in ms. The start tells
 * a process from a later one with the same id (a restarted container is pid 1 again).
 */
import fs from 'node:fs';
import os from 'node:os';

/** The start mark of process `pid` from /proc, or null where /proc does not say. */
function procStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

/** This process, as recorded on the work it runs. */
export const PROCESS_OWNER = `${os.hostname()}:${process.pid}:${procStart(process.pid) ?? `t${Date.now()}`}`;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface OwnerRule {
  /** Another machine's work is gone after this long without a sign of life (heartbeat). */
  staleMs: number;
  /**
   * On this machine, a live process id whose start cannot be checked (no /proc, or an owner
   * recorded as `host:pid`) keeps its work at most this long without a sign of life.
   */
  sameHostStaleMs: number;
  now?: number;
}

/**
 * Whether the process recorded as `owner` is gone: on this machine, asked directly (is that process
 * id alive, and is it the same process: same start); elsewhere, by the age of its last sign of life.
 */
export function ownerGone(owner: string | null, lastSign: string, rule: OwnerRule): boolean {
  const age = (rule.now ?? Date.now()) - Date.parse(lastSign);
  const m = owner === null ? null : /^([^:]*):(\d+)(?::(\S+))?$/.exec(owner);
  if (!m || m[1] !== os.hostname()) return age > rule.staleMs;
  const pid = Number(m[2]);
  const start = m[3];
  if (pid === process.pid) return start !== undefined && start !== PROCESS_OWNER.slice(PROCESS_OWNER.lastIndexOf(':') + 1);
  if (!processAlive(pid)) return true;
  const now = start !== undefined && /^\d+$/.test(start) ? procStart(pid) : null;
  if (now !== null) return now !== start;
  return age > rule.sameHostStaleMs;
}
