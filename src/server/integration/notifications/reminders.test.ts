/**
 * The daily reminders job (notifications.reminders): due soon, overdue (again a week later) and
 * escalation to the manager, then to HR Managers, each at most once a day and none after
 * completion; an assignment whose due date was moved escalates again, once per due date.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { today, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { addDays } from '../../hr/index.ts';
import { runReminders } from './reminders.ts';
import { readableDay } from '../../platform/readable-instant.ts';

describeDb('notifications: reminders and escalation', (env) => {
  /** An employee for the user, reporting to `managerEmployeeId`. */
  async function employee(userId: string | null, fullName: string, reportsTo: string | null = null) {
    const id = newId();
    const now = nowIso();
    await env.ctx.db
      .insertInto('employees')
      .values({
        id,
        employee_code: `E-${id.slice(-8)}`,
        full_name: fullName,
        user_id: userId,
        department_id: null,
        designation_id: null,
        reports_to_id: reportsTo,
        date_of_joining: null,
        status: 'active',
        left_on: null,
        created_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  it('due soon, overdue, escalation to the manager then HR: each once a day at most, none after completion', async () => {
    const admin = await env.user(['System Manager']);
    const hr = await env.user(['HR Manager'], 'Hana HR');
    const manager = await env.user(['LMS Student'], 'Max Manager');
    const learner = await env.user(['LMS Student'], 'Lou Late');
    const managerEmp = await employee(manager.id, 'Max Manager');
    await employee(learner.id, 'Lou Late', managerEmp);
    const on = today();
    const mk = async (title: string, due: string) => {
      const { courseId, lessonIds } = await makeCourse(env, { title, lessons: 1 });
      const res = await env.req('POST', '/api/training-assignments', {
        as: admin,
        body: { courseId, dueDate: addDays(on, 60), memberIds: [learner.id] },
      });
      expect(res.statusCode, res.body).toBe(201);
      // The due date set in the past or near future directly: the API refuses past due dates.
      await env.ctx.db.updateTable('training_assignments').set({ due_date: due }).where('course_id', '=', courseId).execute();
      return { courseId, lessonIds };
    };
    await mk('Week Ahead', addDays(on, 7));
    await mk('Tomorrow', addDays(on, 1));
    await mk('In Three Days', addDays(on, 3));
    await mk('Late Four', addDays(on, -4));
    const sevenLate = await mk('Late Seven', addDays(on, -7));
    const done = await mk('Finished Late', addDays(on, -10));
    expect((await env.req('POST', `/api/lessons/${done.lessonIds[0]}/complete`, { as: learner })).statusCode).toBe(200);
    await env.ctx.db.deleteFrom('notifications').execute();
    await env.ctx.db.deleteFrom('mail_outbox').execute();

    const first = await runReminders(env.ctx, on);
    expect(first).toEqual({ dueSoon: 2, overdue: 2, escalatedToManager: 2, escalatedToHr: 1 });
    const byUser = async (userId: string) =>
      (await env.ctx.db.selectFrom('notifications').select(['kind', 'title']).where('user_id', '=', userId).orderBy('title').execute()).map(
        (n) => `${n.kind}: ${n.title}`,
      );
    expect(await byUser(learner.id)).toEqual([
      'assignment.overdue: Overdue: Late Four was due on ' + readableDay(addDays(on, -4)),
      'assignment.overdue: Overdue: Late Seven was due on ' + readableDay(addDays(on, -7)),
      'assignment.due-soon: Reminder: Tomorrow is due on ' + readableDay(addDays(on, 1)),
      'assignment.due-soon: Reminder: Week Ahead is due on ' + readableDay(addDays(on, 7)),
    ]);
    expect(await byUser(manager.id)).toEqual([
      'assignment.escalated: Overdue training: Lou Late has not completed Late Four',
      'assignment.escalated: Overdue training: Lou Late has not completed Late Seven',
    ]);
    expect(await byUser(hr.id)).toEqual(['assignment.escalated: Overdue training: Lou Late has not completed Late Seven']);
    // The manager reads it in the portal (My team); HR opens the assignment in the desk.
    const links = async (userId: string) =>
      (await env.ctx.db.selectFrom('notifications').select('link').where('user_id', '=', userId).where('kind', '=', 'assignment.escalated').execute()).map((n) => n.link);
    expect(await links(manager.id)).toEqual(['/lms/team', '/lms/team']);
    expect(await links(hr.id)).toEqual([expect.stringMatching(/^\/app\/lms-training-assignment\/\w+$/)]);
    expect(await env.count('mail_outbox')).toBe(7);

    // The same day again (a second process, a run by hand): nothing more.
    const again = await Promise.all([runReminders(env.ctx, on), runReminders(env.ctx, on)]);
    expect(again).toEqual([
      { dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 },
      { dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 },
    ]);
    expect(await env.count('notifications')).toBe(7);
    expect(await env.count('mail_outbox')).toBe(7);

    // The next day: overdue reminders wait a week; escalations were once.
    expect(await runReminders(env.ctx, addDays(on, 1))).toEqual({ dueSoon: 0, overdue: 0, escalatedToManager: 0, escalatedToHr: 0 });
    // Completing an assignment stops its reminders: a week later only Late Four reminds (and the others now overdue).
    const late7Lesson = sevenLate.lessonIds[0]!;
    expect((await env.req('POST', `/api/lessons/${late7Lesson}/complete`, { as: learner })).statusCode).toBe(200);
    const week = await runReminders(env.ctx, addDays(on, 7));
    // Late Four again (a week after its last reminder), Tomorrow, In Three Days; Week Ahead is due that day, not overdue.
    expect(week.overdue).toBe(3);
    const titles = (
      await env.ctx.db
        .selectFrom('notifications')
        .select('title')
        .where('user_id', '=', learner.id)
        .where('kind', '=', 'assignment.overdue')
        .execute()
    ).map((n) => n.title);
    expect(titles.filter((t) => t.includes('Late Seven'))).toHaveLength(1);
    expect(titles.filter((t) => t.includes('Finished Late'))).toHaveLength(0);
  });

  it('an assignment whose due date was moved and that falls overdue again escalates again, once per due date', async () => {
    const hrManager = await env.user(['HR Manager'], 'Hedda HR');
    const manager = await env.user(['LMS Student'], 'Mia Manager');
    const learner = await env.user(['LMS Student'], 'Lars Later');
    await employee(learner.id, 'Lars Later', await employee(manager.id, 'Mia Manager'));
    const on = today();
    const { courseId } = await makeCourse(env, { title: 'Moved Deadline', lessons: 1 });
    const created = await env.req('POST', '/api/training-assignments', { as: hrManager, body: { courseId, dueDate: addDays(on, 30), memberIds: [learner.id] } });
    expect(created.statusCode, created.body).toBe(201);
    const id = json<{ assignments: { id: string }[] }>(created).assignments[0]!.id;
    await env.ctx.db.updateTable('training_assignments').set({ due_date: addDays(on, -4) }).where('id', '=', id).execute();
    const escalations = async () =>
      (
        await env.ctx.db
          .selectFrom('notifications')
          .select('dedupe_key')
          .where('user_id', '=', manager.id)
          .where('kind', '=', 'assignment.escalated')
          .orderBy('id')
          .execute()
      ).map((n) => n.dedupe_key);

    await runReminders(env.ctx, on);
    expect(await escalations()).toEqual([`escalation:${id}:${addDays(on, -4)}`]);
    // HR gives more time; the new date passes too: the manager hears of it again, once.
    const moved = await env.req('PATCH', `/api/training-assignments/${id}`, { as: hrManager, body: { dueDate: addDays(on, 1) } });
    expect(moved.statusCode, moved.body).toBe(200);
    await runReminders(env.ctx, addDays(on, 2));
    expect(await escalations()).toHaveLength(1);
    await runReminders(env.ctx, addDays(on, 4));
    await runReminders(env.ctx, addDays(on, 5));
    expect(await escalations()).toEqual([`escalation:${id}:${addDays(on, -4)}`, `escalation:${id}:${addDays(on, 1)}`]);
  });
});
