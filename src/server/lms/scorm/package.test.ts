import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../../test/helpers/harness.ts';
import { fileUpload } from '../../../../test/helpers/multipart.ts';
import { MANIFEST_12, makeZip, renameInZip, sample, scormCourse, storedFiles, uploadSample, uploadZip, type PackageView } from '../../../../test/helpers/scorm.ts';

async function writes(env: TestEnv) {
  return {
    packages: await env.count('scorm_packages'),
    scos: await env.count('scorm_scos'),
    files: await env.count('files'),
    audit: await env.count('audit_log'),
    stored: storedFiles(env),
  };
}

type Problem = { code: string; errors: { path: string; message: string }[] };

describeDb('SCORM packages: upload, manifest, validation, replacement', (env) => {
  it('every sample package uploads and parses: version, title, SCOs in order, launch URLs with parameters', async () => {
    const mod = await env.user(['Moderator']);
    const basic12 = await uploadSample(env, mod, 'basic12');
    expect(basic12).toMatchObject({ version: '1.2', title: 'Golf Explained - Run-time Basic Calls', revision: 1 });
    expect(basic12.scos).toEqual([
      { id: 'item_1', title: 'Golf Explained', kind: 'sco', launch: 'shared/launchpage.html', depth: 0, masteryScore: null, scaledPassingScore: null },
    ]);

    const minimum12 = await uploadSample(env, mod, 'minimum12');
    expect(minimum12.version).toBe('1.2');
    expect(minimum12.scos).toHaveLength(18);
    expect(minimum12.scos.every((s) => s.kind === 'sco' && s.depth === 1)).toBe(true);
    expect(minimum12.scos[0]).toMatchObject({ id: 'playing_playing_item', title: 'How to Play', launch: 'Playing/Playing.html' });
    expect(minimum12.scos.find((s) => s.id === 'playing_quiz_item')).toMatchObject({ launch: 'shared/assessmenttemplate.html?questions=Playing' });

    const basic2004 = await uploadSample(env, mod, 'basic2004');
    expect(basic2004).toMatchObject({ version: '2004', schemaVersion: '2004 3rd Edition', title: 'Golf Explained - Run-time Basic Calls' });
    expect(basic2004.scos.map((s) => [s.id, s.launch])).toEqual([['item_1', 'shared/launchpage.html']]);

    const remediation = await uploadSample(env, mod, 'remediation2004');
    expect(remediation.version).toBe('2004');
    expect(remediation.scos).toHaveLength(8);
    expect(remediation.scos[0]).toMatchObject({ title: 'Playing the Game', launch: 'shared/launchpage.html?content=playing', depth: 1 });
    expect(remediation.scos.filter((s) => s.launch.includes('content=assessment'))).toHaveLength(4);

    expect(await env.count('scorm_packages')).toBe(4);
    expect(await env.count('scorm_scos')).toBe(1 + 18 + 1 + 8);
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'entity_id']).where('entity', '=', 'scorm_package').execute();
    expect(audit).toHaveLength(4);
  });

  it('a mastery score (1.2) and a scaled passing score (2004) are read from the manifest', async () => {
    const mod = await env.user(['Moderator']);
    const z12 = await makeZip([
      { name: 'imsmanifest.xml', data: MANIFEST_12('index.html', '<adlcp:masteryscore>80</adlcp:masteryscore>') },
      { name: 'index.html', data: '<html></html>' },
    ]);
    const r12 = await uploadZip(env, mod, z12);
    expect(r12.statusCode, r12.body).toBe(201);
    expect(json<PackageView>(r12).scos[0]).toMatchObject({ masteryScore: 80 });
    const m2004 = `<?xml version="1.0"?>
<manifest identifier="t2004" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Quiz 2004</title>
    <item identifier="q" identifierref="r" parameters="?lang=en"><title>Quiz</title>
      <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true"><imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives></imsss:sequencing>
    </item></organization></organizations>
  <resources xml:base="content/"><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="quiz.html?x=1"/></resources>
</manifest>`;
    const r2004 = await uploadZip(env, mod, await makeZip([{ name: 'imsmanifest.xml', data: m2004 }, { name: 'content/quiz.html', data: '<html></html>' }]));
    expect(r2004.statusCode, r2004.body).toBe(201);
    expect(json<PackageView>(r2004)).toMatchObject({ version: '2004', title: 'Quiz 2004' });
    expect(json<PackageView>(r2004).scos[0]).toMatchObject({ scaledPassingScore: 0.75, launch: 'content/quiz.html?x=1&lang=en' });
  });

  it('malformed zips are refused with SCORM_INVALID and errors[], and nothing is written', async () => {
    const mod = await env.user(['Moderator']);
    const before = await writes(env);
    const cases: { name: string; zip: Buffer; says: RegExp }[] = [
      { name: 'no manifest', zip: await makeZip([{ name: 'index.html', data: '<html></html>' }]), says: /no imsmanifest\.xml/ },
      {
        name: 'manifest in a folder',
        zip: await makeZip([{ name: 'pkg/imsmanifest.xml', data: MANIFEST_12() }, { name: 'pkg/index.html', data: 'x' }]),
        says: /at the root/,
      },
      {
        name: 'zip slip',
        zip: renameInZip(await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12() }, { name: 'index.html', data: 'x' }, { name: 'zz/zz/evil.txt', data: 'owned' }]), 'zz/zz/evil', '../../evil'),
        says: /"\.\." path segment/,
      },
      {
        name: 'absolute path',
        zip: renameInZip(await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12() }, { name: 'index.html', data: 'x' }, { name: 'xtmp/evil.txt', data: 'owned' }]), 'xtmp/evil', '/tmp/evil'),
        says: /absolute path/,
      },
      {
        name: 'symlink',
        zip: await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12() }, { name: 'index.html', data: 'x' }, { name: 'link', data: '/etc/passwd', mode: 0o120777 }]),
        says: /symbolic link/,
      },
      {
        name: 'zip bomb',
        zip: await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12() }, { name: 'index.html', data: 'x' }, { name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) }]),
        says: /expands more than 100 times/,
      },
      { name: 'bad XML', zip: await makeZip([{ name: 'imsmanifest.xml', data: '<manifest><organizations></manifest>' }, { name: 'index.html', data: 'x' }]), says: /not well-formed XML/ },
      {
        name: 'unknown version',
        zip: await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12().replace('<schemaversion>1.2</schemaversion>', '<schemaversion>CAM 9</schemaversion>') }, { name: 'index.html', data: 'x' }]),
        says: /neither SCORM 1\.2 nor SCORM 2004/,
      },
      { name: 'launch file missing', zip: await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12('missing.html') }]), says: /"missing\.html", which is not in the zip/ },
      {
        name: 'item without resource',
        zip: await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12().replace('identifierref="res_1"', 'identifierref="nope"') }, { name: 'index.html', data: 'x' }]),
        says: /does not list/,
      },
      { name: 'damaged archive', zip: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]), says: /not a readable zip/ },
    ];
    for (const c of cases) {
      const res = await uploadZip(env, mod, c.zip);
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(400);
      const body = json<Problem>(res);
      expect(body.code, c.name).toBe('SCORM_INVALID');
      expect(body.errors.map((e) => e.message).join(' '), c.name).toMatch(c.says);
      expect(await writes(env), c.name).toEqual(before);
    }
    // Not a zip at all, no file part, not multipart.
    const png = fileUpload(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'), 'a.png', 'image/png');
    expect(json((await env.req('POST', '/api/scorm-packages', { as: mod, body: png.body, headers: png.headers }))).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(json(await env.req('POST', '/api/scorm-packages', { as: mod, body: { file: 'x' } })).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await writes(env)).toEqual(before);
  });

  it('a zip that lies about its sizes fails while extracting, and leaves nothing behind', async () => {
    const mod = await env.user(['Moderator']);
    const before = await writes(env);
    const zip = await makeZip([{ name: 'imsmanifest.xml', data: MANIFEST_12() }, { name: 'index.html', data: 'x' }, { name: 'liar.bin', data: Buffer.alloc(500_000) }]);
    // Declare 1,000 bytes instead of 500,000 for liar.bin, in its local header and in the central directory.
    const name = Buffer.from('liar.bin');
    for (let at = zip.indexOf(name); at !== -1; at = zip.indexOf(name, at + 1)) {
      if (zip.readUInt32LE(at - 30) === 0x04034b50) zip.writeUInt32LE(1000, at - 30 + 22);
      else if (zip.readUInt32LE(at - 46) === 0x02014b50) zip.writeUInt32LE(1000, at - 46 + 24);
    }
    const res = await uploadZip(env, mod, zip);
    expect(res.statusCode, res.body).toBe(400);
    expect(json<Problem>(res).code).toBe('SCORM_INVALID');
    expect(json<Problem>(res).errors[0]!.message).toMatch(/could not be extracted/);
    expect(await writes(env)).toEqual(before);
  });

  it('learners may not upload (403); a Course Creator sees only their own packages; others answer 404', async () => {
    const learner = await env.user();
    const creator = await env.user(['Course Creator']);
    const other = await env.user(['Course Creator']);
    const before = await writes(env);
    const res = await uploadZip(env, learner, sample('basic12'));
    expect(res.statusCode).toBe(403);
    expect(await writes(env)).toEqual(before);
    const pkg = await uploadSample(env, creator, 'basic12');
    expect((await env.req('GET', `/api/scorm-packages/${pkg.id}`, { as: creator })).statusCode).toBe(200);
    expect((await env.req('GET', `/api/scorm-packages/${pkg.id}`, { as: other })).statusCode).toBe(404);
    expect((await env.req('GET', `/api/scorm-packages/${pkg.id}`, { as: learner })).statusCode).toBe(404);
    const mine = json<{ items: { id: string }[] }>(await env.req('GET', '/api/scorm-packages', { as: other }));
    expect(mine.items.map((p) => p.id)).not.toContain(pkg.id);
    expect(json<{ items: { id: string }[] }>(await env.req('GET', '/api/scorm-packages', { as: creator })).items.map((p) => p.id)).toContain(pkg.id);
    // Another creator's package cannot be put in a lesson.
    const { makeCourse } = await import('../../../../test/helpers/fixtures.ts');
    const course = await makeCourse(env, { lessons: 1, kinds: ['scorm'], instructorIds: [other.id] });
    const link = await env.req('PATCH', `/api/lessons/${course.lessonIds[0]}`, { as: other, body: { scormPackageId: pkg.id } });
    expect(link.statusCode).toBe(400);
    expect(json<Problem>(link).errors[0]!.path).toBe('scormPackageId');
  });

  it('a SCORM lesson needs a package; a package used by a lesson cannot vanish (foreign key)', async () => {
    const mod = await env.user(['Moderator']);
    const { makeCourse } = await import('../../../../test/helpers/fixtures.ts');
    const course = await makeCourse(env, { lessons: 1 });
    const noPkg = await env.req('POST', `/api/chapters/${course.chapterIds[0]}/lessons`, { as: mod, body: { title: 'Golf', kind: 'scorm' } });
    expect(noPkg.statusCode, noPkg.body).toBe(400);
    expect(json<Problem>(noPkg).errors[0]!.path).toBe('scormPackageId');
    const unknown = await env.req('POST', `/api/chapters/${course.chapterIds[0]}/lessons`, { as: mod, body: { title: 'Golf', kind: 'scorm', scormPackageId: 'nosuchpackage' } });
    expect(unknown.statusCode).toBe(400);
    const pkg = await uploadSample(env, mod, 'basic12');
    const ok = await env.req('POST', `/api/chapters/${course.chapterIds[0]}/lessons`, { as: mod, body: { title: 'Golf', kind: 'scorm', scormPackageId: pkg.id } });
    expect(ok.statusCode, ok.body).toBe(201);
    await expect(env.ctx.db.deleteFrom('scorm_packages').where('id', '=', pkg.id).execute()).rejects.toThrow();
  });

  it('replacing a package keeps the attempts; the version must stay', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const pkg = await uploadSample(env, mod, 'basic12');
    const course = await scormCourse(env, mod, pkg.id);
    expect((await env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: learner })).statusCode).toBe(201);
    const commit = await env.req('PUT', `/api/lessons/${course.lessonId}/scorm-attempt`, {
      as: learner,
      body: { scoId: 'item_1', seq: 1, cmi: { core: { lesson_status: 'incomplete', lesson_location: 'page3' }, suspend_data: 'abc' } },
    });
    expect(commit.statusCode, commit.body).toBe(200);
    const filesBefore = storedFiles(env).filter((f) => f.startsWith('scorm/')).length;

    const form = fileUpload(sample('basic12'), 'v2.zip', 'application/zip');
    const replaced = await env.req('PUT', `/api/scorm-packages/${pkg.id}/file`, { as: mod, body: form.body, headers: form.headers });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(json(replaced)).toMatchObject({ id: pkg.id, revision: 2 });
    // The old folder and zip are gone, the new ones are in place.
    expect(storedFiles(env).filter((f) => f.startsWith('scorm/')).length).toBe(filesBefore);
    const attempt = json<{ scos: { attempt: { location: string; suspendData: string } | null }[] }>(
      await env.req('GET', `/api/lessons/${course.lessonId}/scorm-attempt`, { as: learner }),
    );
    expect(attempt.scos[0]!.attempt).toMatchObject({ location: 'page3', suspendData: 'abc' });

    const before = await writes(env);
    const other = fileUpload(sample('basic2004'), 'v3.zip', 'application/zip');
    const wrong = await env.req('PUT', `/api/scorm-packages/${pkg.id}/file`, { as: mod, body: other.body, headers: other.headers });
    expect(wrong.statusCode).toBe(400);
    expect(json(wrong).code).toBe('SCORM_INVALID');
    expect(await writes(env)).toEqual(before);
  });
});
