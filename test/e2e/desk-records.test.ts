/**
 * The desk's records read in words, against the demo organisation (`smooth seed --demo`) at
 * 1366×850: an enrollment with links, readable dates and a history in words, and by whom it was
 * deleted; a recertified enrollment's cycles; an onboarding titled by name and date; HR documents
 * that say which have expired, with their file; compliance stages in words and a completion
 * recorded after the fact; certificates, compliance types and quiz attempts as issued; the audit
 * log naming records instead of showing ids. Every page visited passes axe (no serious or critical
 * violations).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkA11y, describeBrowser, logoPng, type TestServer } from './helpers.ts';
import { openDemoDesk } from './demo-desk.ts';

describeBrowser('desk: records of the demo organisation read in words', () => {
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
    // Said next to the day it is about (the field is marked and described by it).
    const field = dialog.getByLabel('Completed on');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByRole('alert').count()).toBe(0);
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
