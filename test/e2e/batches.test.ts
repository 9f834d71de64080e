/**
 * Cohorts in a real browser: a learner opens My batches, sees the next live class with its join
 * button (open from 10 minutes before the start), times in their own zone with the batch's named,
 * and the batch's schedule and courses; the instructor sees the members × courses grid; staff find
 * the batch in the desk list /app/lms-batch. Test data is created through the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, type Credentials, type TestServer } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'lea.learner@example.com', password: 'learner-password-1', fullName: 'Lea Learner' };
const FELLOW = { email: 'finn.fellow@example.com', password: 'fellow-password-1', fullName: 'Finn Fellow' };
const INSTRUCTOR = { email: 'iris.instructor@example.com', password: 'instructor-password-1', fullName: 'Iris Instructor' };
const BATCH = 'New York Autumn Cohort';

interface Created {
  id: string;
}

describeBrowser('batches: the learner’s batch page and the instructor’s grid', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let batchId: string;
  const at = (p: string) => `${server.url}${p}`;

  // Signed in through the API (setup-login.test.ts logs in through the page).
  const login = (who: Credentials, next: string) => signIn(browser, server, who, { timezoneId: 'Europe/Berlin', open: next });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    const learner = await ok<Created>(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    const fellow = await ok<Created>(await api.post(at('/api/users'), { data: { ...FELLOW, roles: ['LMS Student'] } }), 201);
    const instructor = await ok<Created>(await api.post(at('/api/users'), { data: { ...INSTRUCTOR, roles: ['Course Creator'] } }), 201);
    const course = await ok<Created>(await api.post(at('/api/courses'), { data: { title: 'Negotiation Skills', published: true } }), 201);
    const ch = await ok<Created>(await api.post(at(`/api/courses/${course.id}/chapters`), { data: { title: 'Basics' } }), 201);
    for (const t of ['Interests', 'Options'])
      await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: t, kind: 'text', body: t } }), 201);
    const today = new Date().toISOString().slice(0, 10);
    const later = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    batchId = (
      await ok<Created>(
        await api.post(at('/api/batches'), {
          data: {
            title: BATCH,
            startDate: today,
            endDate: later,
            timezone: 'America/New_York',
            seatCount: 10,
            published: true,
            courseIds: [course.id],
            instructorIds: [instructor.id],
          },
        }),
        201,
      )
    ).id;
    for (const m of [learner, fellow]) await ok(await api.post(at(`/api/batches/${batchId}/members`), { data: { memberId: m.id } }), 201);
    const soon = new Date(Date.now() + 5 * 60_000);
    soon.setSeconds(0, 0);
    await ok(
      await api.post(at(`/api/batches/${batchId}/live-classes`), {
        data: { title: 'Opening session', startsAt: soon.toISOString(), durationMinutes: 60, joinUrl: 'https://meet.example.com/opening' },
      }),
      201,
    );
    await ok(
      await api.post(at(`/api/batches/${batchId}/live-classes`), {
        data: {
          title: 'Practice round',
          startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          durationMinutes: 45,
          joinUrl: 'https://meet.example.com/practice',
        },
      }),
      201,
    );
  }, 60_000);

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('the learner sees My batches with the next live class open to join, times in their zone, the schedule and courses', async () => {
    const { ctx, page, errors } = await login(LEARNER, '/lms/batches');
    await page.getByRole('heading', { name: 'My batches', level: 1 }).waitFor();
    const card = page.getByTestId('batch-card');
    await expect.poll(() => card.count()).toBe(1);
    await card.getByRole('heading', { name: BATCH }).waitFor();
    expect(await card.innerText()).toContain('times of the batch: America/New_York');
    const next = card.getByTestId('live-class');
    expect(await next.getByRole('heading').innerText()).toBe('Opening session');
    const join = next.getByRole('link', { name: 'Join class' });
    expect(await join.getAttribute('href')).toBe('https://meet.example.com/opening');
    expect(await next.innerText()).toContain('(Europe/Berlin)');
    expect(await next.innerText()).toContain('Batch time:');
    expect(await next.innerText()).toContain('(America/New_York)');
    expect(await card.innerText()).toContain('Negotiation Skills');
    await checkA11y(page, 'My batches');
    await screenshot(page, 'batches-my-batches');

    await card.getByRole('link', { name: BATCH }).click();
    await page.getByRole('heading', { name: BATCH, level: 1 }).waitFor();
    const classes = page.getByTestId('live-class');
    await expect.poll(() => classes.count()).toBe(2);
    // The later class cannot be joined yet.
    const practice = classes.nth(1);
    expect(await practice.getByRole('button', { name: /Join opens 10 min before/ }).isDisabled()).toBe(true);
    expect(await page.getByTestId('batch-course-progress').innerText()).toBe('0%');
    // A learner never sees the members grid.
    expect(await page.getByTestId('batch-grid').count()).toBe(0);
    await page.getByRole('button', { name: 'Subscribe in my calendar app' }).click();
    const address = page.getByLabel(/Your private calendar address/);
    await address.waitFor();
    const feedUrl = new URL(await address.inputValue());
    const feed = await ctx.request.get(at(feedUrl.pathname));
    expect(feed.status()).toBe(200);
    expect(await feed.text()).toContain('SUMMARY:Opening session');
    await checkA11y(page, 'batch page (learner)');
    await screenshot(page, 'batches-learner-batch');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('the instructor sees the members × courses grid with attendance and status', async () => {
    const { ctx, page, errors } = await login(INSTRUCTOR, `/lms/batches/${batchId}`);
    await page.getByRole('heading', { name: BATCH, level: 1 }).waitFor();
    const grid = page.getByTestId('batch-grid');
    await grid.waitFor();
    const headers = await grid.locator('thead th').allInnerTexts();
    expect(headers).toEqual(['Member', 'Negotiation Skills', 'Classes attended', 'Assessments passed', 'Status']);
    const rows = grid.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const texts = await rows.allInnerTexts();
    expect(texts.join('\n')).toContain('Lea Learner');
    expect(texts.join('\n')).toContain('Finn Fellow');
    expect(texts[0]).toContain('0%');
    expect(texts[0]).toContain('0 of 0');
    expect(texts.join('\n')).not.toContain('@example.com');
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(`/api/batches/${batchId}/members/export.csv`);
    await checkA11y(page, 'batch page (instructor)');
    await screenshot(page, 'batches-instructor-grid');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('staff find the batch in the desk list /app/lms-batch and open its form', async () => {
    const { ctx, page, errors } = await login(ADMIN, '/app/lms-batch');
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    const link = page.getByRole('link', { name: BATCH });
    await link.waitFor();
    expect(await page.locator('table').innerText()).toContain('2 / 10');
    await link.click();
    await page.getByTestId('desk-batch-members').waitFor();
    expect(await page.getByTestId('desk-batch-members').innerText()).toContain('Lea Learner');
    await checkA11y(page, 'desk batch form');
    await screenshot(page, 'batches-desk-form');

    // A new batch through the generic form: an end before the start is explained next to the field.
    await page.goto(at('/app/lms-batch/new'));
    await page.getByRole('heading', { name: 'New batch', level: 1 }).waitFor();
    await page.getByLabel('Title').fill('Winter cohort');
    await page.getByLabel('Start date').fill('2027-01-10');
    await page.getByLabel('End date').fill('2027-01-05');
    // The time zone starts as the browser's; typing filters the long list.
    const zone = page.getByRole('combobox', { name: 'Time zone' });
    expect(await zone.inputValue()).toBe('Europe/Berlin');
    await zone.fill('Lisbon');
    await page.getByRole('option', { name: 'Europe/Lisbon' }).click();
    await page.getByRole('combobox', { name: 'Courses (in order)' }).fill('Negotiation');
    await page.getByRole('option', { name: 'Negotiation Skills' }).click();
    // Instructors and evaluators are picked by name like the courses (they were plain text boxes).
    await page.getByRole('combobox', { name: 'Instructors' }).fill('Iris');
    await page.getByRole('option', { name: /Iris Instructor/ }).click();
    await page.getByRole('combobox', { name: 'Evaluators' }).fill('Ada');
    await page.getByRole('option', { name: /Ada Admin/ }).click();
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.waitForFunction(() => document.getElementById('field-endDate')?.getAttribute('aria-invalid') === 'true');
    await page.getByLabel('End date').fill('2027-03-05');
    await page.getByRole('button', { name: 'Create batch' }).click();
    // The new batch's own page (the form itself lives at /app/lms-batch/new).
    await page.waitForURL((u) => /^\/app\/lms-batch\/(?!new$)[0-9a-z]+$/.test(u.pathname));
    const created = await ctx.request.get(at(`/api/batches/${new URL(page.url()).pathname.split('/').pop()!}`));
    const winter = (await created.json()) as { id: string; instructorIds: string[]; evaluatorIds: string[] };
    expect(winter).toMatchObject({
      title: 'Winter cohort',
      timezone: 'Europe/Lisbon',
      startDate: '2027-01-10',
      endDate: '2027-03-05',
    });
    expect(winter.instructorIds).toHaveLength(1);
    expect(winter.evaluatorIds).toHaveLength(1);

    // Its history names what was set, in the form's words: no ids, no record timestamps, no empty fields.
    const history = page.getByRole('region', { name: 'History' });
    await history.getByTestId('audit-entry').first().waitFor();
    const story = await history.innerText();
    expect(story).toContain('Time zone');
    expect(story).toContain('Europe/Lisbon');
    expect(story).toContain('Negotiation Skills');
    expect(story).not.toMatch(/Course ids|Instructor ids|Created at|Updated at|Member count|Timezone|Description/);

    // Scheduling a live class on the batch's page: what is missing or wrong is said next to the field.
    const classes = page.getByRole('region', { name: 'Live classes' });
    await classes.getByRole('button', { name: 'Schedule' }).click();
    await classes.getByText('Give the class a title.').waitFor();
    await classes.getByText('Give the day and time the class starts.').waitFor();
    await classes.getByLabel('Title').fill('Kick-off');
    // A class that has taken place (its attendance is taken below; a future one takes none yet).
    await classes.getByLabel('Starts (your time)').fill('2026-11-30T10:00');
    await classes.getByLabel('Join link').fill('meet.example.com/xyz');
    await classes.getByRole('button', { name: 'Schedule' }).click();
    await classes.getByText('Give the full join link, starting with https://').waitFor();
    expect(await classes.getByText('Give the class a title.').count()).toBe(0);
    await classes.getByLabel('Join link').fill('https://meet.example.com/xyz');
    await classes.getByRole('button', { name: 'Schedule' }).click();
    await page.getByText(/Scheduled “Kick-off” for/).waitFor();
    const table = classes.getByTestId('desk-live-classes');
    await table.getByRole('row').filter({ hasText: 'Kick-off · 60 min' }).waitFor();

    // Change it: a new title and length; the list says so.
    await classes.getByRole('button', { name: 'Change Kick-off' }).click();
    const change = page.getByRole('dialog', { name: 'Change the live class' });
    await change.getByLabel('Title').fill('Kick-off and introductions');
    await change.getByLabel('Minutes').fill('90');
    await change.getByRole('button', { name: 'Save changes' }).click();
    await table.getByRole('row').filter({ hasText: 'Kick-off and introductions · 90 min' }).waitFor();

    // Attendance: the batch's members with a tick each; saving replaces the class's list.
    await ok(await ctx.request.post(at(`/api/batches/${winter.id}/members`), { data: { memberEmail: LEARNER.email } }), 201);
    await ok(await ctx.request.post(at(`/api/batches/${winter.id}/members`), { data: { memberEmail: FELLOW.email } }), 201);
    await page.reload();
    await classes.getByRole('button', { name: 'Take attendance: Kick-off and introductions' }).click();
    const register = page.getByRole('dialog', { name: 'Attendance: Kick-off and introductions' });
    await register.getByLabel('Lea Learner').check();
    await register.getByText('1 of 2 present').waitFor();
    await checkA11y(page, 'attendance register');
    await register.getByRole('button', { name: 'Save attendance' }).click();
    await page.getByText('Attendance saved: 1 present.').waitFor();
    await table.getByText('1 of 2 present').waitFor();
    const [saved] = await ok<{ presentMemberIds: string[] }[]>(await ctx.request.get(at(`/api/batches/${winter.id}/live-classes`)), 200);
    expect(saved!.presentMemberIds).toHaveLength(1);

    // Cancel it, after a confirmation.
    await classes.getByRole('button', { name: 'Cancel class: Kick-off and introductions' }).click();
    const confirm = page.getByRole('dialog', { name: 'Cancel this live class?' });
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect(await ok<unknown[]>(await ctx.request.get(at(`/api/batches/${winter.id}/live-classes`)), 200)).toHaveLength(1);
    await classes.getByRole('button', { name: 'Cancel class: Kick-off and introductions' }).click();
    await confirm.getByRole('button', { name: 'Cancel the class' }).click();
    await classes.getByText('No live class scheduled yet.').waitFor();
    expect(await ok<unknown[]>(await ctx.request.get(at(`/api/batches/${winter.id}/live-classes`)), 200)).toHaveLength(0);
    // The refused tries answered 400 on purpose (the browser logs that); nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    await ctx.close();
  });
});
