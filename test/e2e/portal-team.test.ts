/**
 * A manager's team in the portal: someone HR records as the manager (Reports to) of two people gets
 * "My team" in the portal, with counts, a chart and each person's open required training, overdue
 * first; a learner who manages nobody gets no such link.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, screenshot, signIn, startTestServer, type Credentials, type TestServer } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const MANAGER = { email: 'mona.manager@example.com', password: 'manager-password-1', fullName: 'Mona Manager' };
const REPORT = { email: 'rui.report@example.com', password: 'report-password-1', fullName: 'Rui Report' };

describeBrowser("portal: a manager's team", () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  const at = (p: string) => `${server.url}${p}`;
  const login = (who: Credentials) => signIn(browser, server, who, { viewport: { width: 1366, height: 900 } });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    const manager = await ok<{ id: string }>(await api.post(at('/api/users'), { data: { ...MANAGER, roles: ['LMS Student'] } }), 201);
    const report = await ok<{ id: string }>(await api.post(at('/api/users'), { data: { ...REPORT, roles: ['LMS Student'] } }), 201);
    const boss = await ok<{ id: string }>(await api.post(at('/api/employees'), { data: { employeeCode: 'M-1', fullName: MANAGER.fullName, userId: manager.id } }), 201);
    await ok(await api.post(at('/api/employees'), { data: { employeeCode: 'M-2', fullName: REPORT.fullName, userId: report.id, reportsToId: boss.id, department: 'Warehouse' } }), 201);
    await ok(await api.post(at('/api/employees'), { data: { employeeCode: 'M-3', fullName: 'Nia New', reportsToId: boss.id, department: 'Warehouse' } }), 201);
    const course = await ok<{ id: string }>(await api.post(at('/api/courses'), { data: { title: 'Manual Handling', published: true } }), 201);
    const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${course.id}/chapters`), { data: { title: 'Start' } }), 201);
    await ok(await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'Lifting', kind: 'text', body: 'Bend your knees.' } }), 201);
    await ok(await api.post(at('/api/training-assignments'), { data: { courseId: course.id, dueDate: '2099-03-01', memberIds: [report.id] } }), 201);
    // Time passes: the due date is now behind us (the API refuses past due dates, so the clock is moved in the database itself).
    const db = new Database(path.join(server.dataDir, 'smooth.db'));
    db.prepare('update training_assignments set due_date = ? where member_id = ?').run('2026-01-15', report.id);
    db.close();
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('the manager opens My team: counts, a chart, and each person with their overdue course first', async () => {
    const { ctx, page, errors: pageErrors } = await login(MANAGER);
    try {
      await page.goto(at('/lms'));
      await page.getByRole('link', { name: 'My team' }).first().click();
      await page.getByRole('heading', { name: 'My team', level: 1 }).waitFor();
      const rui = page.getByRole('article', { name: 'Rui Report' });
      await rui.getByText('1 overdue').waitFor();
      expect(await rui.getByRole('link', { name: 'Manual Handling' }).count()).toBe(1);
      expect(await rui.getByText('(overdue)').count()).toBe(1);
      await page.getByRole('article', { name: 'Nia New' }).getByText('Has no login yet').waitFor();
      expect(await page.getByTestId('team-stat-People').innerText()).toBe('2');
      expect(await page.getByTestId('team-stat-Overdue courses').innerText()).toBe('1');
      await page.locator('.recharts-bar-rectangle').first().waitFor({ state: 'attached' });
      // The overdue bar reads as part of each person's courses, not as more of them.
      await page.getByText('Of these, overdue').first().waitFor();
      expect(await page.getByTestId('team-chart-caption').innerText()).toMatch(/red bar beneath counts how many of those not yet completed/);
      await checkA11y(page, 'my team');
      await screenshot(page, 'portal-my-team');
      expect(pageErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('someone who manages nobody has no My team link', async () => {
    const { ctx, page, errors: pageErrors } = await login(REPORT);
    try {
      // The team is asked for alongside the page: wait for its answer before looking for the link.
      const team = page.waitForResponse((r) => r.url().endsWith('/api/me/team'));
      await page.goto(at('/lms'));
      await page.getByRole('heading', { name: 'My Courses', level: 1 }).waitFor();
      expect((await team).status()).toBe(200);
      expect(await page.getByRole('link', { name: 'My team' }).count()).toBe(0);
      expect(pageErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
