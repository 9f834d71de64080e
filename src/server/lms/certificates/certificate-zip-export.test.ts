/**
 * Certificates as a zip of PDFs: streamed at once or built by a zip job with progress and a
 * download; a batch large enough for the render threads; jobs left behind by a stopped process
 * end as failed, and closing the app ends the running ones.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { reapZipJobs, stopZipJobs, ZIP_JOB_STALE_MS } from './certificate-export.service.ts';
import { certCourse } from './certificate-test-helpers.ts';

const run = promisify(execFile);

async function pdfText(buf: Buffer): Promise<string> {
  const file = path.join(os.tmpdir(), `cert-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, buf);
  try {
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    return stdout;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Entries of a stored zip: names and data, read through the central directory. */
function readZip(buf: Buffer): { name: string; data: Buffer }[] {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThanOrEqual(0);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    expect(buf.readUInt32LE(offset)).toBe(0x04034b50);
    const localName = buf.readUInt16LE(offset + 26);
    const localExtra = buf.readUInt16LE(offset + 28);
    const start = offset + 30 + localName + localExtra;
    out.push({ name, data: buf.subarray(start, start + size) });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

describeDb('certificates: zip export', (env) => {
  it('zip export: streamed zip of the filtered PDFs, and a zip job with progress whose download matches; other users get 404', async () => {
    const mod = await env.user(['Moderator']);
    const c = await certCourse(env, { title: 'Zip Course' });
    const people = await Promise.all([env.user(['LMS Student'], 'Örjan Ångström'), env.user(), env.user()]);
    for (const p of people) {
      expect((await env.req('POST', '/api/certificates', { as: mod, body: { memberId: p.id, courseId: c.courseId } })).statusCode).toBe(
        201,
      );
    }
    const res = await env.req('GET', `/api/certificates/export.zip?courseId=${c.courseId}`, { as: mod });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const entries = readZip(res.rawPayload);
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.data.subarray(0, 5).toString() === '%PDF-')).toBe(true);
    expect(entries.some((e) => e.name.startsWith('Örjan Ångström - Zip Course - '))).toBe(true);
    expect(await pdfText(entries.find((e) => e.name.startsWith('Örjan'))!.data)).toContain('Örjan Ångström');

    const learner = people[0];
    expect((await env.req('GET', `/api/certificates/export.zip?courseId=${c.courseId}`, { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/certificates/export.zip?status=bogus', { as: mod })).statusCode).toBe(400);

    const bad = await env.req('POST', '/api/certificates/zip-jobs', { as: mod, body: { filters: { courseId: c.courseId, extra: 1 } } });
    expect(bad.statusCode).toBe(400);
    const jobsBefore = await env.count('certificate_zip_jobs');
    expect(jobsBefore).toBe(0);
    const start = await env.req('POST', '/api/certificates/zip-jobs', { as: mod, body: { filters: { courseId: c.courseId } } });
    expect(start.statusCode).toBe(202);
    const { jobId, total } = json<{ jobId: string; total: number }>(start);
    expect(total).toBe(3);
    let job = { status: 'queued', processed: 0, total: 3, downloadUrl: null as string | null };
    const early = await env.req('GET', `/api/certificates/zip-jobs/${jobId}/download`, { as: mod });
    expect([200, 409]).toContain(early.statusCode);
    for (let i = 0; i < 200 && job.status !== 'done' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = json(await env.req('GET', `/api/certificates/zip-jobs/${jobId}`, { as: mod }));
    }
    expect(job).toMatchObject({ status: 'done', processed: 3, total: 3, downloadUrl: `/api/certificates/zip-jobs/${jobId}/download` });
    const dl = await env.req('GET', job.downloadUrl!, { as: mod });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/zip');
    expect(
      readZip(dl.rawPayload)
        .map((e) => e.name)
        .sort(),
    ).toEqual(entries.map((e) => e.name).sort());

    const otherMod = await env.user(['Moderator']);
    expect((await env.req('GET', `/api/certificates/zip-jobs/${jobId}`, { as: otherMod })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/certificates/zip-jobs/${jobId}/download`, { as: otherMod })).statusCode).toBe(404);
    expect((await env.req('GET', '/api/certificates/zip-jobs/0000000000000000000000zzzz', { as: mod })).statusCode).toBe(404);
  });

  it('a batch large enough for the render threads: every PDF in order, each with its own holder, revoked ones marked', async () => {
    const mod = await env.user(['Moderator']);
    const c = await certCourse(env, { title: 'Threaded Batch' });
    const now = nowIso();
    const n = 104;
    const users = Array.from({ length: n }, (_, i) => ({
      id: newId(),
      email: `batch-${i}-${newId().slice(-8).toLowerCase()}@example.test`,
      full_name: `${['Zoë', 'Дмитрий', 'Γιώργος', 'Ngozi'][i % 4]} Holder ${i}`,
      password_hash: null,
      enabled: 1,
      created_at: now,
      updated_at: now,
    }));
    await env.ctx.db.insertInto('users').values(users).execute();
    const certs = users.map((u, i) => ({
      id: newId(),
      member_id: u.id,
      course_id: c.courseId,
      template_id: null,
      issue_date: '2026-01-15',
      expiry_date: null,
      verification_code: `batch-code-${i}-${newId()}`,
      source: 'manual',
      issued_by: null,
      revoked_at: i % 16 === 5 ? now : null,
      revoked_by: null,
      revoke_reason: i % 16 === 5 ? 'Issued in error' : null,
      expiry_notice: null,
      expiry_notice_at: null,
      created_at: now,
    }));
    await env.ctx.db.insertInto('certificates').values(certs).execute();
    const res = await env.req('GET', `/api/certificates/export.zip?courseId=${c.courseId}`, { as: mod });
    expect(res.statusCode).toBe(200);
    const entries = readZip(res.rawPayload);
    const expected = certs.map((cert, i) => ({ cert, user: users[i]! })).sort((a, b) => (a.cert.id < b.cert.id ? 1 : -1));
    expect(entries.map((e) => e.name)).toEqual(expected.map((x) => `${x.user.full_name} - Threaded Batch - ${x.cert.id}.pdf`));
    for (const k of [0, 1, 2, 3, 51, 102, 103, ...expected.flatMap((x, k) => (x.cert.revoked_at ? [k] : []))]) {
      const text = await pdfText(entries[k]!.data);
      expect(text).toContain(expected[k]!.user.full_name);
      expect(text).toContain(`/lms/certificates/verify/${expected[k]!.cert.verification_code}`);
      // The watermark crosses the holder's name: pdftotext may drop a letter where they overlap.
      expect(/REV\s*O?\s*KED/.test(text)).toBe(expected[k]!.cert.revoked_at !== null);
    }
  }, 120_000);

  it('zip jobs left queued or running by a process that stopped end as failed; live and finished jobs are left alone', async () => {
    const mod = await env.user(['Moderator']);
    const longAgo = new Date(Date.now() - ZIP_JOB_STALE_MS - 60_000).toISOString();
    const job = (status: string, updatedAt: string) => ({
      id: newId(),
      created_by: mod.id,
      filters_json: '{}',
      status,
      processed: 2,
      total: 5,
      file_id: null,
      error: null,
      created_at: longAgo,
      updated_at: updatedAt,
    });
    const crashed = job('running', longAgo);
    const neverStarted = job('queued', longAgo);
    const live = job('running', nowIso());
    const failedLongAgo = { ...job('failed', longAgo), error: 'The export failed; it has been logged. Try again.' };
    await env.ctx.db.insertInto('certificate_zip_jobs').values([crashed, neverStarted, live, failedLongAgo]).execute();
    const jobsBefore = await env.count('certificate_zip_jobs');
    const filesBefore = await env.count('files');

    // Reading a job that stopped showing signs of life reports it failed (one statement ends every such job).
    const read = await env.req('GET', `/api/certificates/zip-jobs/${crashed.id}`, { as: mod });
    expect(read.statusCode).toBe(200);
    expect(json(read)).toMatchObject({ id: crashed.id, status: 'failed', processed: 2, downloadUrl: null });
    expect(json<{ error: string }>(read).error).toMatch(/stopped before it finished/);
    const dl = await env.req('GET', `/api/certificates/zip-jobs/${crashed.id}/download`, { as: mod });
    expect(dl.statusCode).toBe(409);
    expect(json(dl)).toMatchObject({ code: 'EXPORT_NOT_READY', status: 'failed' });
    const rows = await env.ctx.db
      .selectFrom('certificate_zip_jobs')
      .select(['id', 'status', 'error'])
      .where('created_by', '=', mod.id)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(neverStarted.id)?.status).toBe('failed');
    expect(byId.get(live.id)).toMatchObject({ status: 'running', error: null });
    expect(byId.get(failedLongAgo.id)).toMatchObject({ status: 'failed', error: failedLongAgo.error });
    expect(json(await env.req('GET', `/api/certificates/zip-jobs/${live.id}`, { as: mod }))).toMatchObject({ status: 'running' });

    // The sweep a starting server runs: ends only what is stale, and nothing twice.
    const another = job('running', longAgo);
    await env.ctx.db.insertInto('certificate_zip_jobs').values(another).execute();
    expect(await reapZipJobs(env.ctx)).toBe(1);
    expect(await reapZipJobs(env.ctx)).toBe(0);
    // An hour later the live job, had it stopped touching its row, would be ended too.
    expect(await reapZipJobs(env.ctx, new Date(Date.now() + 60 * 60_000))).toBe(1);
    expect(await env.count('certificate_zip_jobs')).toBe(jobsBefore + 1);
    expect(await env.count('files')).toBe(filesBefore);
  });

  it('closing the app stops running zip jobs: they end done or failed, never left running, and a stopped one leaves no file', async () => {
    const mod = await env.user(['Moderator']);
    const c = await certCourse(env, { title: 'Shutdown Course' });
    for (const p of await Promise.all([env.user(), env.user(), env.user(), env.user()])) {
      expect((await env.req('POST', '/api/certificates', { as: mod, body: { memberId: p.id, courseId: c.courseId } })).statusCode).toBe(
        201,
      );
    }
    const filesBefore = await env.count('files');
    const start = await env.req('POST', '/api/certificates/zip-jobs', { as: mod, body: { filters: { courseId: c.courseId } } });
    expect(start.statusCode).toBe(202);
    const { jobId } = json<{ jobId: string }>(start);
    await stopZipJobs(env.ctx);
    const row = await env.ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(['done', 'failed']).toContain(row.status);
    if (row.status === 'failed') {
      expect(row.error).toMatch(/server stopped/);
      expect(row.file_id).toBeNull();
      expect(await env.count('files')).toBe(filesBefore);
    } else {
      expect(await env.count('files')).toBe(filesBefore + 1);
    }
  });
});
