/**
 * The daily expiry job (certificates.expiry): certificates past their expiry date are marked
 * expired and those expiring within 30 days expiring, each once; revoked ones are left alone.
 */
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { DAY_MS } from '../../db/dialect.ts';
import { addMonths, certificateExpiryJob } from './certificate.service.ts';
import { certCourse, type Cert } from './certificate-test-helpers.ts';

describeDb('certificates: expiry', (env) => {
  it('the daily expiry job marks expired and expiring-within-30-days certificates once; revoked ones are skipped', async () => {
    const mod = await env.user(['Moderator']);
    const people = await Promise.all([env.user(), env.user(), env.user(), env.user()]);
    const year = await certCourse(env, { validityMonths: 12 });
    const today = new Date().toISOString().slice(0, 10);
    const lastYear = addMonths(today, -12);
    const issue = async (i: number, issueDate: string) =>
      json<Cert>(
        await env.req('POST', '/api/certificates', {
          as: mod,
          body: { memberId: people[i]!.id, courseId: year.courseId, issueDate, reason: 'Paper certificate on file' },
        }),
      );
    const expired = await issue(0, addMonths(today, -13));
    const expiring = await issue(1, addMonths(addMonths(today, 10), -22)); // expires in ~10 days... computed below
    const fresh = await issue(2, today);
    const revoked = await issue(3, addMonths(today, -14));
    await env.req('POST', `/api/certificates/${revoked.id}/revoke`, { as: mod, body: { reason: 'x' } });
    // Make one expire in exactly 10 days regardless of month lengths.
    const in10 = new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
    await env.ctx.db.updateTable('certificates').set({ expiry_date: in10, issue_date: lastYear }).where('id', '=', expiring.id).execute();

    expect(certificateExpiryJob.name).toBe('certificates.expiry');
    await certificateExpiryJob.run(env.ctx);
    const notice = async (id: string) =>
      (await env.ctx.db.selectFrom('certificates').select('expiry_notice').where('id', '=', id).executeTakeFirstOrThrow()).expiry_notice;
    expect(await notice(expired.id)).toBe('expired');
    expect(await notice(expiring.id)).toBe('expiring');
    expect(await notice(fresh.id)).toBeNull();
    expect(await notice(revoked.id)).toBeNull();
    const again = await certificateExpiryJob.run(env.ctx);
    expect(again).toMatchObject({ expiring: 0 });
    expect(json<Cert>(await env.req('GET', `/api/certificates/${expired.id}`, { as: mod })).status).toBe('expired');
    expect(json<Cert>(await env.req('GET', `/api/certificates/${expiring.id}`, { as: mod })).status).toBe('valid');
  });
});
