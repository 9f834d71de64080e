/**
 * The desk as a training manager meets it, against the demo organisation (`smooth seed --demo`) at
 * 1366×850: assigning training to a department or one person shows what happened; the enrollment
 * list finds rows by course title as you type; an impossible progress range is explained next to
 * the field; a form says in words which field is missing; lists are dense; an unknown URL shows the
 * app's not-found page. Every page visited passes axe (no serious or critical violations).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, logoPng, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const PASSWORD = 'demo-password-2026';
const SHOTS = path.resolve('docs/screenshots');

describeBrowser('desk: a training manager with the demo organisation', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'en-GB', acceptDownloads: true });
    admin.setDefaultTimeout(UI_WAIT);
    const login = await admin.request.post(at('/api/auth/login'), { data: { email: 'admin@demo.smooth', password: PASSWORD } });
    expect(login.status()).toBe(200);
    page = await admin.newPage();
    pageErrors = watchPageErrors(page);
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

  it('an enrollment reads as a record with links and readable dates; its history speaks in words; once deleted, its page says by whom', async () => {
    const found = await admin.request.get(at(`/api/enrollments?q=${encodeURIComponent('Anti-Bribery')}&limit=1`));
    const e = ((await found.json()) as { items: { id: string; memberId: string; courseId: string }[] }).items[0]!;
    await page.goto(at(`/app/lms-enrollment/${e.id}`));
    await page.getByRole('heading', { name: /^Enrollment of /, level: 1 }).waitFor();
    const details = page.getByRole('region', { name: 'Details' });
    await details.getByRole('link', { name: 'Anti-Bribery & Corruption' }).waitFor();
    expect(await details.getByRole('link').first().getAttribute('href')).toBe(`/app/user/${e.memberId}`);
    expect(await page.locator('input[disabled]').count()).toBe(0);
    const text = (await page.getByRole('main').textContent()) ?? '';
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    const history = page.getByTestId('audit-history');
    await history.getByRole('cell', { name: 'Member', exact: true }).waitFor();
    expect(await history.getByText('memberId').count()).toBe(0);
    await history.getByText('Created', { exact: true }).waitFor();
    // Codes read as words there too ("By staff", "Active"), not as stored ("admin", "active").
    const sourceRow = history.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Source', exact: true }) });
    expect(await sourceRow.first().innerText()).toMatch(/By staff|Self-enrolled|Onboarding|Training assignment|Cohort/);
    const statusRow = history.getByRole('row').filter({ has: page.getByRole('cell', { name: 'Status', exact: true }) });
    expect(await statusRow.first().innerText()).toMatch(/\bActive\b/);
    await checkA11y(page, 'an enrollment');

    const del = await admin.request.delete(at(`/api/enrollments/${e.id}`));
    expect(del.status()).toBe(204);
    await page.goto(at(`/app/lms-enrollment/${e.id}`));
    const gone = page.getByTestId('deleted-record');
    await gone.getByRole('heading', { name: 'This enrollment was deleted' }).waitFor();
    await gone.getByText('Amara Okafor').waitFor();
    await gone.getByRole('link', { name: 'Anti-Bribery & Corruption' }).waitFor();
    expect(await page.getByText('does not exist').count()).toBe(0);
    await checkA11y(page, 'a deleted enrollment');
  });

  it('a recertified enrollment lists its cycles: the closed one with its certificate, the current one begun again', async () => {
    // The demo's Fire Safety course renews yearly: the seed's recertification run opened one learner's second cycle.
    const list = await admin.request.get(at(`/api/enrollments?q=${encodeURIComponent('Fire Safety at Work')}&limit=100`));
    const ids = ((await list.json()) as { items: { id: string }[] }).items.map((e) => e.id);
    const counts = await Promise.all(ids.map(async (id) => ((await (await admin.request.get(at(`/api/enrollments/${id}/cycles`))).json()) as { items: unknown[] }).items.length));
    const id = ids[counts.indexOf(2)]!;
    await page.goto(at(`/app/lms-enrollment/${id}`));
    const cycles = page.getByTestId('enrollment-cycles');
    await cycles.getByRole('heading', { name: 'Recertification cycles' }).waitFor();
    const [first, second] = [cycles.getByRole('row').nth(1), cycles.getByRole('row').nth(2)];
    expect(await first.innerText()).toMatch(/^1\s.*\d{1,2} \w{3} \d{4} – \d{1,2} \w{3} \d{4}\s+\d{1,2} \w{3} \d{4}\s+\d+\s+.*Issued \d{1,2} \w{3} \d{4}, expires/s);
    expect(await second.innerText()).toMatch(/^2\s+Current\s.*– now\s+Not yet\s+0\s+—\s+—$/s);
    // The history says the enrollment was recertified, in words: the cycle closed and its certificate by name.
    const history = page.getByTestId('audit-history');
    const entry = history.getByTestId('audit-entry').filter({ hasText: 'Recertified' });
    await expect.poll(() => entry.innerText()).toMatch(/Closed cycle\s+—\s+→ 1\s+Certificate\s+—\s+→ Fire Safety at Work, issued \d{1,2} \w{3} \d{4}/);
    // And, before it, that the learner completed the course (by its lessons).
    expect(await history.locator('[data-action="complete"]').innerText()).toMatch(/^Completed\s+by .+ · .*\n[\s\S]*Completed at\s+—\s+→ \d{1,2} \w{3} \d{4}, \d{2}:\d{2}/);
    await checkA11y(page, 'a recertified enrollment');
    await first.getByRole('link', { name: /^Issued / }).click();
    await page.getByRole('heading', { name: /^Fire Safety at Work — /, level: 1 }).waitFor();
  });

  it('an onboarding is titled by the employee’s name and a readable date', async () => {
    const list = await admin.request.get(at('/api/employee-onboardings?limit=1'));
    const o = ((await list.json()) as { items: { id: string; employeeId: string }[] }).items[0]!;
    const employee = (await (await admin.request.get(at(`/api/employees/${o.employeeId}`))).json()) as { fullName: string };
    await page.goto(at(`/app/employee-onboarding/${o.id}`));
    const heading = new RegExp(`^Onboarding of ${employee.fullName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} on \\d{1,2} \\w{3,4} \\d{4}$`);
    await page.getByRole('heading', { level: 1, name: /^Onboarding of / }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).first().textContent()).toMatch(heading);
    await checkA11y(page, 'an onboarding');
  });

  it('HR documents say which have expired and which expire within the month; compliance shows every stage in words', async () => {
    await page.goto(at('/app/employee-document'));
    await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    const rows = page.getByTestId('desk-list').locator('tbody tr');
    // The demo: a work permit expired five days ago, two expire within the month; one first aid
    // certificate has lapsed.
    await rows.filter({ hasText: 'Work permit' }).filter({ hasText: 'expired' }).first().waitFor();
    expect(await rows.filter({ hasText: 'First aid certificate' }).filter({ hasText: 'expired' }).count()).toBe(1);
    expect(await rows.filter({ hasText: 'expired' }).count()).toBe(2);
    expect(await rows.filter({ hasText: /In \d+ days?/ }).count()).toBe(2);
    await checkA11y(page, 'documents list');
    // A document's page says whose it is (linked), that it has expired, and takes its file.
    const permit = rows.filter({ hasText: 'Work permit' }).filter({ hasText: 'expired' }).first();
    const owner = (await permit.getByRole('cell').nth(2).innerText()).trim();
    await permit.getByRole('link').first().click();
    const about = page.getByTestId('document-owner');
    await about.getByRole('link', { name: new RegExp(owner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).waitFor();
    const file = page.getByTestId('document-file');
    await file.getByText('Expired', { exact: true }).waitFor();
    await file.getByText('No file attached yet.').waitFor();
    const input = file.locator('input[type="file"]');
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a scan') });
    await file.getByRole('button', { name: 'Upload' }).click();
    await file.getByText('The file must be a PDF, PNG or JPEG file.').waitFor();
    await input.setInputFiles({ name: 'permit-scan.png', mimeType: 'image/png', buffer: logoPng() });
    await file.getByRole('button', { name: 'Upload' }).click();
    await file.getByRole('button', { name: 'Download file' }).waitFor();
    expect(await file.innerText()).toContain('permit-scan.png');
    await file.getByText('Replace the file').waitFor();
    await checkA11y(page, 'a document with its file');
    // The employee's record flags the same document as expired.
    await about.getByRole('link').first().click();
    await page.getByRole('link', { name: 'Work permit' }).first().waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Work permit' }).first().innerText()).toContain('Expired');
    await page.goBack();
    await page.goBack();

    await page.goto(at('/app/employee-compliance'));
    await page.getByRole('heading', { name: 'Compliance', level: 1 }).waitFor();
    const badges = page.getByTestId('desk-list').locator('tbody .mantine-Badge-label');
    await badges.first().waitFor();
    const words = new Set(await badges.allTextContents());
    for (const w of words) expect(w).toMatch(/^(Pending|Completed|Expiring|Expired)$/);
    expect(words.has('Pending')).toBe(true);

    // HR records a completion after the fact: on an earlier day, never a future one; the renewal counts from it.
    await page.getByTestId('desk-list').getByRole('row').filter({ hasText: 'Pending' }).first().getByRole('link').first().click();
    const details = page.getByRole('region', { name: 'Details' });
    expect(await details.locator('[data-field="status"]').innerText()).toBe('Pending');
    await page.getByRole('button', { name: 'Mark complete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Mark this requirement complete' });
    const iso = (d: Date) => d.toISOString().slice(0, 10);
    const day = (s: string) => new Date(`${s}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    await dialog.getByLabel('Completed on').fill(iso(new Date(Date.now() + 3 * 86_400_000)));
    await dialog.getByRole('button', { name: 'Mark complete' }).click();
    await dialog.getByText('The completion date is in the future.').waitFor();
    expect(await details.locator('[data-field="status"]').innerText()).toBe('Pending');
    const earlier = iso(new Date(Date.now() - 20 * 86_400_000));
    await dialog.getByLabel('Completed on').fill(earlier);
    await dialog.getByRole('button', { name: 'Mark complete' }).click();
    await page.getByText(/^Marked complete on \d{1,2} \w+ \d{4}\.$/).first().waitFor();
    await expect.poll(() => details.locator('[data-field="completedOn"]').innerText()).toBe(day(earlier));
    expect(await details.locator('[data-field="status"]').innerText()).toMatch(/^(Completed|Expiring|Expired)$/);
    expect(await details.locator('[data-field="renewalDate"]').innerText()).toMatch(/^(\d{1,2} \w{3} \d{4}|—)$/);
    expect(await page.getByRole('button', { name: 'Mark complete' }).count()).toBe(0);
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

  it('records read as issued and by name: a certificate link keeps its exact code, a compliance type opens, a quiz attempt says its marks, the audit log names records', async () => {
    // The verification link exactly as issued (its code holds underscores and capitals).
    const certs = (await (await admin.request.get(at('/api/certificates?limit=5'))).json()) as { items: { id: string; verificationUrl: string }[] };
    const cert = certs.items[0]!;
    await page.goto(at(`/app/lms-certificate/${cert.id}`));
    const link = page.getByRole('region', { name: 'Details' }).locator('[data-field="verificationUrl"]').getByRole('link');
    expect(await link.innerText()).toBe(cert.verificationUrl);
    expect(await link.getAttribute('href')).toBe(cert.verificationUrl);
    expect(await page.getByRole('region', { name: 'Details' }).locator('[data-field="status"]').innerText()).toMatch(/^(Valid|Expired|Revoked)$/);
    // How it was issued, in words; a certificate the course gave on completion names no issuer (the learner only finished it).
    const source = page.getByRole('region', { name: 'Details' }).locator('[data-field="source"]');
    await expect.poll(() => source.innerText()).toMatch(/^(Issued on completing the course|Claimed by the learner on completion|Issued by staff by \S.+|Issued after an evaluation by \S.+)$/);

    // A compliance type opens from its list, and the records that use it name it.
    await page.goto(at('/app/compliance-type'));
    await page.getByTestId('desk-list').locator('tbody tr').first().getByRole('link').first().click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.getByText('does not exist').count()).toBe(0);
    expect(await page.getByLabel('Name').inputValue()).not.toBe('');

    // A graded quiz attempt: marks of the maximum, a percentage, the result in words.
    const subs = (await (await admin.request.get(at('/api/quiz-submissions?status=graded&limit=1'))).json()) as { items: { id: string; score: number; maxScore: number; percentage: number }[] };
    const sub = subs.items[0]!;
    await page.goto(at(`/app/lms-quiz-submission/${sub.id}`));
    const details = page.getByRole('region', { name: 'Details' });
    expect(await details.locator('[data-field="score"]').innerText()).toBe(`${sub.score} of ${sub.maxScore} marks`);
    expect(await details.locator('[data-field="percentage"]').innerText()).toBe(`${sub.percentage}%`);
    expect(await details.locator('[data-field="passed"]').innerText()).toMatch(/^(Passed|Not passed)$/);
    expect(await details.locator('[data-field="status"]').innerText()).toBe('Graded');

    // The audit log names enrollments and training assignments instead of showing their ids.
    for (const entity of ['enrollment', 'training_assignment']) {
      await page.goto(at(`/app/audit-log?entity=${entity}`));
      const first = page.getByTestId('desk-list').locator('tbody tr').first();
      await first.waitFor();
      await expect.poll(() => first.innerText()).toMatch(entity === 'enrollment' ? / in / : / for /);
      await expect.poll(() => first.innerText()).not.toMatch(/\b[0-9a-z]{26}\b/);
    }
  });

  it('a training assignment completed before its course gained a lesson says why its progress is below 100%', async () => {
    const api = admin.request;
    const done = (await (await api.get(at('/api/training-assignments?status=completed&limit=1'))).json()) as { items: { id: string; courseId: string; progress: number | null }[] };
    const a = done.items[0]!;
    expect(a.progress).toBe(100);
    const outline = (await (await api.get(at(`/api/courses/${a.courseId}/outline`))).json()) as { chapters: { id: string }[] };
    const added = await api.post(at(`/api/chapters/${outline.chapters[0]!.id}/lessons`), { data: { title: 'What changed this year', kind: 'text', body: 'New rules.' } });
    expect(added.status()).toBe(201);
    await page.goto(at(`/app/lms-training-assignment/${a.id}`));
    await page.getByText(/^Completed on .*; the course has changed since \(new lessons count in its progress\)\. The completion stands\.$/).waitFor();
    await checkA11y(page, 'completed assignment of a changed course');
  });

  it('an employee\'s history names the manager they report to, and the audit log names its entities once each', async () => {
    const api = admin.request;
    const emps = (await (await api.get(at('/api/employees?limit=2'))).json()) as { items: { id: string; fullName: string }[] };
    const [who, manager] = emps.items;
    expect((await api.patch(at(`/api/employees/${who!.id}`), { data: { reportsToId: manager!.id } })).status()).toBe(200);
    await page.goto(at(`/app/employee/${who!.id}`));
    const history = page.getByRole('region', { name: 'History' });
    await history.getByTestId('audit-entry').first().waitFor();
    await expect.poll(() => history.innerText()).toContain(manager!.fullName);
    // Every value in words: an id that is still being looked up reads as its name once the lookup answers.
    await expect.poll(() => history.innerText()).not.toMatch(/\b[0-9a-z]{26}\b/);
    // Entities in words, one each ("Training assignment" was listed twice: hand-in assignments read as it).
    await page.goto(at('/app/audit-log'));
    await page.getByRole('combobox', { name: 'Entity' }).click();
    const names = await page.getByRole('option').allInnerTexts();
    expect(names).toContain('Assignment (hand-in)');
    expect(names).toContain('Notification preferences');
    expect(new Set(names).size).toBe(names.length);
    await page.keyboard.press('Escape');
    // A template and a person's preferences are named, not shown by their code or id.
    expect((await api.patch(at('/api/me/notification-preferences'), { data: { digest: 'daily' } })).status()).toBe(200);
    const template = (await (await api.get(at('/api/notification-templates'))).json()) as { items: { event: string; subject: string; body: string }[] };
    const issued = template.items.find((t) => t.event === 'certificate.issued')!;
    expect((await api.put(at('/api/notification-templates/certificate.issued'), { data: { subject: `${issued.subject}!`, body: issued.body } })).status()).toBe(200);
    for (const [entity, name] of [
      ['notification_template', '“Certificate issued” message'],
      ['notification_preferences', 'Preferences of Amara Okafor'],
    ] as const) {
      await page.goto(at(`/app/audit-log?entity=${entity}`));
      const first = page.getByTestId('desk-list').locator('tbody tr').first();
      await first.getByRole('link', { name }).waitFor();
    }
  });

  it('shows no page errors along the way', () => {
    expect(pageErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
