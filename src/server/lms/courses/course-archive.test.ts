import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../../test/helpers/harness.ts';
import { courseKit, enroll, ok, type Problem } from '../../../../test/helpers/courses.ts';
import { fileUpload, samples } from '../../../../test/helpers/multipart.ts';
import { AUTO_QUESTIONS, OPEN_QUESTION, createQuiz, type QuizView } from '../../../../test/helpers/quizzes.ts';
import { makeZip, renameInZip, sample, storedFiles, uploadSample } from '../../../../test/helpers/scorm.ts';
import type { Course, Lesson } from '../../../contract/courses.ts';
import type { CourseArchive, CourseImportResult } from '../../../contract/course-archive.ts';

/** Every entry of a zip, by name. */
async function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true });
  const out = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const c of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(c);
    out.set(entry.fileName, Buffer.concat(chunks));
  }
  return out;
}

function importZip(env: TestEnv, as: TestUser, zip: Buffer, filename = 'course.zip') {
  const form = fileUpload(zip, filename, 'application/zip');
  return env.req('POST', '/api/courses/import', { as, body: form.body, headers: form.headers });
}

const TABLES = [
  'courses',
  'chapters',
  'lessons',
  'quizzes',
  'quiz_questions',
  'files',
  'scorm_packages',
  'scorm_scos',
  'course_instructors',
  'audit_log',
];

async function writes(env: TestEnv) {
  const rows: Record<string, number> = {};
  for (const t of TABLES) rows[t] = await env.count(t);
  const tmp = path.join(env.dataDir, 'tmp');
  return { rows, stored: storedFiles(env), tmp: fs.existsSync(tmp) ? fs.readdirSync(tmp) : [] };
}

/** A minimal valid course.json. */
function archiveJson(over: Record<string, unknown> = {}) {
  return {
    format: 'smooth-course-archive',
    version: 1,
    exportedAt: '2026-12-01T10:00:00.000Z',
    course: { title: 'Handmade' },
    chapters: [{ title: 'One', lessons: [{ title: 'Read me', kind: 'text', body: 'Hello' }] }],
    quizzes: [],
    scormPackages: [],
    ...over,
  };
}

