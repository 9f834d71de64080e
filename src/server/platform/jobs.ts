import { Cron } from 'croner';
import type { AppContext } from '../context.ts';
import { isUniqueViolation, nowIso } from '../db/dialect.ts';

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
          await this.runOnce(def.name, slot);
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
    try {
      const result = await def.run(this.ctx);
      this.ctx.log.info({ job: name, slot, result }, 'job finished');
    } catch (err) {
      status = 'failed';
      this.ctx.log.error({ err, job: name, slot }, 'job failed');
    }
    await this.ctx.db
      .updateTable('job_runs')
      .set({ status, finished_at: nowIso() })
      .where('name', '=', name)
      .where('slot', '=', slot)
      .execute();
  }
}
