import { Cron } from 'croner';
import type { AppContext } from '../context.ts';
import { isUniqueViolation, nowIso } from '../db/dialect.ts';

export interface LastRun {
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  status: 'running' | 'done' | 'failed';
  outcome: string | null;
}

export interface JobDefinition {
  name: string;
  /** Cron pattern (UTC). */
  schedule: string;
  run(ctx: AppContext): Promise<unknown>;
}

/**
 * Scheduled jobs. Every process schedules them; a run is claimed by inserting its (name, slot)
 * row into job_runs, so with several processes on one database each slot runs exactly once.
 */
export class Jobs {
  private readonly crons: Cron[] = [];
  private readonly defs = new Map<string, JobDefinition>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly ctx: AppContext) {}

  register(def: JobDefinition): void {
    this.defs.set(def.name, def);
  }

  /** Every registered job with its schedule and its latest run (start, end, status, outcome). */
  async list(): Promise<{ name: string; schedule: string; lastRun: LastRun | null }[]> {
    const names = [...this.defs.keys()];
    const last = new Map<string, LastRun>();
    if (names.length > 0) {
      // The latest run per job: one statement over job_runs (its primary key is (name, slot)).
      const rows = await this.ctx.db
        .selectFrom('job_runs as r')
        .select(['r.name', 'r.started_at', 'r.finished_at', 'r.status', 'r.outcome'])
        .where('r.name', 'in', names)
        .where((eb) =>
          eb('r.started_at', '=', eb.selectFrom('job_runs as l').select((x) => x.fn.max('l.started_at').as('m')).whereRef('l.name', '=', 'r.name')),
        )
        .execute();
      for (const r of rows) {
        last.set(r.name, {
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          durationMs: r.finished_at ? Date.parse(r.finished_at) - Date.parse(r.started_at) : null,
          status: r.status === 'done' || r.status === 'failed' ? r.status : 'running',
          outcome: r.outcome,
        });
      }
    }
    return [...this.defs.values()].map((d) => ({ name: d.name, schedule: d.schedule, lastRun: last.get(d.name) ?? null }));
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Runs a job now, by hand (its own slot), and answers how it went. */
  async runNow(name: string): Promise<{ name: string; ran: boolean; status: 'done' | 'failed' | 'skipped'; durationMs: number; outcome: string | null }> {
    const slot = `manual:${new Date().toISOString()}`;
    const started = Date.now();
    const ran = await this.runOnce(name, slot);
    const row = await this.ctx.db.selectFrom('job_runs').select(['status', 'outcome']).where('name', '=', name).where('slot', '=', slot).executeTakeFirst();
    return {
      name,
      ran,
      status: !ran ? 'skipped' : row?.status === 'failed' ? 'failed' : 'done',
      durationMs: Date.now() - started,
      outcome: row?.outcome ?? null,
    };
  }

  /**
   * Schedules every registered job. `schedules` replaces the pattern of named jobs (configuration
   * SMOOTH_JOB_SCHEDULES); an unknown name or a pattern croner refuses throws before anything starts.
   */
  start(schedules: Record<string, string> = {}): void {
    const unknown = Object.keys(schedules).filter((n) => !this.defs.has(n));
    if (unknown.length) throw new Error(`SMOOTH_JOB_SCHEDULES names unknown jobs: ${unknown.join(', ')} (known: ${[...this.defs.keys()].join(', ')})`);
    const planned = [...this.defs.values()].map((def) => {
      const pattern = schedules[def.name] ?? def.schedule;
      try {
        new Cron(pattern, { timezone: 'UTC', paused: true }).stop();
      } catch (e) {
        throw new Error(`job ${def.name}: invalid schedule "${pattern}": ${(e as Error).message}`);
      }
      return { def, pattern };
    });
    for (const { def, pattern } of planned) {
      this.crons.push(
        new Cron(pattern, { timezone: 'UTC', protect: true }, async (self: Cron) => {
          const slot = (self.currentRun() ?? new Date()).toISOString();
          // A tick that cannot claim its slot (the database busy past its timeout, say) is skipped
          // and logged: the next tick runs the job; the server does not stop over it.
          await this.runOnce(def.name, slot).catch((e: unknown) => {
            this.ctx.log.error({ job: def.name, slot, err: e }, 'job tick failed');
          });
        }),
      );
    }
  }

  /** Stops scheduling and waits for the runs in progress to finish (so shutdown does not cut one off). */
  async stop(): Promise<void> {
    for (const c of this.crons) c.stop();
    this.crons.length = 0;
    await Promise.allSettled([...this.running]);
  }

  /** Runs a job for a slot unless some process already claimed that slot. Returns whether it ran. */
  async runOnce(name: string, slot: string): Promise<boolean> {
    const def = this.defs.get(name);
    if (!def) throw new Error(`Unknown job ${name}`);
    try {
      await this.ctx.db.insertInto('job_runs').values({ name, slot, started_at: nowIso(), status: 'running' }).execute();
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
    const finish = this.finishRun(def, name, slot);
    this.running.add(finish);
    try {
      await finish;
    } finally {
      this.running.delete(finish);
    }
    return true;
  }

  private async finishRun(def: JobDefinition, name: string, slot: string): Promise<void> {
    let status = 'done';
    let outcome: string | null = null;
    try {
      const result = await def.run(this.ctx);
      outcome = result === undefined ? null : (JSON.stringify(result) ?? null);
      this.ctx.log.info({ job: name, slot, result }, 'job finished');
    } catch (err) {
      status = 'failed';
      outcome = (err as Error).message ?? String(err);
      this.ctx.log.error({ err, job: name, slot }, 'job failed');
    }
    await this.ctx.db
      .updateTable('job_runs')
      .set({ status, finished_at: nowIso(), outcome: outcome === null ? null : outcome.slice(0, 2000) })
      .where('name', '=', name)
      .where('slot', '=', slot)
      .execute();
  }
}