describeDb('courses: export and import as a zip', (env) => {
  const kit = courseKit(env);

  /** A course with every lesson kind, a cover image, files, a quiz and a SCORM package, and a learner's traces. */
  async function fullCourse(author: TestUser) {
    const course = await kit.course(author, {
      shortIntroduction: 'Stay safe',
      description: '# Fire safety\n\nRead **everything**.',
      category: 'Safety',
      tags: ['fire', 'mandatory'],
      paid: true,
      price: 4990,
      currency: 'EUR',
      enableCertification: true,
      certificateValidityMonths: 12,
      recertifyDaysBefore: 30,
      enrollmentOpensAt: '2026-01-01T00:00:00Z',
      enrollmentClosesAt: '2030-01-01T00:00:00Z',
      maxEnrollments: 40,
      sequential: true,
      published: true,
    });
    const form = fileUpload(samples.png, 'cover.png', 'image/png');
    expect(
      (await env.req('PUT', `/api/courses/${course.id}/image`, { as: author, body: form.body, headers: form.headers })).statusCode,
    ).toBe(200);
    const ch1 = await kit.chapter(author, course.id, 'Basics');
    const ch2 = await kit.chapter(author, course.id, 'Check');
    await kit.lesson(author, ch1.id, { title: 'Welcome', kind: 'text', body: 'Read *this* first.', isPreview: true });
    const video = await kit.lesson(author, ch1.id, { title: 'Watch', kind: 'video' });
    const vform = fileUpload(samples.mp4, 'drill.mp4', 'video/mp4');
    expect(
      (await env.req('PUT', `/api/lessons/${video.id}/file`, { as: author, body: vform.body, headers: vform.headers })).statusCode,
    ).toBe(200);
    await kit.lesson(author, ch1.id, { title: 'Hosted video', kind: 'video', videoUrl: 'https://videos.example.com/fire.mp4' });
    const pdf = await kit.lesson(author, ch1.id, { title: 'Handbook', kind: 'pdf' });
    const pform = fileUpload(samples.pdf, 'handbook.pdf', 'application/pdf');
    expect((await env.req('PUT', `/api/lessons/${pdf.id}/file`, { as: author, body: pform.body, headers: pform.headers })).statusCode).toBe(
      200,
    );
    const quiz = await createQuiz(env, author, {
      courseId: course.id,
      title: 'Fire quiz',
      passingPercentage: 70,
      maxAttempts: 3,
      questions: [...AUTO_QUESTIONS, OPEN_QUESTION],
    });
    await kit.lesson(author, ch2.id, { title: 'Quiz', kind: 'quiz', quizId: quiz.id });
    const pkg = await uploadSample(env, author, 'basic12');
    await kit.lesson(author, ch2.id, { title: 'Golf', kind: 'scorm', scormPackageId: pkg.id });

    // Learner's data that must never travel.
    const learner = await env.user(['LMS Student'], 'Zoë Learner-Secret');
    await enroll(env, learner.id, course.id);
    return { course, quiz, pkg, learner };
  }

  it('round trip: export a course with every lesson kind, import it as a new unpublished course with the same outline, quiz and files', async () => {
    const author = await env.user(['Course Creator']);
    const { course, quiz, pkg, learner } = await fullCourse(author);

    const res = await env.req('GET', `/api/courses/${course.id}/export.zip`, { as: author });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain('attachment');
    const entries = await unzip(res.rawPayload);
    const text = entries.get('course.json')!.toString('utf8');
    const archive = JSON.parse(text) as CourseArchive;
    expect(archive).toMatchObject({ format: 'smooth-course-archive', version: 1 });
    expect(archive.course).toMatchObject({
      title: course.title,
      price: 4990,
      currency: 'EUR',
      maxEnrollments: 40,
      certificateValidityMonths: 12,
      sequential: true,
    });
    expect(archive.chapters.map((c) => c.lessons.map((l) => l.kind))).toEqual([
      ['text', 'video', 'video', 'pdf'],
      ['quiz', 'scorm'],
    ]);
    expect(archive.quizzes).toHaveLength(1);
    expect(archive.quizzes[0]!.questions[0]!.options).toEqual(AUTO_QUESTIONS[0]!.options);
    expect(archive.scormPackages).toHaveLength(1);
    // Every named file is in the zip, byte for byte.
    expect(entries.get(archive.course.image!.path)!.equals(samples.png)).toBe(true);
    expect(entries.get(archive.chapters[0]!.lessons[1]!.file!.path)!.equals(samples.mp4)).toBe(true);
    expect(entries.get(archive.chapters[0]!.lessons[3]!.file!.path)!.equals(samples.pdf)).toBe(true);
    expect(entries.get(archive.scormPackages[0]!.file.path)!.equals(sample('basic12'))).toBe(true);
    // No learner's data, no ids of this installation.
    for (const secret of [learner.id, learner.email, 'Zoë Learner-Secret', course.id, quiz.id, pkg.id, author.id])
      expect(text.toLowerCase(), secret).not.toContain(secret.toLowerCase());
    const keys = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          keys.add(k);
          walk(x);
        }
    };
    walk(archive);
    expect(
      [...keys].filter((k) =>
        /^(enrollments?|members?|attempts?|submissions?|progress|completions?|certificates|payments?|audit)$/i.test(k),
      ),
    ).toEqual([]);
    expect([...entries.keys()].every((n) => n === 'course.json' || n.startsWith('files/'))).toBe(true);

    const imported = await importZip(env, author, res.rawPayload, 'fire-safety.zip');
    expect(imported.statusCode, imported.body).toBe(201);
    const result = json<CourseImportResult>(imported);
    expect(result.title).toBe(course.title);
    expect(result.report).toEqual({ chapters: 2, lessons: 6, quizzes: 1, questions: 4, files: 4, warnings: [] });
    expect(result.courseId).not.toBe(course.id);

    const copy = await ok<Course>(env.req('GET', `/api/courses/${result.courseId}`, { as: author }));
    expect(copy).toMatchObject({
      title: course.title,
      published: false,
      price: 4990,
      currency: 'EUR',
      category: 'Safety',
      tags: ['fire', 'mandatory'],
      sequential: true,
      maxEnrollments: 40,
    });
    expect(copy.instructors.map((i) => i.id)).toEqual([author.id]);
    expect(copy.imageUrl).not.toBeNull();
    expect((await env.req('GET', copy.imageUrl!, { as: author })).rawPayload.equals(samples.png)).toBe(true);
    expect(await kit.shape(author, result.courseId)).toEqual(await kit.shape(author, course.id));

    const outline = await kit.outline(author, result.courseId);
    const lessons = outline.chapters.flatMap((c) => c.lessons);
    const full = await Promise.all(lessons.map((l) => ok<Lesson>(env.req('GET', `/api/lessons/${l.id}`, { as: author }))));
    const original = await Promise.all(
      (await kit.outline(author, course.id)).chapters
        .flatMap((c) => c.lessons)
        .map((l) => ok<Lesson>(env.req('GET', `/api/lessons/${l.id}`, { as: author }))),
    );
    expect(full.map((l) => [l.kind, l.body, l.videoUrl, l.isPreview, l.file?.filename ?? null])).toEqual(
      original.map((l) => [l.kind, l.body, l.videoUrl, l.isPreview, l.file?.filename ?? null]),
    );
    expect((await env.req('GET', full[1]!.fileUrl!, { as: author })).rawPayload.equals(samples.mp4)).toBe(true);
    expect((await env.req('GET', full[3]!.fileUrl!, { as: author })).rawPayload.equals(samples.pdf)).toBe(true);

    // The quiz lesson points to a new quiz of the new course, with the same questions and answers.
    const quizLesson = full[4]!;
    expect(quizLesson.quizId).not.toBe(quiz.id);
    const newQuiz = await ok<QuizView>(env.req('GET', `/api/quizzes/${quizLesson.quizId}`, { as: author }));
    const oldQuiz = await ok<QuizView>(env.req('GET', `/api/quizzes/${quiz.id}`, { as: author }));
    expect(newQuiz.courseId).toBe(result.courseId);
    const strip = (q: QuizView) => q.questions.map(({ id: _id, ...rest }) => rest);
    expect(strip(newQuiz)).toEqual(strip(oldQuiz));

    // The SCORM lesson plays a new package made from the same zip.
    const scormLesson = full[5]!;
    expect(scormLesson.scormPackageId).not.toBe(pkg.id);
    const newPkg = await ok<{ id: string; title: string; scos: unknown[] }>(
      env.req('GET', `/api/scorm-packages/${scormLesson.scormPackageId}`, { as: author }),
    );
    expect(newPkg.title).toBe(pkg.title);
    expect(newPkg.scos).toEqual(pkg.scos);
    expect((await env.req('GET', `/scorm/${newPkg.id}/shared/launchpage.html`, { as: author })).statusCode).toBe(200);

    // Nobody is enrolled in the copy; the import is audited with the file name.
    const enrolled = await env.ctx.db.selectFrom('enrollments').select('id').where('course_id', '=', result.courseId).execute();
    expect(enrolled).toEqual([]);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'course')
      .where('entity_id', '=', result.courseId)
      .execute();
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([['import', author.id]]);
    expect(JSON.parse(audit[0]!.after_json as string)).toMatchObject({ fileName: 'fire-safety.zip', report: result.report });
    // The uploaded archive and the extracted folder are not kept.
    expect(fs.readdirSync(path.join(env.dataDir, 'tmp'))).toEqual([]);

    // Importing the same archive again makes another course.
    const again = json<CourseImportResult>(await importZip(env, author, res.rawPayload));
    expect(again.courseId).not.toBe(result.courseId);
  });

  it('export is for those who manage the course: another instructor and a learner get 404 or 403, a Moderator exports any course', async () => {
    const author = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const learner = await env.user(['LMS Student']);
    const mod = await env.user(['Moderator']);
    const draft = await kit.course(author);
    const published = await kit.course(author, { published: true });
    for (const c of [draft, published]) {
      const res = await env.req('GET', `/api/courses/${c.id}/export.zip`, { as: other });
      expect(res.statusCode).toBe(404);
      expect(json<Problem>(res).code).toBe('NOT_FOUND');
    }
    expect((await env.req('GET', `/api/courses/${published.id}/export.zip`, { as: learner })).statusCode).toBe(403);
    expect((await env.req('GET', `/api/courses/${published.id}/export.zip`, { as: null })).statusCode).toBe(401);
    expect((await env.req('GET', `/api/courses/01jzzzzzzzzzzzzzzzzzzzzzzz/export.zip`, { as: mod })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/courses/${draft.id}/export.zip`, { as: mod })).statusCode).toBe(200);
    // Learners may not import.
    const zip = await makeZip([{ name: 'course.json', data: JSON.stringify(archiveJson()) }]);
    const before = await writes(env);
    expect((await importZip(env, learner, zip)).statusCode).toBe(403);
    expect(await writes(env)).toEqual(before);
  });

  it('bad archives are refused with COURSE_ARCHIVE_INVALID and errors[], and nothing is written', async () => {
    const author = await env.user(['Course Creator']);
    const good = JSON.stringify(archiveJson());
    const withFile = (extra: Record<string, unknown>, files: { name: string; data: Buffer | string; compress?: boolean }[]) =>
      makeZip([{ name: 'course.json', data: JSON.stringify(archiveJson(extra)) }, ...files]);
    const cases: { name: string; zip: Buffer; says: RegExp; path?: string }[] = [
      {
        name: 'damaged zip',
        zip: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]),
        says: /not a readable zip/,
      },
      { name: 'no course.json', zip: await makeZip([{ name: 'readme.txt', data: 'hello' }]), says: /no course\.json at its root/ },
      { name: 'course.json in a folder', zip: await makeZip([{ name: 'export/course.json', data: good }]), says: /at the root/ },
      { name: 'not JSON', zip: await makeZip([{ name: 'course.json', data: '{"format": ' }]), says: /not valid JSON/ },
      {
        name: 'another format',
        zip: await makeZip([{ name: 'course.json', data: JSON.stringify({ ...archiveJson(), format: 'moodle' }) }]),
        says: /not a course archive/,
      },
      {
        name: 'wrong version',
        zip: await makeZip([{ name: 'course.json', data: JSON.stringify(archiveJson({ version: 2 })) }]),
        says: /version 2; this server reads version 1/,
        path: 'course.json:version',
      },
      {
        name: 'schema-invalid',
        zip: await makeZip([
          {
            name: 'course.json',
            data: JSON.stringify(archiveJson({ chapters: [{ title: '', lessons: [{ title: 'x', kind: 'hologram' }] }] })),
          },
        ]),
        says: /./,
        path: 'course.json:chapters.0.title',
      },
      {
        name: 'quiz lesson without its quiz',
        zip: await makeZip([
          {
            name: 'course.json',
            data: JSON.stringify(archiveJson({ chapters: [{ title: 'A', lessons: [{ title: 'Q', kind: 'quiz', quiz: 'nope' }] }] })),
          },
        ]),
        says: /names one of the archive's quizzes/,
      },
      {
        name: 'missing file',
        zip: await withFile(
          {
            chapters: [{ title: 'A', lessons: [{ title: 'P', kind: 'pdf', file: { path: 'files/lessons/1-a.pdf', filename: 'a.pdf' } }] }],
          },
          [],
        ),
        says: /"files\/lessons\/1-a\.pdf", which is not in the zip/,
      },
      {
        name: 'zip slip',
        zip: renameInZip(await withFile({}, [{ name: 'zz/zz/evil.txt', data: 'owned' }]), 'zz/zz/evil', '../../evil'),
        says: /"\.\." path segment/,
      },
      {
        name: 'zip bomb',
        zip: await withFile({}, [{ name: 'files/zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) }]),
        says: /expands more than 100 times/,
      },
      {
        name: 'a "PDF" that is not one',
        zip: await withFile(
          {
            chapters: [{ title: 'A', lessons: [{ title: 'P', kind: 'pdf', file: { path: 'files/lessons/1-a.pdf', filename: 'a.pdf' } }] }],
          },
          [{ name: 'files/lessons/1-a.pdf', data: samples.text }],
        ),
        says: /must be a PDF document/,
      },
      {
        // Files stored before the failure (the cover image) are removed again.
        name: 'a SCORM package that is not one',
        zip: await withFile(
          {
            course: { title: 'X', image: { path: 'files/images/1-c.png', filename: 'c.png' } },
            scormPackages: [{ key: 'p', title: 'P', file: { path: 'files/scorm/2-p.zip', filename: 'p.zip' } }],
            chapters: [{ title: 'A', lessons: [{ title: 'S', kind: 'scorm', scormPackage: 'p' }] }],
          },
          [
            { name: 'files/images/1-c.png', data: samples.png },
            { name: 'files/scorm/2-p.zip', data: await makeZip([{ name: 'index.html', data: 'x' }]) },
          ],
        ),
        says: /no imsmanifest\.xml/,
      },
      {
        name: 'enrollment closes before it opens',
        zip: await makeZip([
          {
            name: 'course.json',
            data: JSON.stringify(
              archiveJson({
                course: { title: 'X', enrollmentOpensAt: '2027-01-01T00:00:00Z', enrollmentClosesAt: '2026-01-01T00:00:00Z' },
              }),
            ),
          },
        ]),
        says: /close after it opens/,
      },
    ];
    const before = await writes(env);
    for (const c of cases) {
      const res = await importZip(env, author, c.zip);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(400);
      const body = json<Problem>(res);
      expect(body.code, c.name).toBe('COURSE_ARCHIVE_INVALID');
      expect(body.errors!.length, c.name).toBeGreaterThan(0);
      expect(body.errors!.map((e) => e.message).join(' '), c.name).toMatch(c.says);
      if (c.path)
        expect(
          body.errors!.map((e) => e.path),
          c.name,
        ).toContain(c.path);
      expect(await writes(env), c.name).toEqual(before);
    }

    // Not a zip at all: refused by its bytes, before it is read.
    const text = await importZip(env, author, samples.text, 'course.zip');
    expect(text.statusCode).toBe(415);
    expect(json<Problem>(text).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // No file part.
    expect((await env.req('POST', '/api/courses/import', { as: author, body: {} })).statusCode).toBe(415);
    expect(await writes(env)).toEqual(before);

    // The minimal archive imports; an assignment lesson says its assignment stays behind.
    const ok1 = await importZip(env, author, await makeZip([{ name: 'course.json', data: good }]));
    expect(ok1.statusCode, ok1.body).toBe(201);
    const assign = await importZip(
      env,
      author,
      await makeZip([
        {
          name: 'course.json',
          data: JSON.stringify(archiveJson({ chapters: [{ title: 'A', lessons: [{ title: 'Essay', kind: 'assignment' }] }] })),
        },
      ]),
    );
    expect(json<CourseImportResult>(assign).report.warnings.join(' ')).toMatch(/"Essay" comes without its assignment/);
  });

  it('a certificate template the server lacks is left out with a warning; parallel imports of one archive make separate courses', async () => {
    const author = await env.user(['Course Creator']);
    const zip = await makeZip([
      {
        name: 'course.json',
        data: JSON.stringify(
          archiveJson({
            course: {
              title: 'Cert',
              enableCertification: true,
              certificateTemplate: { id: '01jnotherexxxxxxxxxxxxxxxx', name: 'Gold frame' },
            },
          }),
        ),
      },
    ]);
    const res = await importZip(env, author, zip);
    expect(res.statusCode, res.body).toBe(201);
    const r = json<CourseImportResult>(res);
    expect(r.report.warnings).toEqual([expect.stringMatching(/"Gold frame" is not on this server/)]);
    expect((await ok<Course>(env.req('GET', `/api/courses/${r.courseId}`, { as: author }))).certificateTemplateId).toBeNull();

    const coursesBefore = await env.count('courses');
    const lessonsBefore = await env.count('lessons');
    const all = await Promise.all([1, 2, 3, 4].map(() => importZip(env, author, zip)));
    expect(all.map((x) => x.statusCode)).toEqual([201, 201, 201, 201]);
    expect(new Set(all.map((x) => json<CourseImportResult>(x).courseId)).size).toBe(4);
    expect(await env.count('courses')).toBe(coursesBefore + 4);
    expect(await env.count('lessons')).toBe(lessonsBefore + 4);
  });
});
