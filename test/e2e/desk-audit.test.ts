/**
 * Proof for auditors in the desk: an administrator runs the audit log's tamper check and sees the
 * chain intact with its entry count; the employee form's "Training record" action opens the
 * employee's training record PDF; a course's "Audit trail" downloads its entries for a date range,
 * with a wrong range explained next to the date; a record's history opens in the audit log, which
 * names the record it shows.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, screenshot, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'audit.admin@example.com', password: 'admin-password-1', fullName: 'Ada Auditor' };

describeBrowser('desk: audit log tamper check and the training record action', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let employeeId: string;
  let courseId: string;
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    admin.setDefaultTimeout(UI_WAIT);
    const api = admin.request;
    expect((await api.post(at('/api/setup'), { data: ADMIN })).status()).toBe(201);
    const user = await api.post(at('/api/users'), { data: { email: 'rosa@example.com', fullName: 'Rosa Record', password: 'rosa-password-12', roles: ['LMS Student'] } });
    expect(user.status()).toBe(201);
    const userId = ((await user.json()) as { id: string }).id;
    const emp = await api.post(at('/api/employees'), { data: { employeeCode: 'E-77', fullName: 'Rosa Record', userId } });
    expect(emp.status()).toBe(201);
    employeeId = ((await emp.json()) as { id: string }).id;
    const course = await api.post(at('/api/courses'), { data: { title: 'Harbour Crane Safety' } });
    expect(course.status()).toBe(201);
    courseId = ((await course.json()) as { id: string }).id;
    const chapter = await api.post(at(`/api/courses/${courseId}/chapters`), { data: { title: 'Start' } });
    const chapterId = ((await chapter.json()) as { id: string }).id;
    expect((await api.post(at(`/api/chapters/${chapterId}/lessons`), { data: { title: 'Signals', kind: 'text', body: 'Hand signals.' } })).status()).toBe(201);
    expect((await api.patch(at(`/api/courses/${courseId}`), { data: { published: true } })).status()).toBe(200);
    expect((await api.post(at('/api/training-assignments'), { data: { courseId, dueDate: '2099-05-31', memberIds: [userId] } })).status()).toBe(201);
    page = await admin.newPage();
    pageErrors = watchPageErrors(page);
  });

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('verifies the audit log chain from the audit log page', async () => {
    await page.goto(at('/app/audit-log'));
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const status = page.getByTestId('audit-chain-status');
    await status.waitFor();
    const entries = ((await (await admin.request.get(at('/api/audit-log/verify'))).json()) as { entries: number }).entries;
    expect(entries).toBeGreaterThan(1);
    expect(await status.innerText()).toContain(`Intact: ${entries.toLocaleString('en-GB')} entries`);
    // Every column fits the window (1280 px): the log does not scroll sideways.
    const list = page.getByTestId('desk-list');
    await list.locator('tbody tr').first().waitFor();
    const fit = await list.evaluate((table) => ({ wide: table.scrollWidth, room: table.closest('[role="region"]')?.clientWidth ?? 0 }));
    expect(fit.room).toBeGreaterThan(0);
    expect(fit.wide).toBeLessThanOrEqual(fit.room);
    await checkA11y(page, 'audit log with tamper check');
    await screenshot(page, 'desk-audit-verify');
    // Filters offer entities and actions in the words the list shows them in.
    await page.locator('#filter-action').click();
    await page.getByRole('option', { name: 'Created', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('action') === 'create');
    await expect.poll(async () => new Set((await list.locator('tbody tr td:nth-child(2)').allInnerTexts()).map((t) => t.trim()))).toEqual(new Set(['Created']));
    expect(pageErrors).toEqual([]);
  });

  it("the employee's page lists their training with links; the Training record action opens the PDF", async () => {
    await page.goto(at(`/app/employee/${employeeId}`));
    const courses = page.getByTestId('employee-courses');
    await courses.waitFor();
    const row = courses.getByRole('row').filter({ hasText: 'Harbour Crane Safety' });
    expect(await row.innerText()).toContain('Assigned');
    expect(await row.getByRole('link', { name: 'Enrolled' }).getAttribute('href')).toMatch(/^\/app\/lms-enrollment\//);
    expect(await row.innerText()).toContain('31 May 2099');
    await page.getByText('0 of 1 mandatory or assigned courses completed.').waitFor();
    await checkA11y(page, 'employee page with training');
    await screenshot(page, 'desk-employee-training');
    const link = page.getByRole('link', { name: 'Training record' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toBe(`/api/employees/${employeeId}/training-record.pdf`);
    const pdf = await admin.request.get(at(href!));
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(pageErrors).toEqual([]);
  });

  it("downloads a course's audit trail for a date range; a last day before the first is explained next to it", async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    await page.getByRole('button', { name: 'Audit trail' }).click();
    const dialog = page.getByRole('dialog', { name: 'Audit trail — Harbour Crane Safety' });
    await dialog.waitFor();
    await dialog.getByLabel('First day').fill('2026-12-06');
    await dialog.getByLabel('Last day').fill('2026-01-01');
    await dialog.getByRole('button', { name: 'Download PDF' }).click();
    await dialog.getByText('The last day comes before the first day').waitFor();
    await checkA11y(page, 'course audit trail dialog with an error');

    const today = new Date().toISOString().slice(0, 10);
    await dialog.getByLabel('First day').fill(today);
    await dialog.getByLabel('Last day').fill(today);
    const [pdf] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(pdf.suggestedFilename()).toBe(`audit-trail-Harbour-Crane-Safety-${today}-to-${today}.pdf`);
    expect(fs.readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-');
    const [csv] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download CSV' }).click()]);
    const text = fs.readFileSync(await csv.path(), 'utf8');
    expect(text).toContain('Course “Harbour Crane Safety”');
    expect(text).toContain('Ada Auditor');
    await screenshot(page, 'desk-course-audit-trail');
    expect(pageErrors).toEqual([]);
  });

  it("opens a record's history in the audit log, which says whose history it shows, by name", async () => {
    await page.goto(at(`/app/lms-course/${courseId}`));
    const history = page.getByRole('region', { name: 'History' });
    await history.getByTestId('audit-entry').first().waitFor();
    await history.getByRole('link', { name: 'Open in the audit log' }).click();
    await page.waitForURL((u) => u.pathname === '/app/audit-log' && u.searchParams.get('entity') === 'course' && u.searchParams.get('entityId') === courseId);
    const scope = page.getByTestId('audit-scope');
    await expect.poll(() => scope.innerText()).toMatch(/^The history of Harbour Crane Safety \(course\)\.\s+Show every entry$/);
    const rows = page.getByTestId('desk-list').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    expect(new Set(await rows.locator('td:nth-child(3)').allInnerTexts())).toEqual(new Set(['Course']));
    await checkA11y(page, 'audit log of one record');
    await scope.getByRole('button', { name: 'Show every entry' }).click();
    await page.waitForURL((u) => !u.searchParams.has('entityId'));
    await scope.waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
  });
});
