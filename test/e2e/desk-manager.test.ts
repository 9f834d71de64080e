/**
 * The desk as a training manager meets it, against the demo organisation (`smooth seed --demo`) at
 * 1366×850: assigning training to a department or one person shows what happened; the enrollment
 * list finds rows by course title as you type; an impossible progress range is explained next to
 * the field; a form says in words which field is missing; lists are dense; an unknown URL shows the
 * app's not-found page; a learner's view of the demo and the statistics charts read right. Every
 * page visited passes axe (no serious or critical violations). Records read in words:
 * desk-records.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, type TestServer } from './helpers.ts';
import { DEMO_PASSWORD as PASSWORD, openDemoDesk } from './demo-desk.ts';

const SHOTS = path.resolve('docs/screenshots');

describeBrowser('desk: a training manager with the demo organisation', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    ({ server, browser, admin, page, pageErrors } = await openDemoDesk());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('assigning a course to a department shows how many were assigned, kept and skipped, on a real page', async () => {
    await page.goto(at('/app/lms-training-assignment/new'));
    await page.getByRole('heading', { name: 'New training assignment', level: 1 }).waitFor();
    // Nothing chosen: the form says what is missing next to the fields and sends nothing.
    await page.getByRole('button', { name: 'Create training assignment' }).click();
    await page.getByText('Course is required.').waitFor();
    await page.getByText('Choose a person, a department or a designation to assign the course to.').waitFor();
    expect(page.url()).toMatch(/\/new$/);

    await page.getByRole('combobox', { name: 'Course', exact: true }).click();
    await page.getByRole('option', { name: 'Fire Safety at Work' }).click();
    await page.getByLabel('Due date').fill('2030-01-31');
    await page.getByRole('combobox', { name: 'Everyone in department' }).click();
    await page.getByRole('option', { name: 'Finance' }).click();
    await page.getByRole('button', { name: 'Create training assignment' }).click();
    const result = page.getByRole('status', { name: 'Result' });
    await result.getByRole('heading', { name: /^Assigned to \d+ people$/ }).waitFor();
    await result.getByText(/^\d+ new assignments?\.$/).waitFor();
    await result.getByText(/already had this course assigned/).waitFor();
    await result.getByText(/^\d+ skipped\.$/).waitFor();
    expect(page.url()).not.toContain('undefined');
    expect(await page.getByText('does not exist').count()).toBe(0);
    await checkA11y(page, 'training assignment result');

    // One person.
    await result.getByRole('button', { name: 'New training assignment' }).click();
    await page.getByRole('combobox', { name: 'Course', exact: true }).click();
    await page.getByRole('option', { name: 'Anti-Bribery & Corruption' }).click();
    await page.getByLabel('Due date').fill('2030-02-28');
    await page.getByRole('combobox', { name: 'One person' }).click();
    await page.getByRole('combobox', { name: 'One person' }).fill('Björn');
    await page.getByRole('option', { name: /Björn Åkesson/ }).click();
    await page.getByRole('button', { name: 'Create training assignment' }).click();
    await result.getByRole('heading', { name: /^Assigned to 1 person$|^Nobody was assigned$/ }).waitFor();
    await result.getByRole('link', { name: 'See the assignments of this course' }).click();
    await page.getByRole('heading', { name: 'Training Assignments', level: 1 }).waitFor();
    const row = page.getByTestId('desk-list').getByRole('row', { name: /Björn Åkesson/ });
    await row.first().waitFor();
    // The record is titled by course and person, not by its id.
    await row.first().getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Anti-Bribery & Corruption for Björn Åkesson', level: 1 }).waitFor();
    // What cannot change reads as a value (the status in words), not a greyed input; the due date can be moved.
    const details = page.getByRole('region', { name: 'Details' });
    expect(await details.locator('[data-field="status"]').innerText()).toMatch(/^(Open|Overdue)$/);
    expect(await page.locator('input[disabled]').count()).toBe(0);
    await page.getByRole('link', { name: 'Anti-Bribery & Corruption' }).first().waitFor();
    const was = await page.getByLabel('Due date').inputValue();
    await page.getByLabel('Due date').fill('2030-03-31');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    // The history says what moved, from which day to which, in words.
    const day = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    const moved = page.getByTestId('audit-entry').filter({ hasText: '31 Mar 2030' });
    await moved.first().waitFor();
    expect(await moved.first().innerText()).toContain(day(was));
    await checkA11y(page, 'training assignment');
  });

  it('the enrollment list finds a course by its title as you type (no Enter), densely, 15+ rows on a 1366×850 screen', async () => {
    await page.goto(at('/app/lms-enrollment'));
    await page.getByRole('heading', { name: 'Enrollments', level: 1 }).waitFor();
    const list = page.getByTestId('desk-list');
    await list.waitFor();
    // Dense rows: many rows fit on the first screen.
    const visible = await list
      .locator('tbody tr')
      .evaluateAll((rows) => rows.filter((r) => r.getBoundingClientRect().bottom <= window.innerHeight).length);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'enrollment-list.png') });
    expect(visible).toBeGreaterThanOrEqual(15);
    // Every column fits a 1366 px wide window: the table does not scroll sideways.
    const fit = await list.evaluate((table) => ({ wide: table.scrollWidth, room: table.closest('[role="region"]')?.clientWidth ?? 0 }));
    expect(fit.wide).toBeLessThanOrEqual(fit.room);
    // Sources and dates read as words, not codes: "By staff", "6 Dec 2026".
    const firstRow = (await list.locator('tbody tr').first().textContent()) ?? '';
    expect(firstRow).toMatch(/By staff|Self-enrolled|Onboarding|Training assignment|Cohort|Imported/);
    expect(firstRow).toMatch(/\d{1,2} [A-Z][a-z]{2} \d{4}/);
    expect(firstRow).not.toMatch(/\d{4}-\d{2}-\d{2}/);

    await page.getByLabel('Member or course contains').pressSequentially('Fire');
    await expect.poll(() => list.getAttribute('data-query')).toBe('q=Fire');
    await expect.poll(() => page.getByTestId('list-count').textContent()).toMatch(/^\d+ rows/);
    await expect
      .poll(async () => {
        const rows = await list.locator('tbody tr').evaluateAll((trs) => trs.map((r) => r.textContent ?? ''));
        return rows.length > 0 && rows.every((t) => t.includes('Fire Safety at Work'));
      })
      .toBe(true);
    await checkA11y(page, 'enrollment list filtered by text');
  });

  it('a progress range from 90 to 10 is explained next to the field; the list keeps its rows and shows no schema error', async () => {
    await page.goto(at('/app/lms-enrollment'));
    const list = page.getByTestId('desk-list');
    await list.waitFor();
    await page.getByLabel('Progress % from').fill('90');
    await page.getByLabel('Progress % to').fill('10');
    await page.getByText('To must not be below from.').waitFor();
    await page.waitForTimeout(600);
    expect(await page.getByText('does not match its schema').count()).toBe(0);
    // The wrong range is never sent (from alone may have applied while typing).
    expect(await list.getAttribute('data-query')).not.toContain('progressMax=10');
    await checkA11y(page, 'enrollment list with a wrong range');
    // Fixing the range applies it.
    await page.getByLabel('Progress % to').fill('100');
    await expect.poll(() => list.getAttribute('data-query')).toBe('progressMin=90&progressMax=100');
    // The rows of the earlier query stay on screen until the new ones arrive.
    await expect
      .poll(async () => {
        const cells = await list.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
        return cells.length > 0 && cells.every((text) => /(9\d|100)%/.test(text));
      })
      .toBe(true);
  });

  it('a new course without a title says "Title is required." next to the field, and sends nothing', async () => {
    let posted = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/courses')) posted++;
    });
    await page.goto(at('/app/lms-course/new'));
    await page.getByRole('heading', { name: 'New course', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create course' }).click();
    await page.getByText('Title is required.').waitFor();
    expect(await page.getByText('Invalid input').count()).toBe(0);
    expect(posted).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-title');
    await checkA11y(page, 'new course with errors');
  });

  it('an unknown top-level URL shows the app’s not-found page; unknown API paths keep problem+json', async () => {
    const res = await page.goto(at('/foo'));
    expect(res?.status()).toBe(404);
    expect(res?.headers()['content-type']).toContain('text/html');
    await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
    expect(await page.locator('body').textContent()).not.toContain('"code"');
    const api = await admin.request.get(at('/api/nothing-here'), { headers: { accept: 'text/html' } });
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toContain('application/problem+json');
    await checkA11y(page, 'not found');
  });

  it('a Course Quiz PDF keeps the accented letters of the learner’s name in its file name', async () => {
    const found = await admin.request.get(at(`/api/enrollments?q=${encodeURIComponent('ukasiewicz')}&limit=1`));
    const id = ((await found.json()) as { items: { id: string }[] }).items[0]!.id;
    await page.goto(at(`/app/lms-enrollment/${id}`));
    await page.getByRole('heading', { name: /Zoë Łukasiewicz/, level: 1 }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Course Quiz PDF' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^course-quiz-report-Zoë-Łukasiewicz-.+\.pdf$/);
    const res = await admin.request.get(at(`/api/enrollments/${id}/quiz-report.pdf?download=true`));
    expect(res.headers()['content-disposition']).toContain('filename="course-quiz-report-Zoe-Lukasiewicz-');
  });

  it('a learner reads the course description; a paid course is bought from its page; screenshots for the README', async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.goto(at('/app'));
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SHOTS, 'desk-home.png') });
    const found = await admin.request.get(at(`/api/enrollments?q=${encodeURIComponent('Fire Safety')}&limit=1`));
    const enrollmentId = ((await found.json()) as { items: { id: string }[] }).items[0]!.id;
    await page.goto(at(`/app/lms-enrollment/${enrollmentId}`));
    await page.getByRole('heading', { name: /^Enrollment of /, level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SHOTS, 'enrollment.png'), fullPage: true });

    const learner = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'en-GB' });
    try {
      const login = await learner.request.post(at('/api/auth/login'), {
        data: { email: 'zoe.lukasiewicz@demo.smooth', password: PASSWORD },
      });
      expect(login.status()).toBe(200);
      const p = await learner.newPage();
      await p.goto(at('/lms'));
      await p.getByRole('heading', { level: 1 }).first().waitFor();
      await p.waitForLoadState('networkidle');
      // A course at 0 % that was never opened is "Not started", not "In progress".
      await p.getByRole('region', { name: /^Not started/ }).waitFor();
      expect(
        await p
          .getByRole('region', { name: /^In progress/ })
          .getByText('0%', { exact: true })
          .count(),
      ).toBe(0);
      await checkA11y(p, 'My Courses');
      await p.screenshot({ path: path.join(SHOTS, 'my-courses.png') });
      const courses = (await (await learner.request.get(at('/api/courses?limit=50'))).json()) as {
        items: { id: string; title: string; paid: boolean }[];
      };
      const fire = courses.items.find((c) => c.title === 'Fire Safety at Work')!;
      await p.goto(at(`/lms/courses/${fire.id}`));
      await p.getByRole('heading', { name: 'Course description', level: 2 }).waitFor();
      await p.waitForLoadState('networkidle');
      await p.screenshot({ path: path.join(SHOTS, 'course-page.png'), fullPage: true });
      await checkA11y(p, 'course page with its description');
      // A quiz with unanswered questions asks before it uses an attempt.
      // Submitted attempts (starting one makes an attempt in progress; only submitting uses it).
      const count = async () =>
        ((await (await admin.request.get(at('/api/quiz-submissions?limit=500'))).json()) as { items: { status: string }[] }).items.filter(
          (x) => x.status !== 'in_progress',
        ).length;
      const before = await count();
      await p.getByRole('link', { name: 'Fire safety check' }).click();
      await p.getByRole('button', { name: /Start the quiz|Try again/ }).click();
      await p.getByRole('button', { name: 'Submit answers' }).click();
      const dialog = p.getByRole('dialog', { name: 'Submit with unanswered questions?' });
      await dialog.getByText(/questions are not answered/).waitFor();
      await checkA11y(p, 'quiz submit confirmation');
      await dialog.getByRole('button', { name: 'Keep answering' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(await count()).toBe(before);
      const paid = courses.items.find((c) => c.paid)!;
      await p.goto(at(`/lms/courses/${paid.id}`));
      await p.getByText('This is a paid course: buy it to enroll.', { exact: false }).waitFor();
      // Bought, not enrolled into: a Buy button with the price, no Enroll that can only fail.
      expect(await p.getByRole('main').getByRole('button', { name: /Enroll/ }).count()).toBe(0);
      expect(await p.getByRole('main').getByRole('button', { name: 'Buy for €149.00' }).count()).toBe(1);
      await checkA11y(p, 'paid course page');
    } finally {
      await learner.close();
    }
  });

  it('statistics: overdue learners are a bar beside the expected stack (never on top of it); every course of the score chart is labelled', async () => {
    await page.goto(at('/app/statistics'));
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor();
    // Learners at risk: due dates in words ("due by 21 Dec 2026"), not as stored.
    const atRisk = page.getByRole('region', { name: 'Learners below 100% due within 14 days or overdue' });
    await atRisk.locator('tbody tr').first().waitFor();
    expect(await atRisk.innerText()).toMatch(/due by \d{1,2} \w{3} \d{4}/);
    expect(await atRisk.innerText()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const compliance = (await (await admin.request.get(at('/api/statistics/mandatory-compliance'))).json()) as {
      title: string;
      expected: number;
      overdue: number;
    }[];
    const chart = page.locator('[aria-label="Mandatory training compliance chart"]');
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    // The overdue bar says it counts some of the stack's people, not more of them.
    await page.getByText('Of these, overdue').first().waitFor();
    expect(await page.getByTestId('compliance-chart-caption').innerText()).toMatch(/red bar beneath counts how many of those not yet completed/);
    // Series layers in order: Completed, In progress, Not started, Overdue. Overdue bars start at
    // the axis like the completed ones, not where "not started" ends.
    expect(compliance.some((r) => r.overdue > 0)).toBe(true);
    const layers = chart.locator('.recharts-bar');
    const lefts = async (i: number) =>
      (
        await layers
          .nth(i)
          .locator('.recharts-rectangle')
          .evaluateAll((els) => els.map((e) => e.getBoundingClientRect()))
      )
        .filter((b) => b.width > 0)
        .map((b) => b.left);
    const origin = Math.min(...(await lefts(0)));
    const overdueLefts = await lefts(3);
    expect(overdueLefts.length).toBeGreaterThan(0);
    for (const left of overdueLefts) expect(Math.abs(left - origin)).toBeLessThan(1);
    const labels = await chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect(labels.length).toBe(compliance.length);

    const scores = (await (await admin.request.get(at('/api/statistics/assessment-scores'))).json()) as
      { title: string }[] | { items: { title: string }[] };
    const scoreRows = Array.isArray(scores) ? scores : scores.items;
    const scoreChart = page.locator('[aria-label="Average assessment score chart"]');
    await scoreChart.locator('.recharts-bar-rectangle').first().waitFor();
    const scoreLabels = await scoreChart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect(scoreLabels.length).toBe(scoreRows.length);
    await checkA11y(page, '/app/statistics');
  });

  it('shows no page errors along the way', () => {
    expect(pageErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
