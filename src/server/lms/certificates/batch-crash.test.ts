import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeDb } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import {
  assertDatabaseIntact,
  assertHealthyAfterRestart,
  assertServes,
  fetchAs,
  killHard,
  startServerProcess,
  stopServer,
  waitUntil,
  writeTransactionProbe,
} from '../../../../test/helpers/server-process.ts';
import { nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import { ZIP_JOB_STALE_MS, zipJobPartPath } from './certificate-export.service.ts';

const CERTIFICATES = 2000;
const LEARNERS = 3000;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((d) => (d.isFile() ? [path.relative(dir, path.join(d.parentPath, d.name))] : []));
}

describeDb('certificate zip jobs cut off by a killed process', (env) => {
  it('kill -9 mid-zip: the job never shows done, nothing half-written is served or kept in the file store; the next start ends it failed at once (its process is gone) and removes its partial zip', async () => {
    const mod = await env.user(['Moderator']);
    const course = await makeCourse(env, { enableCertification: true, title: 'Crash Batch' });
    const now = nowIso();
    const users = Array.from({ length: CERTIFICATES }, (_, i) => ({
      id: newId(),
      email: `crash-cert-${i}-${newId().slice(-8).toLowerCase()}@example.test`,
      full_name: `Holder ${i}`,
      password_hash: null,
      enabled: 1,
      created_at: now,
      updated_at: now,
    }));
    const certs = users.map((u, i) => ({
      id: newId(),
      member_id: u.id,
      course_id: course.courseId,
      template_id: null,
      issue_date: '2026-01-15',
      expiry_date: null,
      verification_code: `crash-code-${i}-${newId()}`,
      source: 'manual',
      issued_by: null,
      revoked_at: null,
      revoked_by: null,
      revoke_reason: null,
      expiry_notice: null,
      expiry_notice_at: null,
      created_at: now,
    }));
    for (let i = 0; i < CERTIFICATES; i += 500) {
      await env.ctx.db
        .insertInto('users')
        .values(users.slice(i, i + 500))
        .execute();
      await env.ctx.db
        .insertInto('certificates')
        .values(certs.slice(i, i + 500))
        .execute();
    }
    const store = path.join(env.dataDir, 'files');
    const storedBefore = filesUnder(store);
    const fileRowsBefore = await env.count('files');
    const job = (id: string) => env.ctx.db.selectFrom('certificate_zip_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    let jobId: string;
    const first = await startServerProcess(env);
    try {
      const started = await fetchAs(first.url, mod, 'POST', '/api/certificates/zip-jobs', { filters: { courseId: course.courseId } });
      expect(started.status, await started.clone().text()).toBe(202);
      jobId = ((await started.json()) as { jobId: string }).jobId;
      // Killed once some certificates are in the zip (the job records how many).
      await waitUntil('progress of the zip job', async () => Number((await job(jobId)).processed) > 0);
      await killHard(first.child);
    } finally {
      await killHard(first.child);
    }

    const cut = await job(jobId);
    expect(cut.status, 'the job finished before it could be cut off').toBe('running');
    expect(Number(cut.processed)).toBeLessThan(CERTIFICATES);
    expect(cut.file_id).toBeNull();
    // The half-written zip (however much of it reached the disk) is outside the file store; the
    // store and its rows are as they were.
    expect(fs.existsSync(zipJobPartPath(env.ctx, jobId))).toBe(true);
    expect(filesUnder(store)).toEqual(storedBefore);
    expect(await env.count('files')).toBe(fileRowsBefore);

    // The job names the process that ran it (this machine, that process id, its start).
    expect(cut.owner?.startsWith(`${os.hostname()}:${first.child.pid}:`), String(cut.owner)).toBe(true);

    // Restarted at once, its heartbeat still recent: the new server sees that the job's process is
    // gone and ends it on start, without waiting for the heartbeat to go quiet.
    const second = await startServerProcess(env);
    try {
      const ended = await job(jobId);
      expect(ended).toMatchObject({ status: 'failed', file_id: null });
      expect(ended.error).toMatch(/stopped before it finished/);
      expect(Date.now() - Date.parse(cut.updated_at)).toBeLessThan(ZIP_JOB_STALE_MS);
      const read = await fetchAs(second.url, mod, 'GET', `/api/certificates/zip-jobs/${jobId}`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ id: jobId, status: 'failed', downloadUrl: null });
      const dl = await fetchAs(second.url, mod, 'GET', `/api/certificates/zip-jobs/${jobId}/download`);
      expect(dl.status).toBe(409);
      expect(await dl.json()).toMatchObject({ code: 'EXPORT_NOT_READY', status: 'failed' });
      // Its partial zip is gone; the file store holds nothing it left.
      expect(fs.existsSync(zipJobPartPath(env.ctx, jobId))).toBe(false);
      expect(filesUnder(store)).toEqual(storedBefore);
      expect(await env.count('files')).toBe(fileRowsBefore);
      await assertServes(second.url);
    } finally {
      await stopServer(second.child);
    }

    // A job of a process on another machine with a recent heartbeat may still be running there: a
    // start leaves it; once its heartbeat is ZIP_JOB_STALE_MS old, the next start ends it.
    const elsewhere = newId();
    await env.ctx.db
      .insertInto('certificate_zip_jobs')
      .values({ ...cut, id: elsewhere, status: 'running', error: null, owner: 'another-host.example:4242:777', updated_at: nowIso() })
      .execute();
    const third = await startServerProcess(env);
    await stopServer(third.child);
    expect((await job(elsewhere)).status).toBe('running');
    const quiet = new Date(Date.now() - ZIP_JOB_STALE_MS - 60_000).toISOString();
    await env.ctx.db.updateTable('certificate_zip_jobs').set({ updated_at: quiet }).where('id', '=', elsewhere).execute();
    const fourth = await startServerProcess(env);
    await stopServer(fourth.child);
    expect(await job(elsewhere)).toMatchObject({ status: 'failed', file_id: null });
    assertDatabaseIntact(env);
  }, 120_000);

  it('kill -9 inside a structure change that finishes many learners at once: every learner has the completion and the certificate, or none has, and the lesson is deleted or not with them', async () => {
    const mod = await env.user(['Moderator']);
    const course = await makeCourse(env, { enableCertification: true, lessons: 2, title: 'Crash Finish' });
    const [kept, last] = course.lessonIds as [string, string];
    const now = nowIso();
    const users = Array.from({ length: LEARNERS }, (_, i) => ({
      id: newId(),
      email: `crash-finish-${i}-${newId().slice(-8).toLowerCase()}@example.test`,
      full_name: `Finisher ${i}`,
      password_hash: null,
      enabled: 1,
      created_at: now,
      updated_at: now,
    }));
    // Every learner has read the first lesson: deleting the second finishes them all, and the
    // course issues their certificates in the same transaction (set-based, many members at once).
    for (let i = 0; i < LEARNERS; i += 500) {
      const part = users.slice(i, i + 500);
      await env.ctx.db.insertInto('users').values(part).execute();
      await env.ctx.db
        .insertInto('enrollments')
        .values(
          part.map((u) => ({
            id: newId(),
            member_id: u.id,
            course_id: course.courseId,
            completed_lessons: 1,
            current_lesson_id: last,
            source: 'admin',
            batch_id: null,
            payment_id: null,
            completed_at: null,
            last_activity_at: now,
            created_by: null,
            created_at: now,
          })),
        )
        .execute();
      await env.ctx.db
        .insertInto('lesson_completions')
        .values(part.map((u) => ({ id: newId(), member_id: u.id, lesson_id: kept, course_id: course.courseId, completed_at: now })))
        .execute();
    }

    const certificateAudits = async () =>
      Number(
        (
          await env.ctx.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('entity', '=', 'certificate')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const auditsBefore = await certificateAudits();
    const probe = writeTransactionProbe(env);
    const { child, url } = await startServerProcess(env);
    let answer: number | string | null = null;
    try {
      const deleting = fetchAs(url, mod, 'DELETE', `/api/lessons/${last}`).then(
        (r) => (answer = r.status),
        () => (answer = 'cut off'),
      );
      // Killed inside the transaction: once a write transaction has been seen open for a while
      // (a short write of the request's own, a session touch, passes sooner), or once it is over.
      let seen = 0;
      await waitUntil('the structure change', async () => {
        if (answer !== null) return true;
        seen = (await probe.open()) ? seen + 1 : 0;
        return seen >= 10;
      });
      await killHard(child);
      await deleting;
    } finally {
      probe.close();
      await killHard(child);
    }

    const db = env.ctx.db;
    const lessonThere = (await db.selectFrom('lessons').select('id').where('id', '=', last).executeTakeFirst()) !== undefined;
    const c = await db.selectFrom('courses').select('lesson_count').where('id', '=', course.courseId).executeTakeFirstOrThrow();
    const enrollments = await db
      .selectFrom('enrollments')
      .select(['member_id', 'completed_lessons', 'completed_at'])
      .where('course_id', '=', course.courseId)
      .execute();
    const certificates = await db.selectFrom('certificates').select(['id', 'member_id']).where('course_id', '=', course.courseId).execute();
    const audited = (await certificateAudits()) - auditsBefore;
    expect(enrollments).toHaveLength(LEARNERS);
    expect(enrollments.every((e) => Number(e.completed_lessons) === 1)).toBe(true);
    if (lessonThere) {
      // Not committed: as it was.
      expect(answer).toBe('cut off');
      expect(Number(c.lesson_count)).toBe(2);
      expect(enrollments.filter((e) => e.completed_at !== null)).toHaveLength(0);
      expect(certificates).toHaveLength(0);
      expect(audited).toBe(0);
    } else {
      // Committed: everybody finished, each with one certificate and its audit entry.
      expect(Number(c.lesson_count)).toBe(1);
      expect(enrollments.filter((e) => e.completed_at === null)).toHaveLength(0);
      expect(new Set(certificates.map((x) => x.member_id)).size).toBe(LEARNERS);
      expect(certificates).toHaveLength(LEARNERS);
      expect(audited).toBe(LEARNERS);
    }

    await assertHealthyAfterRestart(env);
  }, 120_000);
});
