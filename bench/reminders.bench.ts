/**
 * reminders: the notifications.reminders job over 100,000 open training assignments (10,000 with
 * --quick) — a fifth due within the reminder days, two fifths overdue (half of those past the
 * manager escalation, a quarter past the HR one), the rest due later — every learner an employee
 * reporting to one of 1,000 managers. The job writes one notification per reminder and its mail.
 * Compared with a raw set-based select of the same rows (assignment, learner, course, manager)
 * read in the same run: goal ≤ 5× the raw select, and ≤ 10 s on SQLite.
 */
import os from 'node:os';
import { sql } from 'kysely';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase } from '../src/server/db/database.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { today } from '../src/server/db/dialect.ts';
import { newId } from '../src/server/db/ids.ts';
import { addDays } from '../src/server/hr/index.ts';
import { runReminders } from '../src/server/integration/notifications/index.ts';
import { createScratchDatabase } from '../test/helpers/db.ts';
import { compared, defineBenchmark, figure, type BenchResult } from './lib/types.ts';

const CHUNK = 1_000;
const MANAGERS = 1_000;
const COURSES = 20;

export default defineBenchmark({
  name: 'reminders',
  description:
    'The notifications.reminders job (due soon, overdue, escalation to manager and HR) over 100,000 open training assignments ' +
    '(10,000 with --quick) against a raw set-based select of the same rows; goal ≤ 5× raw, and ≤ 10 s on SQLite.',
  async run(opts) {
    const { dialect, quick, log } = opts;
    const n = quick ? 10_000 : 100_000;
    const scratch = await createScratchDatabase(dialect);
    const database = openDatabase(scratch.target, { poolSize: 4 });
    const results: BenchResult[] = [];
    try {
      await migrateToLatest(database);
      const config = loadConfig({ ...process.env, SMOOTH_DATA_DIR: os.tmpdir(), DATABASE_URL: '', SMOOTH_ADMIN_EMAIL: '', SMOOTH_ADMIN_PASSWORD: '' });
      config.database = scratch.target;
      config.logLevel = 'silent';
      config.publicUrl = 'https://lms.example.com';
      const { app, ctx } = await buildApp({ config, database, logger: false });
      const db = ctx.db;
      const on = today();
      const now = new Date().toISOString();

      // Seed: courses, managers (users + employees), learners (users + employees), one HR Manager, assignments.
      const s0 = performance.now();
      const courseIds = Array.from({ length: COURSES }, () => newId());
      await db
        .insertInto('courses')
        .values(
          courseIds.map((id, i) => ({
            id, title: `Mandatory Course ${i + 1}`, short_introduction: '', description: '', image_file_id: null, category: null, tags: '[]',
            published: 1, published_at: now, mandatory: 1, paid: 0, price: null, currency: null, enable_certification: 0,
            certificate_issue_mode: 'auto', certificate_template_id: null, certificate_validity_months: null,
            disable_self_enrollment: 0, sequential: 0, lesson_count: 1, created_by: null, created_at: now, updated_at: now,
          })),
        )
        .execute();
      const user = (id: string, name: string) => ({ id, email: `${id}@example.com`, full_name: name, password_hash: null, enabled: 1, created_at: now, updated_at: now });
      const employee = (id: string, userId: string, name: string, reportsTo: string | null) => ({
        id, employee_code: id, full_name: name, user_id: userId, department_id: null, designation_id: null, reports_to_id: reportsTo,
        date_of_joining: null, status: 'active' as const, left_on: null, created_by: null, created_at: now, updated_at: now,
      });
      const hrId = newId();
      await db.insertInto('users').values(user(hrId, 'Harriet HR')).execute();
      await db.insertInto('user_roles').values({ user_id: hrId, role: 'HR Manager' }).execute();
      const managerEmp: string[] = [];
      for (let i = 0; i < MANAGERS; i += CHUNK) {
        const part = Array.from({ length: Math.min(CHUNK, MANAGERS - i) }, (_, k) => ({ u: newId(), e: newId(), name: `Manager ${i + k + 1}` }));
        await db.insertInto('users').values(part.map((p) => user(p.u, p.name))).execute();
        await db.insertInto('employees').values(part.map((p) => employee(p.e, p.u, p.name, null))).execute();
        managerEmp.push(...part.map((p) => p.e));
      }
      const m = 3; // escalateAfterDays default
      const dueOf = (i: number): string => {
        const k = i % 20;
        if (k < 2) return addDays(on, 7);
        if (k < 4) return addDays(on, 1);
        if (k < 8) return addDays(on, -1 - (i % m)); // overdue, not yet escalated
        if (k < 10) return addDays(on, -m - (i % m)); // manager escalation
        if (k < 12) return addDays(on, -2 * m - (i % 20)); // HR escalation
        return addDays(on, 30 + (i % 60));
      };
      for (let i = 0; i < n; i += CHUNK) {
        const part = Array.from({ length: Math.min(CHUNK, n - i) }, (_, k) => ({ u: newId(), e: newId(), a: newId(), i: i + k }));
        await db.insertInto('users').values(part.map((p) => user(p.u, `Learner ${p.i + 1}`))).execute();
        await db.insertInto('employees').values(part.map((p) => employee(p.e, p.u, `Learner ${p.i + 1}`, managerEmp[p.i % MANAGERS]!))).execute();
        await db
          .insertInto('training_assignments')
          .values(
            part.map((p) => ({
              id: p.a, member_id: p.u, course_id: courseIds[p.i % COURSES]!, enrollment_id: null, due_date: dueOf(p.i), status: 'open' as const,
              source: 'manual' as const, onboarding_id: null, completed_at: null, created_by: null, created_at: now, updated_at: now,
            })),
          )
          .execute();
        // As autovacuum would on a growing table: plans made for tiny tables would be kept by the triggers' functions.
        if ((i / CHUNK) % 10 === 9) await sql`analyze`.execute(db);
      }
      await sql`analyze`.execute(db);
      log(`seeded ${n.toLocaleString('en')} assignments in ${((performance.now() - s0) / 1000).toFixed(1)} s`);

      // The raw limit: the same rows, one set-based select each kind, read into this process.
      const dueDates = [addDays(on, 7), addDays(on, 1)];
      const raw = async () => {
        const rows = await sql<{ id: string }>`
          select ta.id, ta.member_id, u.full_name, u.email, c.title, ta.due_date, mu.id as manager_id, mu.full_name as manager_name, mu.email as manager_email
            from training_assignments ta
            join users u on u.id = ta.member_id
            join courses c on c.id = ta.course_id
            left join employees e on e.user_id = ta.member_id
            left join employees mgr on mgr.id = e.reports_to_id
            left join users mu on mu.id = mgr.user_id
           where ta.status = 'open' and (ta.due_date in (${sql.join(dueDates)}) or ta.due_date < ${on})`.execute(db);
        return rows.rows.length;
      };
      await raw();
      const r0 = performance.now();
      const rawRows = await raw();
      const rawMs = performance.now() - r0;
      log(`raw select: ${rawRows.toLocaleString('en')} rows in ${rawMs.toFixed(0)} ms`);

      const j0 = performance.now();
      const first = await runReminders(ctx, on);
      const jobMs = performance.now() - j0;
      const notes = Number((await db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const mails = Number((await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      log(`reminders job: ${JSON.stringify(first)} → ${notes} notifications, ${mails} mails in ${jobMs.toFixed(0)} ms (load average ${os.loadavg()[0]!.toFixed(2)})`);
      const expected = first.dueSoon + first.overdue;
      if (expected !== rawRows) throw new Error(`the job reminded ${expected} learners, the raw select found ${rawRows} rows`);

      const a0 = performance.now();
      const again = await runReminders(ctx, on);
      const againMs = performance.now() - a0;
      if (again.dueSoon + again.overdue + again.escalatedToManager + again.escalatedToHr !== 0) throw new Error(`second run wrote ${JSON.stringify(again)}`);
      log(`second run the same day (writes nothing): ${againMs.toFixed(0)} ms`);

      const label = `${n.toLocaleString('en')} open assignments`;
      results.push(compared(`notifications.reminders job, ${label}`, Math.round(jobMs), 'ms', { name: 'raw select of the same rows', value: Math.round(rawMs) || 1 }, { atMost: 5 }));
      if (dialect === 'sqlite') results.push(compared(`notifications.reminders job, ${label} (absolute)`, Math.round(jobMs), 'ms', { name: 'goal', value: 10_000 }, { atMost: 1 }));
      results.push(figure(`second run the same day, ${label}`, Math.round(againMs), 'ms'));
      await app.close();
      return results;
    } finally {
      await database.close();
      await scratch.drop();
    }
  },
});
