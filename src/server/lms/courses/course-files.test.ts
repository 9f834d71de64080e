import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { courseKit, enroll, ok, type Problem } from '../../../../test/helpers/courses.ts';
import { fileUpload, multipart, samples } from '../../../../test/helpers/multipart.ts';
import type { Course, Lesson } from '../../../contract/courses.ts';

const MB = 1024 * 1024;

/** Every stored file under the data directory (to prove no partial upload is left behind). */
function filesOnDisk(env: TestEnv): string[] {
  const root = path.join(env.dataDir, 'files');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

function upload(env: TestEnv, as: TestUser, url: string, form: { body: Buffer; headers: Record<string, string> }) {
  return env.req('PUT', url, { as, body: form.body, headers: form.headers });
}

describeDb('courses: images, lesson files, range requests', (env) => {
  const kit = courseKit(env);

  async function nothingWritten<T>(fn: () => Promise<T>): Promise<T> {
    const before = { rows: await env.count('files'), disk: filesOnDisk(env).length, audit: await env.count('audit_log') };
    const out = await fn();
    expect({ rows: await env.count('files'), disk: filesOnDisk(env).length, audit: await env.count('audit_log') }).toEqual(before);
    return out;
  }

  it('course image: PNG stored and served to anyone who sees the course; replaced images are removed; ETag revalidates', async () => {
    const creator = await env.user(['Course Creator']);
    const learner = await env.user();
    const c = await kit.course(creator, { published: true });
    const res = await upload(env, creator, `/api/courses/${c.id}/image`, fileUpload(samples.png, 'logo.png', 'image/png'));
    expect(res.statusCode, res.body).toBe(200);
    const withImage = json<Course>(res);
    expect(withImage.imageUrl).toMatch(new RegExp(`^/api/courses/${c.id}/image\\?v=[0-9a-z]+$`));

    const got = await env.req('GET', withImage.imageUrl!, { as: learner });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.rawPayload.equals(samples.png)).toBe(true);
    expect(got.headers['cache-control']).toContain('immutable');
    expect(got.headers['x-frame-options']).toBe('SAMEORIGIN'); // a file keeps the document headers: the portal frames PDFs
    const etag = got.headers.etag as string;
    expect(etag).toBe(`"${createHash('sha256').update(samples.png).digest('hex')}"`);
    const again = await env.req('GET', `/api/courses/${c.id}/image`, { as: learner, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);

    const row = await env.ctx.db
      .selectFrom('files')
      .selectAll()
      .where('id', '=', withImage.imageUrl!.split('v=')[1]!)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      filename: 'logo.png',
      content_type: 'image/png',
      size: samples.png.length,
      purpose: 'course-image',
      created_by: creator.id,
    });
    expect(row.storage_key).toBe(`files/${row.id.slice(0, 2)}/${row.id}`);
    expect(fs.existsSync(path.join(env.dataDir, row.storage_key))).toBe(true);

    // A GIF declared as text is still a GIF: the bytes decide.
    const replaced = json<Course>(
      await upload(env, creator, `/api/courses/${c.id}/image`, fileUpload(samples.gif, '../../etc/x.txt', 'text/plain')),
    );
    expect(replaced.imageUrl).not.toBe(withImage.imageUrl);
    expect(await env.ctx.db.selectFrom('files').select('id').where('id', '=', row.id).execute()).toEqual([]);
    expect(fs.existsSync(path.join(env.dataDir, row.storage_key))).toBe(false);
    const gif = await env.req('GET', replaced.imageUrl!, { as: learner });
    expect(gif.headers['content-type']).toBe('image/gif');
    expect(gif.headers['content-disposition']).toContain('filename="x.txt"');

    for (const [sample, type] of [
      [samples.jpeg, 'image/jpeg'],
      [samples.webp, 'image/webp'],
    ] as const) {
      const r = json<Course>(
        await upload(env, creator, `/api/courses/${c.id}/image`, fileUpload(sample, 'pic', 'application/octet-stream')),
      );
      expect((await env.req('GET', r.imageUrl!, { as: learner })).headers['content-type']).toBe(type);
    }
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', c.id)
      .where('action', '=', 'set-image')
      .execute();
    expect(audit).toHaveLength(4);
  });

  it('course image: wrong type 415, oversize 413, missing part 400, not multipart 415 — nothing stored', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await kit.course(creator);
    const url = `/api/courses/${c.id}/image`;

    const notImage = await nothingWritten(() => upload(env, creator, url, fileUpload(samples.text, 'fake.png', 'image/png')));
    expect(notImage.statusCode).toBe(415);
    expect(json<Problem>(notImage)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ path: 'file' }] });
    const svg = await nothingWritten(() =>
      upload(env, creator, url, fileUpload('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'x.svg', 'image/svg+xml')),
    );
    expect(svg.statusCode).toBe(415);
    const pdf = await nothingWritten(() => upload(env, creator, url, fileUpload(samples.pdf, 'doc.png', 'image/png')));
    expect(pdf.statusCode).toBe(415);

    // A real PNG header followed by more than 5 MB.
    const big = Buffer.concat([samples.png, Buffer.alloc(5 * MB + 1 - samples.png.length, 7)]);
    const tooBig = await nothingWritten(() => upload(env, creator, url, fileUpload(big, 'big.png', 'image/png')));
    expect(tooBig.statusCode).toBe(413);
    expect(json<Problem & { maxBytes: number }>(tooBig)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      maxBytes: 5 * MB,
      errors: [{ path: 'file' }],
    });
    // Exactly at the limit is fine.
    const atLimit = await upload(env, creator, url, fileUpload(big.subarray(0, 5 * MB), 'limit.png', 'image/png'));
    expect(atLimit.statusCode, atLimit.body).toBe(200);

    const fieldOnly = await nothingWritten(() => upload(env, creator, url, multipart([{ name: 'title', data: 'no file here' }])));
    expect(fieldOnly.statusCode).toBe(400);
    expect(json<Problem>(fieldOnly)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'file' }] });
    const wrongName = await nothingWritten(() =>
      upload(env, creator, url, multipart([{ name: 'image', filename: 'a.png', data: samples.png }])),
    );
    expect(wrongName.statusCode).toBe(400);
    expect(json<Problem>(wrongName).errors?.[0]?.path).toBe('file');
    const empty = await nothingWritten(() => upload(env, creator, url, fileUpload(Buffer.alloc(0), 'empty.png', 'image/png')));
    expect(empty.statusCode).toBe(400);
    expect(json<Problem>(empty).errors?.[0]?.path).toBe('file');
    const notMultipart = await nothingWritten(() => env.req('PUT', url, { as: creator, body: { file: 'x' } }));
    expect(notMultipart.statusCode).toBe(415);
    // Only the first file part is read; a second one is ignored.
    const twoFiles = await upload(
      env,
      creator,
      url,
      multipart([
        { name: 'file', filename: 'a.png', data: samples.png },
        { name: 'file', filename: 'b.gif', data: samples.gif },
      ]),
    );
    expect(twoFiles.statusCode, twoFiles.body).toBe(200);
    expect((await env.req('GET', json<Course>(twoFiles).imageUrl!, { as: creator })).headers['content-type']).toBe('image/png');
  });

  it('course image: only managers upload; the image is read under the course visibility rule', async () => {
    const creator = await env.user(['Course Creator']);
    const otherCreator = await env.user(['Course Creator']);
    const learner = await env.user();
    const draft = await kit.course(creator);
    await nothingWritten(async () => {
      expect((await upload(env, learner, `/api/courses/${draft.id}/image`, fileUpload(samples.png, 'a.png'))).statusCode).toBe(403);
      expect((await upload(env, otherCreator, `/api/courses/${draft.id}/image`, fileUpload(samples.png, 'a.png'))).statusCode).toBe(404);
    });
    expect((await env.req('GET', `/api/courses/${draft.id}/image`, { as: creator })).statusCode).toBe(404);
    await ok(upload(env, creator, `/api/courses/${draft.id}/image`, fileUpload(samples.png, 'a.png')));
    expect((await env.req('GET', `/api/courses/${draft.id}/image`, { as: creator })).statusCode).toBe(200);
    expect((await env.req('GET', `/api/courses/${draft.id}/image`, { as: learner })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/courses/${draft.id}/image`)).statusCode).toBe(401);
  });

  it('course image: removed by its managers (file row, bytes and audit entry), refused to others with nothing changed', async () => {
    const creator = await env.user(['Course Creator']);
    const otherCreator = await env.user(['Course Creator']);
    const learner = await env.user();
    const c = await kit.course(creator, { published: true });
    const url = `/api/courses/${c.id}/image`;
    const withImage = json<Course>(await upload(env, creator, url, fileUpload(samples.png, 'cover.png', 'image/png')));
    const fileId = withImage.imageUrl!.split('v=')[1]!;
    const key = (await env.ctx.db.selectFrom('files').select('storage_key').where('id', '=', fileId).executeTakeFirstOrThrow()).storage_key;

    // A learner may not; another author sees the published course but may not manage it; an unknown id is 404.
    for (const [who, status] of [
      [learner, 403],
      [otherCreator, 403],
    ] as const) {
      const refused = await nothingWritten(() => env.req('DELETE', url, { as: who }));
      expect(refused.statusCode).toBe(status);
    }
    expect((await nothingWritten(() => env.req('DELETE', '/api/courses/nosuchcourse/image', { as: creator }))).statusCode).toBe(404);
    expect((await nothingWritten(() => env.req('DELETE', url))).statusCode).toBe(401);
    expect((await env.req('GET', withImage.imageUrl!, { as: learner })).statusCode).toBe(200);

    const removed = await env.req('DELETE', url, { as: creator });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(json<Course>(removed).imageUrl).toBeNull();
    expect(await env.ctx.db.selectFrom('files').select('id').where('id', '=', fileId).execute()).toEqual([]);
    expect(fs.existsSync(path.join(env.dataDir, key))).toBe(false);
    expect((await env.req('GET', url, { as: learner })).statusCode).toBe(404);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('entity_id', '=', c.id)
      .where('action', '=', 'remove-image')
      .execute();
    expect(audit).toEqual([{ action: 'remove-image', actor_id: creator.id }]);

    // Removing again changes nothing (no second audit entry); two at once leave one entry.
    const again = await nothingWritten(() => env.req('DELETE', url, { as: creator }));
    expect(again.statusCode).toBe(200);
    await upload(env, creator, url, fileUpload(samples.gif, 'cover.gif', 'image/gif'));
    const files = await env.count('files');
    const both = await Promise.all([env.req('DELETE', url, { as: creator }), env.req('DELETE', url, { as: creator })]);
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(await env.count('files')).toBe(files - 1);
    expect(
      await env.ctx.db.selectFrom('audit_log').select('id').where('entity_id', '=', c.id).where('action', '=', 'remove-image').execute(),
    ).toHaveLength(2);
  });

  it('lesson files: PDF and video lessons take their own types only; others take none', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await kit.course(creator, { published: true });
    const ch = await kit.chapter(creator, c.id);
    const pdfLesson = await kit.lesson(creator, ch.id, { title: 'Policy', kind: 'pdf' });
    const videoLesson = await kit.lesson(creator, ch.id, { title: 'Clip', kind: 'video' });
    const textLesson = await kit.lesson(creator, ch.id, { title: 'Text' });
    const put = (l: Lesson, form: ReturnType<typeof fileUpload>) => upload(env, creator, `/api/lessons/${l.id}/file`, form);

    await nothingWritten(async () => {
      const png = await put(pdfLesson, fileUpload(samples.png, 'policy.pdf', 'application/pdf'));
      expect(png.statusCode).toBe(415);
      expect(json<Problem>(png).errors?.[0]?.path).toBe('file');
      const textAsMp4 = await put(videoLesson, fileUpload(samples.text, 'movie.mp4', 'video/mp4'));
      expect(textAsMp4.statusCode).toBe(415);
      const pdfAsVideo = await put(videoLesson, fileUpload(samples.pdf, 'movie.webm', 'video/webm'));
      expect(pdfAsVideo.statusCode).toBe(415);
      const mp4AsPdf = await put(pdfLesson, fileUpload(samples.mp4, 'a.pdf', 'application/pdf'));
      expect(mp4AsPdf.statusCode).toBe(415);
      const onText = await put(textLesson, fileUpload(samples.pdf, 'a.pdf', 'application/pdf'));
      expect(onText.statusCode).toBe(422);
      expect(json<Problem>(onText).code).toBe('LESSON_TAKES_NO_FILE');
    });
    expect((await env.req('GET', `/api/lessons/${pdfLesson.id}`, { as: creator }).then((r) => json<Lesson>(r))).fileUrl).toBeNull();
    expect((await env.req('GET', `/api/lessons/${pdfLesson.id}/file`, { as: creator })).statusCode).toBe(404);

    const pdf = await ok<Lesson>(put(pdfLesson, fileUpload(samples.pdf, 'Policy 2026 – übersicht.pdf', 'application/pdf')));
    expect(pdf.fileUrl).toMatch(new RegExp(`^/api/lessons/${pdfLesson.id}/file\\?v=`));
    expect(pdf.file).toEqual({ filename: 'Policy 2026 – übersicht.pdf', contentType: 'application/pdf', size: samples.pdf.length });
    const mp4 = await ok<Lesson>(put(videoLesson, fileUpload(samples.mp4, 'clip.mp4', 'video/mp4')));
    expect(mp4.file?.contentType).toBe('video/mp4');
    const webm = await ok<Lesson>(put(videoLesson, fileUpload(samples.webm, 'clip.webm', 'application/octet-stream')));
    expect(webm.file?.contentType).toBe('video/webm');
    expect(await env.ctx.db.selectFrom('files').select('purpose').where('purpose', '=', 'lesson-video').execute()).toHaveLength(1);

    const served = await env.req('GET', pdf.fileUrl!, { as: creator });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('application/pdf');
    expect(served.headers['content-disposition']).toContain("filename*=UTF-8''Policy%202026%20%E2%80%93%20%C3%BCbersicht.pdf");
    expect(served.rawPayload.equals(samples.pdf)).toBe(true);

    // Deleting the lesson removes its file.
    const key = (await env.ctx.db.selectFrom('files').select('storage_key').where('purpose', '=', 'lesson-video').executeTakeFirstOrThrow())
      .storage_key;
    expect((await env.req('DELETE', `/api/lessons/${videoLesson.id}`, { as: creator })).statusCode).toBe(204);
    expect(fs.existsSync(path.join(env.dataDir, key))).toBe(false);
    expect(await env.ctx.db.selectFrom('files').select('id').where('storage_key', '=', key).execute()).toEqual([]);
  });

  it('lesson files follow the lesson read rule', async () => {
    const creator = await env.user(['Course Creator']);
    const enrolled = await env.user();
    const outsider = await env.user();
    const c = await kit.course(creator, { published: true });
    const ch = await kit.chapter(creator, c.id);
    const locked = await kit.lesson(creator, ch.id, { kind: 'pdf' });
    const preview = await kit.lesson(creator, ch.id, { kind: 'pdf', isPreview: true });
    for (const l of [locked, preview]) await ok(upload(env, creator, `/api/lessons/${l.id}/file`, fileUpload(samples.pdf, 'a.pdf')));
    await enroll(env, enrolled.id, c.id);
    expect((await env.req('GET', `/api/lessons/${locked.id}/file`, { as: enrolled })).statusCode).toBe(200);
    expect((await env.req('GET', `/api/lessons/${locked.id}/file`, { as: outsider })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/lessons/${preview.id}/file`, { as: outsider })).statusCode).toBe(200);
    const stranger = await env.user(['Course Creator']);
    await nothingWritten(async () => {
      expect((await upload(env, outsider, `/api/lessons/${locked.id}/file`, fileUpload(samples.pdf, 'a.pdf'))).statusCode).toBe(403);
      expect((await upload(env, stranger, `/api/lessons/${locked.id}/file`, fileUpload(samples.pdf, 'a.pdf'))).statusCode).toBe(403);
    });
  });

  it('Range requests: partial content, suffix ranges, open ranges, 416 for unsatisfiable or malformed ranges', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await kit.course(creator);
    const ch = await kit.chapter(creator, c.id);
    const lesson = await kit.lesson(creator, ch.id, { kind: 'video' });
    const video = Buffer.concat([samples.mp4, Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251))]);
    const size = video.length;
    await ok(upload(env, creator, `/api/lessons/${lesson.id}/file`, fileUpload(video, 'v.mp4')));
    const get = (range?: string, extra: Record<string, string> = {}) =>
      env.req('GET', `/api/lessons/${lesson.id}/file`, { as: creator, headers: { ...(range ? { range } : {}), ...extra } });

    const whole = await get();
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-length']).toBe(String(size));
    expect(whole.headers['content-type']).toBe('video/mp4');

    const first = await get('bytes=0-99');
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(first.headers['content-length']).toBe('100');
    expect(first.rawPayload.equals(video.subarray(0, 100))).toBe(true);

    const suffix = await get('bytes=-10');
    expect(suffix.statusCode).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(suffix.rawPayload.equals(video.subarray(size - 10))).toBe(true);

    const open = await get(`bytes=${size - 5}-`);
    expect(open.statusCode).toBe(206);
    expect(open.rawPayload.equals(video.subarray(size - 5))).toBe(true);

    const clipped = await get(`bytes=${size - 3}-${size + 1000}`);
    expect(clipped.statusCode).toBe(206);
    expect(clipped.headers['content-range']).toBe(`bytes ${size - 3}-${size - 1}/${size}`);

    const hugeSuffix = await get(`bytes=-${size + 50}`);
    expect(hugeSuffix.statusCode).toBe(206);
    expect(hugeSuffix.rawPayload.length).toBe(size);

    for (const bad of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=50-10', 'bytes=abc', 'bytes=-0', 'bytes=-']) {
      const res = await get(bad);
      expect(res.statusCode, bad).toBe(416);
      expect(res.headers['content-range'], bad).toBe(`bytes */${size}`);
      expect(json<Problem>(res).code).toBe('RANGE_NOT_SATISFIABLE');
    }
    // Several ranges or another unit: the whole file (allowed by RFC 9110).
    expect((await get('bytes=0-1,5-6')).statusCode).toBe(200);
    expect((await get('items=0-1')).statusCode).toBe(200);
    // If-Range with a stale validator: the whole file; with the current one: the range.
    expect((await get('bytes=0-9', { 'if-range': '"stale"' })).statusCode).toBe(200);
    expect((await get('bytes=0-9', { 'if-range': whole.headers.etag as string })).statusCode).toBe(206);
  });

  it('a PDF over 50 MB is refused with 413 while streaming, and leaves nothing behind', async () => {
    const creator = await env.user(['Course Creator']);
    const c = await kit.course(creator);
    const ch = await kit.chapter(creator, c.id);
    const lesson = await kit.lesson(creator, ch.id, { kind: 'pdf' });
    const big = Buffer.alloc(50 * MB + 1, 0x20);
    samples.pdf.copy(big);
    const res = await nothingWritten(() =>
      upload(env, creator, `/api/lessons/${lesson.id}/file`, fileUpload(big, 'huge.pdf', 'application/pdf')),
    );
    expect(res.statusCode).toBe(413);
    expect(json<Problem & { maxBytes: number }>(res).maxBytes).toBe(50 * MB);
    expect(json<Lesson>(await env.req('GET', `/api/lessons/${lesson.id}`, { as: creator })).file).toBeNull();
  });
});
