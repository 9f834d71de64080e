/**
 * The desk in a real browser against a real server and database: an admin filters the
 * enrollment list by progress range and course, sorts it from a column header, searches from the
 * header box, imports a CSV (a bad row first, then the valid
 * rows), downloads the Course Quiz PDF of an enrollment, deletes an enrollment and finds it in the
 * audit history; an HR user creates an employee and an onboarding and sees the mandatory
 * enrollments it made; the statistics page shows the compliance numbers. Test data comes from the API.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  checkA11y,
  describeBrowser,
  launchBrowser,
  ok,
  screenshot,
  startTestServer,
  watchCspViolations,
  watchPageErrors,
  type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'desk.admin@example.com', password: 'admin-password-1', fullName: 'Dana Desk' };
const HR = { email: 'hilda.hr@example.com', password: 'hr-password-123', fullName: 'Hilda HR' };
const MANDATORY = 'Workplace Safety';
const OTHER = 'Advanced Spreadsheets';

interface Created {
  id: string;
}

describeBrowser('desk: lists, filters, import, enrollment actions, HR onboarding, statistics', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let cspViolations: string[];
  let mandatoryId: string;
  let otherId: string;
  const learners: { id: string; email: string; name: string; done: number }[] = [];
  const enrollmentOf = new Map<string, string>();

  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    admin.setDefaultTimeout(UI_WAIT);
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    await ok(await api.post(at('/api/users'), { data: { ...HR, roles: ['HR Manager'] } }), 201);

    const mandatory = await ok<Created>(
      await api.post(at('/api/courses'), { data: { title: MANDATORY, published: true, mandatory: true } }),
      201,
    );
    mandatoryId = mandatory.id;
    const other = await ok<Created>(await api.post(at('/api/courses'), { data: { title: OTHER, published: true } }), 201);
    otherId = other.id;
    const lessonIds: string[] = [];
    const ch = await ok<Created>(await api.post(at(`/api/courses/${mandatoryId}/chapters`), { data: { title: 'Basics' } }), 201);
    for (let i = 1; i <= 4; i++) {
      lessonIds.push(
        (
          await ok<Created>(
            await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: `Lesson ${i}`, kind: 'text', body: `Text ${i}` } }),
            201,
          )
        ).id,
      );
    }
    const ch2 = await ok<Created>(await api.post(at(`/api/courses/${otherId}/chapters`), { data: { title: 'Only chapter' } }), 201);
    await ok(await api.post(at(`/api/chapters/${ch2.id}/lessons`), { data: { title: 'Formulas', kind: 'text', body: 'x' } }), 201);

    // Five learners in the mandatory course at 0, 25, 50, 75 and 100 %; each also in the other course at 0 %.
    const names = ['Alma Zero', 'Bert Quarter', 'Cleo Half', 'Dirk Threequarter', 'Emma Done'];
    for (let i = 0; i < names.length; i++) {
      const email = `learner${i}@example.com`;
      const u = await ok<Created>(
        await api.post(at('/api/users'), { data: { email, fullName: names[i], password: 'learner-password-1', roles: ['LMS Student'] } }),
        201,
      );
      learners.push({ id: u.id, email, name: names[i]!, done: i });
      const e = await ok<Created>(await api.post(at('/api/enrollments'), { data: { courseId: mandatoryId, memberId: u.id } }), 201);
      enrollmentOf.set(names[i]!, e.id);
      await ok(await api.post(at('/api/enrollments'), { data: { courseId: otherId, memberId: u.id } }), 201);
      const ctx = await browser.newContext();
      await ok(await ctx.request.post(at('/api/auth/login'), { data: { email, password: 'learner-password-1' } }), 200);
      for (let k = 0; k < i; k++) await ok(await ctx.request.post(at(`/api/lessons/${lessonIds[k]}/complete`)), 200);
      await ctx.close();
    }
    // Enrolled members that are not in the course yet, for the import.
    for (const n of ['Fay Import', 'Gus Import']) {
      await ok(
        await api.post(at('/api/users'), {
          data: { email: `${n.split(' ')[0]!.toLowerCase()}@example.com`, fullName: n, roles: ['LMS Student'] },
        }),
        201,
      );
    }

    page = await admin.newPage();
    pageErrors = watchPageErrors(page);
    cspViolations = await watchCspViolations(page);
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  const rowNames = async () =>
    (await page.getByTestId('desk-list').locator('tbody tr td:nth-child(2)').allInnerTexts()).map((s) => s.trim());

  it('filters the enrollment list by course and progress range, and keeps the filters in the URL', async () => {
    await page.goto(at('/app/lms-enrollment'));
    await page.getByRole('heading', { name: 'Enrollments', level: 1 }).waitFor();
    await page.getByTestId('list-count').filter({ hasText: '10 rows' }).waitFor();

    await page.getByRole('combobox', { name: 'Course', exact: true }).click();
    await page.getByRole('option', { name: MANDATORY }).click();
    await page.getByTestId('list-count').filter({ hasText: '5 rows' }).waitFor();

    await page.getByLabel('Progress % from').fill('25');
    await page.getByLabel('Progress % to').fill('75');
    await page
      .getByTestId('list-count')
      .filter({ hasText: '3 rows' })
      .waitFor()
      .catch(async (e: unknown) => {
        console.log(page.url(), await page.getByTestId('list-count').innerText(), await rowNames());
        throw e;
      });
    await page.waitForFunction(() => document.querySelector('[data-testid="desk-list"]')?.getAttribute('aria-busy') === 'false');
    expect((await rowNames()).sort()).toEqual(['Bert Quarter', 'Cleo Half', 'Dirk Threequarter']);

    const url = new URL(page.url());
    expect(url.searchParams.get('courseId')).toBe(mandatoryId);
    expect(url.searchParams.get('progressMin')).toBe('25');
    expect(url.searchParams.get('progressMax')).toBe('75');
    await page.reload();
    await page.getByTestId('list-count').filter({ hasText: '3 rows' }).waitFor();
    expect((await rowNames()).sort()).toEqual(['Bert Quarter', 'Cleo Half', 'Dirk Threequarter']);
    const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(exportHref).toContain(`courseId=${mandatoryId}`);
    expect(exportHref).toContain('progressMin=25');
    await checkA11y(page, '/app/lms-enrollment (filtered)');
    await screenshot(page, 'desk-enrollments-filtered');
  });

  it('sorts the enrollment list on the server from a column header and keeps the sort in the URL; "/" opens the search', async () => {
    const listed = (query: string) => page.locator(`[data-testid="desk-list"][data-query*="${query}"][aria-busy="false"]`).waitFor();
    await page.goto(at(`/app/lms-enrollment?courseId=${mandatoryId}`));
    await page.getByTestId('list-count').filter({ hasText: '5 rows' }).waitFor();
    const header = (key: string) => page.locator(`th:has([data-sort-key="${key}"])`);

    await header('progress').locator('button').click();
    await listed('sort=progress');
    expect(await rowNames()).toEqual(['Alma Zero', 'Bert Quarter', 'Cleo Half', 'Dirk Threequarter', 'Emma Done']);
    expect(await header('progress').getAttribute('aria-sort')).toBe('ascending');
    await header('progress').locator('button').click();
    await listed('sort=-progress');
    expect(await rowNames()).toEqual(['Emma Done', 'Dirk Threequarter', 'Cleo Half', 'Bert Quarter', 'Alma Zero']);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('-progress');
    await page.reload();
    await listed('sort=-progress');
    expect(await rowNames()).toEqual(['Emma Done', 'Dirk Threequarter', 'Cleo Half', 'Bert Quarter', 'Alma Zero']);
    expect(await header('progress').getAttribute('aria-sort')).toBe('descending');
    await header('memberName').locator('button').click();
    await listed('sort=memberName');
    expect(await rowNames()).toEqual(['Alma Zero', 'Bert Quarter', 'Cleo Half', 'Dirk Threequarter', 'Emma Done']);

    // "/" focuses the header search box; Enter opens the search page with one request's results.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    const box = page.getByRole('textbox', { name: 'Search the desk' });
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
    await box.fill('spreadsheets');
    await box.press('Enter');
    await page.waitForURL(/\/app\/search\?q=spreadsheets/);
    const courses = page.getByTestId('search-course');
    await courses.getByRole('link', { name: OTHER }).waitFor();
    await checkA11y(page, '/app/search');
    await courses.getByRole('link', { name: OTHER }).click();
    await page.waitForURL(new RegExp(`/app/lms-course/${otherId}$`));
  });

  it('imports a CSV: the dry run shows the bad row, then the valid rows are imported', async () => {
    await page.goto(at('/app/lms-enrollment/import'));
    await page.getByRole('heading', { name: 'Import enrollments', level: 1 }).waitFor();
    const csv = [
      'memberEmail,employeeCode,courseId,courseTitle,source,dueDate',
      `fay@example.com,,${otherId},,,`,
      `nobody@example.com,,${otherId},,,`,
      `gus@example.com,,,${OTHER},,`,
    ].join('\n');
    const file = { name: 'enrollments.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) };
    await page.locator('input[type="file"]').setInputFiles(file);
    await page.getByRole('button', { name: 'Check file (dry run)' }).click();
    const result = page.getByTestId('import-result');
    await result
      .and(page.locator('[data-status="finished"]'))
      .waitFor()
      .catch(async (e: unknown) => {
        console.log(await page.locator('main').innerText());
        throw e;
      });
    const errors = page.getByTestId('import-errors');
    await errors.waitFor();
    const firstError = (await errors.locator('tbody tr').first().innerText()).split('\t').map((s) => s.trim());
    expect(firstError[0]).toBe('3');
    expect(firstError[1]).toBe('memberEmail');
    expect(await page.getByTestId('import-summary').innerText()).toMatch(/3 of 3 rows checked .*· 1 problem in 1 row$/);
    await result.getByText(/With “all or nothing”, this file would import nothing/).waitFor();
    await checkA11y(page, '/app/lms-enrollment/import (dry run)');
    await screenshot(page, 'desk-import-dry-run');
    const before = await ok<{ total: number }>(await admin.request.get(at(`/api/enrollments?courseId=${otherId}&withTotal=true`)), 200);
    expect(before.total).toBe(5);

    await page.getByLabel('Import the valid rows, skip the others').check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page
      .getByTestId('import-summary')
      .filter({ hasText: /^(?!.*would).*created 2 /s })
      .waitFor();
    await result.and(page.locator('[data-status="finished"]')).waitFor();
    const after = await ok<{ total: number }>(await admin.request.get(at(`/api/enrollments?courseId=${otherId}&withTotal=true`)), 200);
    expect(after.total).toBe(7);
    await screenshot(page, 'desk-import-done');

    // What the import wrote, in the audit log: the import named by its file, kind, when and who.
    await page.getByRole('link', { name: 'See what this import wrote in the audit log' }).click();
    await page.waitForURL(/\/app\/audit-log\?importId=/);
    const scope = page.getByTestId('audit-scope');
    await expect
      .poll(() => scope.innerText())
      .toMatch(new RegExp(`The changes written by the import of enrollments\\.csv \\(enrollments\\) on .+ by ${ADMIN.fullName}: 2 rows written\\.`));
    await expect.poll(() => page.getByRole('row').filter({ hasText: OTHER }).count()).toBeGreaterThanOrEqual(2);
    await checkA11y(page, '/app/audit-log?importId=');
    await scope.getByRole('button', { name: 'Show every entry' }).click();
    await page.waitForURL((u) => !u.search.includes('importId'));
    await scope.waitFor({ state: 'detached' });
    await page.goto(at('/app/lms-enrollment/import'));

    // A file chosen for one kind of import is dropped when the kind changes (it would not fit).
    await page.locator('input[type="file"]').setInputFiles(file);
    await page.getByText('enrollments.csv').waitFor();
    await page.getByRole('radiogroup', { name: 'What to import' }).getByText('User accounts').click();
    await page.getByText('enrollments.csv').waitFor({ state: 'hidden' });
    await page.getByText('Choose a file').waitFor();
  });

  it('downloads the Course Quiz PDF of an enrollment', async () => {
    const id = enrollmentOf.get('Cleo Half')!;
    await page.goto(at(`/app/lms-enrollment/${id}`));
    await page.getByRole('heading', { name: 'Enrollment of Cleo Half', level: 1 }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Course Quiz PDF' }).click(),
    ]);
    const file = await download.path();
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    await checkA11y(page, '/app/lms-enrollment/:id');
    await screenshot(page, 'desk-enrollment-form');
  });

  it('adds a quiz lesson by picking the quiz by its title; without a quiz the form says what is missing and adds nothing', async () => {
    await ok(
      await admin.request.post(at('/api/quizzes'), {
        data: {
          title: 'Spreadsheet basics check',
          courseId: otherId,
          passingPercentage: 50,
          questions: [
            {
              kind: 'single',
              text: 'Which key recalculates?',
              marks: 1,
              options: [
                { text: 'F9', correct: true },
                { text: 'F1', correct: false },
              ],
            },
          ],
        },
      }),
      201,
    );
    const lessonsBefore = (
      await ok<{ chapters: { lessons: unknown[] }[] }>(await admin.request.get(at(`/api/courses/${otherId}/outline`)), 200)
    ).chapters[0]!.lessons.length;
    await page.goto(at(`/app/lms-course/${otherId}`));
    const editor = page.getByTestId('course-editor');
    await editor.getByLabel('New lesson title').fill('Check your formulas');
    await editor.getByLabel('Kind').click();
    await page.getByRole('option', { name: 'Quiz', exact: true }).click();
    await editor.getByRole('button', { name: 'Add lesson' }).click();
    await editor.getByText('Choose the quiz this lesson shows.').waitFor();
    const outline = async () =>
      (
        await ok<{ chapters: { lessons: { title: string; kind: string }[] }[] }>(
          await admin.request.get(at(`/api/courses/${otherId}/outline`)),
          200,
        )
      ).chapters[0]!.lessons;
    expect((await outline()).length).toBe(lessonsBefore);
    await checkA11y(page, 'course editor with the quiz picker');
    await editor.getByLabel(/^Quiz/).fill('Spreadsheet');
    await page.getByRole('option', { name: /Spreadsheet basics check/ }).click();
    await editor.getByRole('button', { name: 'Add lesson' }).click();
    await editor.getByText('Check your formulas').waitFor();
    const lessons = await outline();
    expect(lessons.length).toBe(lessonsBefore + 1);
    expect(lessons.at(-1)).toMatchObject({ title: 'Check your formulas', kind: 'quiz' });
  });

  it('previews a certificate template with unsaved edits, without saving them', async () => {
    const listed = await ok<{ id: string; title: string }[] | { items: { id: string; title: string }[] }>(
      await admin.request.get(at('/api/certificate-templates')),
      200,
    );
    const t = (Array.isArray(listed) ? listed : listed.items)[0]!;
    await page.goto(at(`/app/lms-certificate-template/${t.id}`));
    await page.getByText('A sample certificate rendered with this template as saved.').waitFor();
    const sent = page.waitForRequest((r) => r.url().endsWith('/preview.pdf') && (r.postData() ?? '').includes('Certificate of Excellence'));
    await page.getByLabel('Title', { exact: true }).fill('Certificate of Excellence');
    expect(JSON.parse((await sent).postData()!)).toEqual({ title: 'Certificate of Excellence' });
    await page.getByText('A sample certificate with your unsaved changes.').waitFor();
    const saved = await ok<{ title: string }>(await admin.request.get(at(`/api/certificate-templates/${t.id}`)), 200);
    expect(saved.title).toBe(t.title);
    await screenshot(page, 'desk-certificate-template-preview');
  });

  it('deletes an enrollment after a confirmation and finds it in the audit history', async () => {
    const id = enrollmentOf.get('Bert Quarter')!;
    await page.goto(at(`/app/lms-enrollment/${id}`));
    await page.getByRole('heading', { name: 'Enrollment of Bert Quarter', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/revokes the learner’s access/).waitFor();
    await dialog.getByText(/kept in the audit log/).waitFor();
    await screenshot(page, 'desk-enrollment-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((u) => u.pathname === '/app/lms-enrollment');
    const gone = await admin.request.get(at(`/api/enrollments/${id}`));
    expect(gone.status()).toBe(404);

    await page.goto(at(`/app/audit-log?entity=enrollment&entityId=${id}`));
    await page.getByRole('heading', { name: 'Audit Log', level: 1 }).waitFor();
    const rows = page.getByTestId('desk-list').locator('tbody tr');
    const byAction = (a: string) => rows.filter({ has: page.locator('.mantine-Badge-label', { hasText: new RegExp(`^${a}$`) }) });
    // Actions and entities read as words; the deleted record still opens from the log.
    await byAction('Deleted').waitFor();
    await byAction('Created').waitFor();
    await byAction('Deleted').getByText(ADMIN.fullName).waitFor();
    await byAction('Deleted').getByText('Enrollment', { exact: true }).waitFor();
    // It is named by its member and course, taken from the log (the enrollment itself is gone).
    const named = byAction('Deleted').getByRole('link', { name: /^Bert Quarter in / });
    expect(await named.getAttribute('href')).toBe(`/app/lms-enrollment/${id}`);
    expect(await rows.count()).toBe(2);
    // Whose history the log shows, in words (named from the log too).
    await expect.poll(() => page.getByTestId('audit-scope').innerText()).toMatch(/^The history of Bert Quarter in .+ \(enrollment\)\./);
    await checkA11y(page, '/app/audit-log');
    await screenshot(page, 'desk-audit-log');
  });

  it('lets an HR user create an employee and an onboarding, which shows the mandatory enrollment it made', async () => {
    const hr = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    hr.setDefaultTimeout(UI_WAIT);
    try {
      const p = await hr.newPage();
      const errs = watchPageErrors(p);
      await ok(await hr.request.post(at('/api/auth/login'), { data: { email: HR.email, password: HR.password } }), 200);
      await p.goto(at('/app'));
      const sidebar = p.getByRole('navigation', { name: 'Main navigation' });
      await sidebar.getByRole('link', { name: 'Employees', exact: true }).waitFor();
      expect(await sidebar.getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
      expect(await sidebar.getByRole('link', { name: 'Courses', exact: true }).count()).toBe(0);

      await p.goto(at('/app/employee/new'));
      await p.getByRole('heading', { name: 'New employee', level: 1 }).waitFor();
      // The API's field error shows next to its field.
      await p.getByRole('button', { name: 'Create employee' }).click();
      await p.waitForFunction(() => document.getElementById('field-employeeCode')?.getAttribute('aria-invalid') === 'true');
      await p.getByLabel('Employee code').fill('E-100');
      await p.getByLabel('Full name').fill('Alma Zero');
      await p.locator('#field-department').fill('Operations');
      await p.getByRole('combobox', { name: 'Linked user' }).fill('Alma');
      await p.getByRole('option', { name: /Alma Zero/ }).click();
      await p.getByRole('button', { name: 'Create employee' }).click();
      await p.getByRole('heading', { name: 'Alma Zero (E-100)', level: 1 }).waitFor();

      await p.goto(at('/app/employee-onboarding/new'));
      await p.getByRole('combobox', { name: 'Employee', exact: true }).fill('E-100');
      await p.getByRole('option', { name: /Alma Zero/ }).click();
      await p.getByRole('button', { name: 'Create employee onboarding' }).click();
      const enrolled = p.getByTestId('onboarding-enrolled');
      await enrolled.getByRole('link', { name: MANDATORY }).waitFor();
      await p.getByText('Enrolled in 1 course').waitFor();
      await checkA11y(p, '/app/employee-onboarding/:id');
      await screenshot(p, 'desk-onboarding');
      expect(errs).toEqual([]);
    } finally {
      await hr.close();
    }
  }, 60_000);

  it('shows the Mandatory Training Compliance widget with the expected numbers', async () => {
    await page.goto(at('/app/statistics'));
    await page.getByRole('heading', { name: 'Statistics', level: 1 }).waitFor();
    const row = page.getByTestId('compliance-table').locator(`tr[data-course-id="${mandatoryId}"]`);
    await row.waitFor();
    const expected = await ok<
      { courseId: string; expected: number; completed: number; inProgress: number; notStarted: number; overdue: number }[]
    >(await admin.request.get(at('/api/statistics/mandatory-compliance')), 200);
    const mine = expected.find((r) => r.courseId === mandatoryId)!;
    // One employee (Alma Zero, 0 %) is expected to take the mandatory course.
    expect(mine.expected).toBe(1);
    for (const col of ['expected', 'completed', 'inProgress', 'notStarted', 'overdue'] as const) {
      expect((await row.locator(`[data-col="${col}"]`).innerText()).trim(), col).toBe(String(mine[col]));
    }
    await page.locator('.recharts-surface').first().waitFor();
    // The same figures as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compliance-widget').getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('mandatory-training-compliance.csv');
    const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    expect(csv.split(/\r?\n/)[0]).toBe('Course,Expected,Completed,In progress,Not started,Overdue (of those not completed),Completed of expected (%)');
    expect(csv).toContain(`,${mine.expected},${mine.completed},${mine.inProgress},${mine.notStarted},${mine.overdue},`);
    // Completion by course: a stacked bar per course with learners, its rate in its label, and the CSV.
    const completion = page.getByTestId('completion-widget');
    await completion.getByRole('heading', { name: 'Completion by course' }).waitFor();
    const byCourse = await ok<{ title: string; enrolled: number; completionRate: number }[]>(await admin.request.get(at('/api/statistics/course-completion')), 200);
    const top = byCourse[0]!;
    expect(top.enrolled).toBeGreaterThan(0);
    await completion.locator('.recharts-surface').waitFor();
    await completion.getByText(`${top.title} (${top.completionRate}%)`).waitFor();
    const [byCourseCsv] = await Promise.all([page.waitForEvent('download'), completion.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(byCourseCsv.suggestedFilename()).toBe('completion-by-course.csv');
    await checkA11y(page, '/app/statistics');
    await screenshot(page, 'desk-statistics');
    expect(pageErrors).toEqual([]);
  });

  it('renders under a CSP without unsafe-inline: the styles Mantine writes carry the response nonce, nothing was refused', async () => {
    const csp = (await page.goto(`${server.url}/app/lms-enrollment`))!.headers()['content-security-policy']!;
    expect(csp).not.toContain('unsafe-inline');
    await page.getByTestId('desk-list').waitFor();
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const styles = await page.evaluate(() => [...document.querySelectorAll('style')].map((s) => s.nonce));
    expect(styles.length).toBeGreaterThan(0);
    expect(styles.every((n) => n === nonce)).toBe(true);
    expect(cspViolations).toEqual([]);
  });
});
