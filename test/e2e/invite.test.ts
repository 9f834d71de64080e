/**
 * HR finishes onboarding a new joiner: from the employee form an HR Manager invites the employee to
 * Smooth (the account is created linked to the employee with the roles chosen); the form then
 * shows when the invitation was sent and offers "Resend". The invitation arrives over SMTP; its
 * link opens the set-password page, which refuses a weak password in words, sets a good one once,
 * and the person logs in. "Forgot password?" on the login page asks for a reset link. Every page
 * and dialog on the way passes axe.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSmtp } from '../helpers/smtp.ts';
import { checkA11y, describeBrowser, launchBrowser, screenshot, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const DEMO_PASSWORD = 'demo-password-2026';
const NEW_PASSWORD = 'lantern orchard velvet 19';

describeBrowser('desk and portal: inviting an employee, choosing a password, forgot password', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let browser: Browser;
  let hr: BrowserContext;
  let admin: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let employeeId = '';
  const email = 'mei.tanaka@example.com';
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    smtp = await startSmtp();
    browser = await launchBrowser();
    admin = await browser.newContext();
    expect((await admin.request.post(at('/api/auth/login'), { data: { email: 'admin@demo.smooth', password: DEMO_PASSWORD } })).status()).toBe(200);
    const settings = await admin.request.patch(at('/api/settings'), { data: { smtpUrl: smtp.url }, headers: { origin: server.url } });
    expect(settings.status(), await settings.text()).toBe(200);
    hr = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'en-GB' });
    hr.setDefaultTimeout(UI_WAIT);
    expect((await hr.request.post(at('/api/auth/login'), { data: { email: 'hr@demo.smooth', password: DEMO_PASSWORD } })).status()).toBe(200);
    const created = await hr.request.post(at('/api/employees'), {
      data: { employeeCode: 'NEW-0001', fullName: 'Mei Tanaka', department: 'Finance' },
      headers: { origin: server.url },
    });
    expect(created.status(), await created.text()).toBe(201);
    employeeId = ((await created.json()) as { id: string }).id;
    page = await hr.newPage();
    pageErrors = watchPageErrors(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await smtp?.close();
    await server?.close();
  });

  it('an HR Manager invites the employee from the employee form and sees when the invitation was sent', async () => {
    await page.goto(at(`/app/employee/${employeeId}`));
    const panel = page.getByRole('region', { name: 'Smooth account' });
    await panel.getByText('Mei Tanaka has no account yet').waitFor();
    await checkA11y(page, 'employee form without an account');
    await panel.getByRole('button', { name: 'Invite to Smooth' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite Mei Tanaka to Smooth' });
    await dialog.waitFor();
    // Nothing typed: the field says what is missing and nothing is sent.
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.getByText('Enter the email address the invitation goes to.').waitFor();
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByRole('checkbox', { name: 'HR User' }).check();
    await checkA11y(page, 'invite dialog');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const state = page.getByTestId('employee-invitation');
    await state.getByText(/^Invitation sent \d{1,2} \w{3} \d{4}, \d\d:\d\d; the link works until /).waitFor();
    await state.getByText(`Account: ${email}`).waitFor();
    await state.getByRole('button', { name: 'Resend' }).waitFor();
    await checkA11y(page, 'employee form with an invitation');
    await screenshot(page, 'employee-invitation-sent');

    const user = (await (await hr.request.get(at(`/api/employees/${employeeId}/invitation`))).json()) as { invitation: { userId: string } };
    const roles = ((await (await hr.request.get(at(`/api/users/${user.invitation.userId}`))).json()) as { roles: string[] }).roles;
    expect(roles).toEqual(['LMS Student', 'HR User']);

    // Resend: a new message (the earlier link stops working).
    await state.getByRole('button', { name: 'Resend' }).click();
    await page.getByText(`Invitation sent again to ${email}.`).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('the invitation link sets the password once; the person logs in with it', async () => {
    const run = await admin.request.post(at('/api/jobs/mail.outbox/run'), { headers: { origin: server.url } });
    expect(run.status(), await run.text()).toBeLessThan(300);
    // The scheduled run (every minute) may have claimed one of them a moment before: it arrives all the same.
    await expect.poll(() => smtp.received.filter((m) => m.to.includes(email)).length).toBe(2);
    const mails = smtp.received.filter((m) => m.to.includes(email));
    const link = /\/lms\/set-password\?token=[A-Za-z0-9_-]{43}/.exec(mails[1]!.raw)?.[0];
    expect(link).toBeTruthy();
    const firstLink = /\/lms\/set-password\?token=[A-Za-z0-9_-]{43}/.exec(mails[0]!.raw)?.[0];

    const person = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    person.setDefaultTimeout(UI_WAIT);
    try {
      const p = await person.newPage();
      const errors = watchPageErrors(p);
      // The replaced link explains itself and offers a new one.
      await p.goto(at(firstLink!));
      await p.getByLabel('New password').fill(NEW_PASSWORD);
      await p.getByLabel('Repeat the password').fill(NEW_PASSWORD);
      await p.getByRole('button', { name: 'Set password' }).click();
      await p.getByRole('alert').getByText('This link is not valid').waitFor();
      await p.getByRole('link', { name: 'Ask for a new link' }).waitFor();

      await p.goto(at(link!));
      await p.getByRole('heading', { name: 'Choose your password' }).waitFor();
      await checkA11y(p, '/lms/set-password');
      await p.getByLabel('New password').fill('short');
      await p.getByLabel('Repeat the password').fill('short');
      await p.getByRole('button', { name: 'Set password' }).click();
      await p.getByText('Use at least 12 characters; a few unrelated words work well.').waitFor();
      // Long enough but on the common-passwords list: the server's words, next to the field.
      await p.getByLabel('New password').fill('passwordpassword');
      await p.getByLabel('Repeat the password').fill('passwordpassword');
      await p.getByRole('button', { name: 'Set password' }).click();
      await p.getByText('This password is on the list of common passwords').waitFor();
      await checkA11y(p, '/lms/set-password with a field error');
      await p.getByLabel('New password').fill(NEW_PASSWORD);
      await p.getByLabel('Repeat the password').fill(NEW_PASSWORD);
      await p.getByRole('button', { name: 'Set password' }).click();
      // Setting the password logs in: an HR User lands on the desk without typing it again.
      await p.waitForURL(/\/app$/);
      await p.getByRole('heading', { name: /^Welcome, /, level: 1 }).waitFor();

      // Used once: the same link again says so.
      const again = await person.newPage();
      await again.goto(at(link!));
      await again.getByLabel('New password').fill(`${NEW_PASSWORD} again`);
      await again.getByLabel('Repeat the password').fill(`${NEW_PASSWORD} again`);
      await again.getByRole('button', { name: 'Set password' }).click();
      await again.getByRole('alert').getByText('already been used').waitFor();
      // The refused links answered 422 on purpose (the browser logs that); nothing else went wrong.
      expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    } finally {
      await person.close();
    }
    // The employee form now shows the account as active.
    await page.reload();
    await page.getByTestId('employee-invitation').getByText(/^Active: the password has been set/).waitFor();
  });

  it('"Forgot password?" on the login page asks for a reset link and answers the same for any email', async () => {
    const anon = await browser.newContext({ viewport: { width: 1366, height: 850 }, locale: 'en-GB' });
    anon.setDefaultTimeout(UI_WAIT);
    try {
      const p = await anon.newPage();
      await p.goto(at('/login'));
      await p.getByRole('link', { name: 'Forgot password?' }).click();
      await p.waitForURL(/\/forgot-password$/);
      await p.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
      await checkA11y(p, '/forgot-password');
      await p.getByRole('button', { name: 'Send the link' }).click();
      await p.getByText('Enter your email address').waitFor();
      await p.getByLabel('Email').fill(email);
      await p.getByRole('button', { name: 'Send the link' }).click();
      await p.getByRole('heading', { name: 'Check your email' }).waitFor();
      const known = await p.getByRole('status').innerText();
      await checkA11y(p, '/forgot-password sent');
      await p.goto(at('/forgot-password'));
      await p.getByLabel('Email').fill('nobody.here@example.com');
      await p.getByRole('button', { name: 'Send the link' }).click();
      await p.getByRole('heading', { name: 'Check your email' }).waitFor();
      expect(await p.getByRole('status').innerText()).toBe(known);
    } finally {
      await anon.close();
    }
  });
});
