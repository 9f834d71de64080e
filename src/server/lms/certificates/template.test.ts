import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { expect, it } from 'vitest';
import { describeDb, json, type TestEnv } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { fileUpload, samples } from '../../../../test/helpers/multipart.ts';
import { DEFAULT_TEMPLATE_ID } from '../../db/migrations/0005-certificates.ts';

const run = promisify(execFile);

async function pdfText(buf: Buffer): Promise<string> {
  const file = path.join(os.tmpdir(), `tpl-${process.pid}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, buf);
  try {
    return (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

type Template = {
  id: string;
  name: string;
  title: string;
  body: string;
  isDefault: boolean;
  orientation: string;
  images: { background: string | null; logo: string | null; signature: string | null };
};

/** A real PNG of w × h pixels (RGB, uncompressed-ish), for images that must decode. */
function png(w: number, h: number, noise = false): Buffer {
  const crcTable = (buf: Buffer) => zlib.crc32(buf);
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crcTable(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows: Buffer[] = [];
  for (let y = 0; y < h; y++) rows.push(Buffer.concat([Buffer.from([0]), noise ? randomBytes(w * 3) : Buffer.alloc(w * 3, 0x80)]));
  const idat = zlib.deflateSync(Buffer.concat(rows), { level: noise ? 0 : 6 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

async function put(env: TestEnv, as: Parameters<TestEnv['req']>[2] extends infer O ? (O extends { as?: infer A } ? A : never) : never, url: string, data: Buffer, filename = 'img.png') {
  const up = fileUpload(data, filename, 'image/png');
  return env.req('PUT', url, { as, body: up.body, headers: up.headers });
}

describeDb('certificate templates', (env) => {
  it('a default template exists and renders a real-looking certificate preview with sample data', async () => {
    const admin = await env.user(['System Manager']);
    const list = json<Template[]>(await env.req('GET', '/api/certificate-templates', { as: admin }));
    expect(list[0]).toMatchObject({ id: DEFAULT_TEMPLATE_ID, isDefault: true, orientation: 'landscape', title: 'Certificate of Completion' });
    const res = await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, { as: admin });
    expect(res.statusCode, res.body.slice(300, 900)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = (await pdfText(res.rawPayload)).replace(/\s+/g, ' ');
    expect(text).toContain('Certificate of Completion');
    expect(text).toContain('Zoë Łukasiewicz-Смирнова');
    expect(text).toContain('Fire Safety and Evacuation Procedures');
    expect(text).toContain('/lms/certificates/verify/');

    // Unsaved changes preview on top of the saved template; nothing is written.
    const before = await env.count('audit_log');
    const changed = await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, {
      as: admin,
      body: { title: 'Award for {{courseTitle}}', orientation: 'portrait' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await pdfText(changed.rawPayload)).replace(/\s+/g, ' ')).toContain('Award for Fire Safety and Evacuation Procedures');
    const badPreview = await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, { as: admin, body: { title: '{{oops}}' } });
    expect(badPreview.statusCode).toBe(400);
    expect(await env.count('audit_log')).toBe(before);
  });

  it('create, update and use a template: its texts and placeholders appear on issued certificates', async () => {
    const admin = await env.user(['System Manager']);
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Søren Kierkegaard');
    const created = await env.req('POST', '/api/certificate-templates', {
      as: admin,
      body: {
        name: 'Safety',
        title: 'Safety Training Record',
        body: 'Awarded to {{memberName}} for {{courseTitle}}.\nValid until {{expiryDate}}. Ref {{certificateId}}',
        signerName: 'Dr. Ada Lovelace',
        primaryColor: '#8b0000',
        orientation: 'portrait',
        pageSize: 'LETTER',
        titleFont: 'DejaVuSans',
      },
    });
    expect(created.statusCode).toBe(201);
    const t = json<Template>(created);
    expect(t).toMatchObject({ name: 'Safety', isDefault: false, orientation: 'portrait' });
    const patched = await env.req('PATCH', `/api/certificate-templates/${t.id}`, { as: admin, body: { signerTitle: 'Safety Officer' } });
    expect(patched.statusCode).toBe(200);

    const c = await makeCourse(env, { enableCertification: true, title: 'Forklift Basics' });
    await env.ctx.db.updateTable('courses').set({ certificate_template_id: t.id, certificate_validity_months: 36 }).where('id', '=', c.courseId).execute();
    const cert = json<{ id: string; templateId: string }>(
      await env.req('POST', '/api/certificates', { as: mod, body: { memberId: learner.id, courseId: c.courseId, issueDate: '2026-03-01', reason: 'Paper certificate on file' } }),
    );
    expect(cert.templateId).toBe(t.id);
    const pdf = await env.req('GET', `/api/certificates/${cert.id}/pdf`, { as: learner });
    const text = (await pdfText(pdf.rawPayload)).replace(/\s+/g, ' ');
    expect(text).toContain('Safety Training Record');
    expect(text).toContain('Awarded to Søren Kierkegaard for Forklift Basics.');
    expect(text).toContain('Valid until 1 March 2029');
    expect(text).toContain(`Ref ${cert.id}`);
    expect(text).toContain('Dr. Ada Lovelace');
    expect(text).toContain('Safety Officer');

    // Making it the default moves the flag (one default only).
    await env.req('PATCH', `/api/certificate-templates/${t.id}`, { as: admin, body: { isDefault: true } });
    const list = json<Template[]>(await env.req('GET', '/api/certificate-templates', { as: admin }));
    expect(list.filter((x) => x.isDefault).map((x) => x.id)).toEqual([t.id]);
    const unset = await env.req('PATCH', `/api/certificate-templates/${t.id}`, { as: admin, body: { isDefault: false } });
    expect(unset.statusCode).toBe(422);
    const delDefault = await env.req('DELETE', `/api/certificate-templates/${t.id}`, { as: admin });
    expect(delDefault.statusCode).toBe(422);
    expect(json(delDefault).code).toBe('DEFAULT_TEMPLATE_REQUIRED');
    await env.req('PATCH', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}`, { as: admin, body: { isDefault: true } });
    // The course still uses it: 409, and nothing changes.
    const templatesBefore = await env.count('certificate_templates');
    const inUse = await env.req('DELETE', `/api/certificate-templates/${t.id}`, { as: admin });
    expect(inUse.statusCode).toBe(409);
    expect(json(inUse)).toMatchObject({ code: 'TEMPLATE_IN_USE', courseCount: 1, courses: [{ id: c.courseId, title: 'Forklift Basics' }] });
    expect(await env.count('certificate_templates')).toBe(templatesBefore);
    const still = await env.ctx.db.selectFrom('certificates').select('template_id').where('id', '=', cert.id).executeTakeFirstOrThrow();
    expect(still.template_id).toBe(t.id);
    const moved = await env.req('PATCH', `/api/courses/${c.courseId}`, { as: mod, body: { certificateTemplateId: null } });
    expect(moved.statusCode, moved.body).toBe(200);
    const del = await env.req('DELETE', `/api/certificate-templates/${t.id}`, { as: admin });
    expect(del.statusCode).toBe(204);
    expect(await env.count('certificate_templates')).toBe(templatesBefore - 1);
    // The certificate still renders (with the default template now).
    const after = await env.req('GET', `/api/certificates/${cert.id}/pdf`, { as: learner });
    expect(after.statusCode).toBe(200);
    expect(await pdfText(after.rawPayload)).toContain('Søren Kierkegaard');
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'certificate-template').where('entity_id', '=', t.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'update', 'delete']);
  });

  it('courses name only templates that exist; a template a course uses cannot be deleted, also when both happen at once', async () => {
    const admin = await env.user(['System Manager']);
    const mod = await env.user(['Moderator']);
    const coursesBefore = await env.count('courses');
    const bad = await env.req('POST', '/api/courses', { as: mod, body: { title: 'Ghost Template', certificateTemplateId: 'no-such-template' } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'certificateTemplateId' }] });
    expect(await env.count('courses')).toBe(coursesBefore);
    const c = await makeCourse(env, { enableCertification: true, title: 'Ladder Safety' });
    const badPatch = await env.req('PATCH', `/api/courses/${c.courseId}`, { as: mod, body: { certificateTemplateId: 'no-such-template', title: 'Renamed' } });
    expect(badPatch.statusCode).toBe(400);
    const unchanged = await env.ctx.db.selectFrom('courses').select(['title', 'certificate_template_id']).where('id', '=', c.courseId).executeTakeFirstOrThrow();
    expect(unchanged).toEqual({ title: 'Ladder Safety', certificate_template_id: null });

    // A course picks a template while someone deletes it: exactly one of the two wins.
    const outcomes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const t = json<Template>(await env.req('POST', '/api/certificate-templates', { as: admin, body: { name: `Race ${i}` } }));
      const pick = () => env.req('PATCH', `/api/courses/${c.courseId}`, { as: mod, body: { certificateTemplateId: t.id } });
      const remove = () => env.req('DELETE', `/api/certificate-templates/${t.id}`, { as: admin });
      const [patch, del] = i % 2 ? await Promise.all([pick(), remove()]) : (await Promise.all([remove(), pick()])).reverse();
      const course = await env.ctx.db.selectFrom('courses').select('certificate_template_id').where('id', '=', c.courseId).executeTakeFirstOrThrow();
      const exists = await env.ctx.db.selectFrom('certificate_templates').select('id').where('id', '=', t.id).executeTakeFirst();
      if (del!.statusCode === 204) {
        expect(patch!.statusCode).toBe(400);
        expect(exists).toBeUndefined();
        expect(course.certificate_template_id).not.toBe(t.id);
      } else {
        expect(del!.statusCode, del!.body).toBe(409);
        expect(json(del!).code).toBe('TEMPLATE_IN_USE');
        expect(patch!.statusCode, patch!.body).toBe(200);
        expect(exists).toBeDefined();
        expect(course.certificate_template_id).toBe(t.id);
      }
      outcomes.add(`${patch!.statusCode}/${del!.statusCode}`);
    }
    expect([...outcomes].every((o) => o === '200/409' || o === '400/204')).toBe(true);
    const dangling = await env.ctx.db
      .selectFrom('courses')
      .leftJoin('certificate_templates', 'certificate_templates.id', 'courses.certificate_template_id')
      .select('courses.id')
      .where('courses.certificate_template_id', 'is not', null)
      .where('certificate_templates.id', 'is', null)
      .execute();
    expect(dangling).toEqual([]);
  });

  it('refuses unknown placeholders and other bad input on save, writing nothing; only System Managers edit', async () => {
    const admin = await env.user(['System Manager']);
    const mod = await env.user(['Moderator']);
    const before = await env.count('certificate_templates');
    const bad: [unknown, string][] = [
      [{}, 'name'],
      [{ name: 'X', body: 'Hello {{memberNme}}' }, 'body'],
      [{ name: 'X', title: 'For {{ course }}' }, 'title'],
      [{ name: 'X', subtitle: 'Broken {{memberName' }, 'subtitle'],
      [{ name: 'X', primaryColor: 'red' }, 'primaryColor'],
      [{ name: 'X', orientation: 'diagonal' }, 'orientation'],
      [{ name: 'X', titleFont: 'Comic Sans' }, 'titleFont'],
      [{ name: 'X', unknownField: 1 }, 'unknownField'],
      [{ name: 42 }, 'name'],
      [{ name: 'X', body: 'x'.repeat(4001) }, 'body'],
    ];
    for (const [body, field] of bad) {
      const r = await env.req('POST', '/api/certificate-templates', { as: admin, body });
      expect(r.statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
      const p = json<{ code: string; errors: { path: string; message: string }[] }>(r);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.errors.some((e) => e.path.includes(field))).toBe(true);
    }
    const msg = json<{ errors: { message: string }[] }>(await env.req('POST', '/api/certificate-templates', { as: admin, body: { name: 'X', body: '{{memberNme}}' } }));
    expect(msg.errors[0]!.message).toContain('{{memberNme}}');
    const patch = await env.req('PATCH', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}`, { as: admin, body: { body: '{{nope}}' } });
    expect(patch.statusCode).toBe(400);
    expect((await env.req('POST', '/api/certificate-templates', { as: mod, body: { name: 'Mine' } })).statusCode).toBe(403);
    expect((await env.req('PATCH', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}`, { as: mod, body: { name: 'Mine' } })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/certificate-templates', { as: await env.user() })).statusCode).toBe(403);
    // Previewing writes nothing: a Moderator, who reads templates, sees the preview; a learner may not.
    const seen = await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, { as: mod, body: { title: 'Draft' } });
    expect([seen.statusCode, seen.headers['content-type']]).toEqual([200, 'application/pdf']);
    expect((await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, { as: await env.user(), body: {} })).statusCode).toBe(403);
    expect((await env.req('GET', '/api/certificate-templates/0000000000000000000000zzzz', { as: admin })).statusCode).toBe(404);
    expect((await env.req('PATCH', '/api/certificate-templates/0000000000000000000000zzzz', { as: admin, body: { name: 'y' } })).statusCode).toBe(404);
    expect(await env.count('certificate_templates')).toBe(before);
    const t = json<Template>(await env.req('GET', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}`, { as: admin }));
    expect(t.body).not.toContain('nope');
  });

  it('images: PNG stored in the file store and drawn; wrong type, oversize and undecodable files are refused with nothing written', async () => {
    const admin = await env.user(['System Manager']);
    const mod = await env.user(['Moderator']);
    const t = json<Template>(await env.req('POST', '/api/certificate-templates', { as: admin, body: { name: 'With images' } }));
    const url = (slot: string) => `/api/certificate-templates/${t.id}/images/${slot}`;
    const files = await env.count('files');

    const cases: [Buffer, number, string][] = [
      [samples.gif, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [samples.text, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [samples.pdf, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [Buffer.concat([samples.png.subarray(0, 16), randomBytes(300)]), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(300)]), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [png(900, 900, true), 413, 'PAYLOAD_TOO_LARGE'],
      [Buffer.alloc(0), 400, 'VALIDATION_FAILED'],
    ];
    for (const [data, status, code] of cases) {
      const r = await put(env, admin, url('logo'), data);
      expect(r.statusCode, `${code} ${data.length}`).toBe(status);
      expect(json(r).code).toBe(code);
    }
    expect((await put(env, admin, url('stamp'), samples.png)).statusCode).toBe(400);
    expect((await put(env, mod, url('logo'), samples.png)).statusCode).toBe(403);
    expect((await put(env, admin, '/api/certificate-templates/0000000000000000000000zzzz/images/logo', samples.png)).statusCode).toBe(404);
    const notMultipart = await env.req('PUT', url('logo'), { as: admin, body: { file: 'x' } });
    expect(notMultipart.statusCode).toBe(415);
    expect(await env.count('files')).toBe(files);
    expect(json<Template>(await env.req('GET', `/api/certificate-templates/${t.id}`, { as: admin })).images.logo).toBeNull();

    // A JPEG whose segments chain up to a sane frame header is accepted.
    const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      seg(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])),
      seg(0xc0, Buffer.from([8, 0, 16, 0, 32, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])),
      seg(0xda, Buffer.from([3, 1, 0, 2, 0, 3, 0, 0, 63, 0])),
      Buffer.alloc(64, 0x55),
      Buffer.from([0xff, 0xd9]),
    ]);
    const jpegUp = await put(env, admin, url('signature'), jpeg, 'sig.jpg');
    expect(jpegUp.statusCode, jpegUp.body.slice(0, 200)).toBe(200);
    expect(await env.count('files')).toBe(files + 1);
    // A JPEG whose frame claims zero width is not.
    const zeroWidth = Buffer.from(jpeg);
    zeroWidth.writeUInt16BE(0, 2 + 18 + 7);
    expect((await put(env, admin, url('logo'), zeroWidth, 'bad.jpg')).statusCode).toBe(415);
    expect(await env.count('files')).toBe(files + 1);

    const logo = png(120, 40);
    const ok = await put(env, admin, url('logo'), logo);
    expect(ok.statusCode).toBe(200);
    expect(json<Template>(ok).images.logo).toMatch(/^\/api\/certificate-templates\/.+\/images\/logo\?v=/);
    const sig = await put(env, admin, url('signature'), png(200, 60));
    expect(sig.statusCode).toBe(200);
    const bg = await put(env, admin, url('background'), png(300, 210));
    expect(bg.statusCode).toBe(200);
    expect(await env.count('files')).toBe(files + 3);
    const row = await env.ctx.db.selectFrom('files').selectAll().where('purpose', '=', 'certificate-image').orderBy('id').executeTakeFirstOrThrow();
    expect(row.content_type).toBe('image/png');
    const served = await env.req('GET', url('logo'), { as: admin });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(logo)).toBe(true);

    // Replacing an image removes the previous file row.
    expect((await put(env, admin, url('logo'), png(60, 20))).statusCode).toBe(200);
    expect(await env.count('files')).toBe(files + 3);

    const preview = await env.req('POST', `/api/certificate-templates/${t.id}/preview.pdf`, { as: admin });
    expect(preview.statusCode).toBe(200);
    expect(preview.rawPayload.toString('latin1')).toContain('/Subtype /Image');

    const removed = await env.req('DELETE', url('signature'), { as: admin });
    expect(json<Template>(removed).images.signature).toBeNull();
    expect(await env.count('files')).toBe(files + 2);
  });
});
