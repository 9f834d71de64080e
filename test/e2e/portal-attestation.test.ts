/**
 * Attestation in the portal: a learner who completed a course that asks for one reads the
 * statement on the course page, is told what is missing or wrong next to the password field, signs
 * it, and the certificate follows.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, launchBrowser, ok, startTestServer, watchPageErrors, type TestServer, UI_WAIT } from './helpers.ts';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1', fullName: 'Ada Admin' };
const LEARNER = { email: 'kofi.mensah@example.com', password: 'learner-password-1', fullName: 'Kofi Mensah' };
const STATEMENT = 'I have read the allergen rules and will label every dish.';

describeBrowser('portal: a learner attests a completed course', () => {
  let server: TestServer;
  let browser: Browser;
  let learnerCtx: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let courseId = '';
  const at = (p: string) => `${server.url}${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    const admin = await browser.newContext();
    const api = admin.request;
    await ok(await api.post(at('/api/setup'), { data: ADMIN }), 201);
    await ok(await api.post(at('/api/users'), { data: { ...LEARNER, roles: ['LMS Student'] } }), 201);
    const c = await ok<{ id: string }>(
      await api.post(at('/api/courses'), {
        data: {
          title: 'Allergen Awareness',
          published: true,
          enableCertification: true,
          requiresAttestation: true,
          attestationText: STATEMENT,
        },
      }),
      201,
    );
    courseId = c.id;
    const ch = await ok<{ id: string }>(await api.post(at(`/api/courses/${c.id}/chapters`), { data: { title: 'Start' } }), 201);
    const lesson = await ok<{ id: string }>(
      await api.post(at(`/api/chapters/${ch.id}/lessons`), { data: { title: 'The 14 allergens', kind: 'text', body: 'Celery, …' } }),
      201,
    );
    await admin.close();
    learnerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    learnerCtx.setDefaultTimeout(UI_WAIT);
    const lr = learnerCtx.request;
    await ok(await lr.post(at('/api/auth/login'), { data: { email: LEARNER.email, password: LEARNER.password } }), 200);
    await ok(await lr.post(at(`/api/courses/${c.id}/enroll`), { headers: { origin: server.url } }), 201);
    await ok(await lr.post(at(`/api/lessons/${lesson.id}/complete`), { headers: { origin: server.url } }), 200);
    page = await learnerCtx.newPage();
    pageErrors = watchPageErrors(page);
  }, 120_000);

  afterAll(async () => {
    await learnerCtx?.close();
    await browser?.close();
    await server?.close();
  });

  it('signs the statement with the password; empty and wrong passwords are explained next to the field; the certificate follows', async () => {
    await page.goto(at(`/lms/courses/${courseId}`));
    const panel = page.getByRole('region', { name: 'Your attestation' });
    await panel.getByText(STATEMENT).waitFor();
    const certificates = async () => ((await (await learnerCtx.request.get(at('/api/me/certificates'))).json()) as unknown[]).length;
    expect(await certificates()).toBe(0);
    await panel.getByRole('button', { name: 'Sign the statement' }).click();
    await panel.getByText('Enter your password to sign.').waitFor();
    await panel.getByLabel('Your password').fill('not the password');
    await panel.getByRole('button', { name: 'Sign the statement' }).click();
    await panel.getByText('The password is not correct.').waitFor();
    await checkA11y(page, 'course page with the attestation form');
    expect(await certificates()).toBe(0);
    await panel.getByLabel('Your password').fill(LEARNER.password);
    await panel.getByRole('button', { name: 'Sign the statement' }).click();
    await panel.getByText('You signed this statement.', { exact: false }).waitFor();
    // The course issues automatically: the certificate is there now.
    await page
      .getByRole('region', { name: 'Your certificate' })
      .getByRole('link', { name: /Download/ })
      .first()
      .waitFor();
    expect(await certificates()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
