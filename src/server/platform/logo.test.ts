import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestEnv, type TestUser } from '../../../test/helpers/harness.ts';
import { makeCourse } from '../../../test/helpers/fixtures.ts';
import { fileUpload, samples } from '../../../test/helpers/multipart.ts';
import { startSmtp } from '../../../test/helpers/smtp.ts';
import { drainOutbox } from './mail/index.ts';

/** A real 1x1 JPEG (baseline, grey). */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

type Settings = { logo: { url: string; updatedAt: string } | null };
type Problem = { code: string; errors?: { path: string; message: string }[] };

function put(env: TestEnv, as: TestUser | null, data: Buffer | string, filename: string, contentType: string) {
  const { body, headers } = fileUpload(data, filename, contentType);
  return env.req('PUT', '/api/settings/logo', { as, body, headers });
}

async function state(env: TestEnv, reader: TestUser) {
  return {
    files: await env.count('files'),
    settings: await env.count('settings'),
    audit: await env.count('audit_log'),
    logo: json<Settings>(await env.req('GET', '/api/settings', { as: reader })).logo,
  };
}

/** How many images a PDF shows (poppler's pdfimages). */
function pdfImages(pdf: Buffer): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logo-pdf-'));
  try {
    const file = path.join(dir, 'x.pdf');
    fs.writeFileSync(file, pdf);
    // Rows after the two heading lines; an image's alpha channel is listed as its own "smask" row.
    const rows = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    return rows.filter((r) => r.trim().split(/\s+/)[2] === 'image').length;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The encodings of the images a PDF shows, in order ("jpeg" for a JPEG, "image" for a PNG's pixels). */
function pdfImageEncodings(pdf: Buffer): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logo-pdf-'));
  try {
    const file = path.join(dir, 'x.pdf');
    fs.writeFileSync(file, pdf);
    const rows = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    return rows.map((r) => r.trim().split(/\s+/)).filter((c) => c[2] === 'image').map((c) => c[8]!);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeDb('organisation logo', (env) => {
  let admin: TestUser;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  beforeAll(async () => {
    admin = await env.user(['System Manager'], 'Ada Admin');
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('a System Manager uploads a PNG; anyone reads it with cache headers; a JPEG replaces it; removing it leaves nothing', async () => {
    expect((await env.req('GET', '/api/settings/logo')).statusCode).toBe(404);
    // The login page reads the name and logo without a login; nothing else of the settings.
    const brand = await env.req('GET', '/api/settings/brand');
    expect(brand.statusCode).toBe(200);
    expect(json(brand)).toEqual({ organisationName: 'Smooth LMS', logo: null });
    expect((await env.req('GET', '/api/settings')).statusCode).toBe(401);
    const res = await put(env, admin, samples.png, 'logo.png', 'image/png');
    expect(res.statusCode, res.body).toBe(200);
    const logo = json<Settings>(res).logo!;
    expect(json(await env.req('GET', '/api/settings/brand'))).toEqual({ organisationName: 'Smooth LMS', logo });
    expect(logo.url).toMatch(/^\/api\/settings\/logo\?v=[0-9a-f]{16}$/);
    // Public, no login: the versioned address is immutable, the bare one is revalidated.
    const got = await env.req('GET', logo.url);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(got.rawPayload.equals(samples.png)).toBe(true);
    const bare = await env.req('GET', '/api/settings/logo');
    expect(bare.headers['cache-control']).toBe('public, max-age=300, must-revalidate');
    const etag = String(bare.headers.etag);
    expect((await env.req('GET', '/api/settings/logo', { headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    // Learners read the address with the settings (the header shows it).
    expect(json<Settings>(await env.req('GET', '/api/settings', { as: await env.user(['LMS Student']) })).logo?.url).toBe(logo.url);

    const files = await env.count('files');
    const jpeg = await put(env, admin, JPEG, 'logo.jpg', 'image/jpeg');
    expect(jpeg.statusCode, jpeg.body).toBe(200);
    expect(json<Settings>(jpeg).logo!.url).not.toBe(logo.url);
    expect(await env.count('files')).toBe(files);
    expect((await env.req('GET', '/api/settings/logo')).headers['content-type']).toBe('image/jpeg');
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'entity_id']).where('entity', '=', 'settings').where('entity_id', '=', 'logo').execute();
    expect(audit.map((a) => a.action)).toEqual(['update', 'update']);

    expect((await env.req('DELETE', '/api/settings/logo', { as: admin })).statusCode).toBe(204);
    expect(await env.count('files')).toBe(files - 1);
    expect((await env.req('GET', '/api/settings/logo')).statusCode).toBe(404);
    expect((await state(env, admin)).logo).toBeNull();
    // Removing again changes nothing.
    const before = await state(env, admin);
    expect((await env.req('DELETE', '/api/settings/logo', { as: admin })).statusCode).toBe(204);
    expect(await state(env, admin)).toEqual(before);
  });

  it('bad input is refused with a stable code and stores nothing', async () => {
    const learner = await env.user(['LMS Student']);
    const hr = await env.user(['HR Manager']);
    const before = await state(env, admin);
    const cases: [TestUser | null, Buffer | string, string, string, number, string][] = [
      [admin, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>', 'logo.svg', 'image/svg+xml', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [admin, samples.text, 'logo.png', 'image/png', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [admin, samples.gif, 'logo.gif', 'image/gif', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      // JPEG magic bytes over noise: not an image that can be shown.
      [admin, samples.jpeg, 'logo.jpg', 'image/jpeg', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [admin, Buffer.concat([samples.png, Buffer.alloc(2 * 1024 * 1024, 1)]), 'big.png', 'image/png', 413, 'PAYLOAD_TOO_LARGE'],
      [admin, Buffer.alloc(0), 'empty.png', 'image/png', 400, 'VALIDATION_FAILED'],
      [learner, samples.png, 'logo.png', 'image/png', 403, 'FORBIDDEN'],
      [hr, samples.png, 'logo.png', 'image/png', 403, 'FORBIDDEN'],
      [null, samples.png, 'logo.png', 'image/png', 401, 'UNAUTHENTICATED'],
    ];
    for (const [as, data, name, type, status, code] of cases) {
      const res = await put(env, as, data, name, type);
      expect(res.statusCode, `${name} ${res.body}`).toBe(status);
      expect(json<Problem>(res).code).toBe(code);
      if (status === 415 || status === 413) expect(json<Problem>(res).errors?.[0]?.path).toBe('file');
    }
    // Not multipart at all, or the file in another part.
    const plain = await env.req('PUT', '/api/settings/logo', { as: admin, body: { file: 'x' } });
    expect(json<Problem>(plain).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await env.req('DELETE', '/api/settings/logo', { as: learner })).statusCode).toBe(403);
    expect(await state(env, admin)).toEqual(before);
    // No stray bytes left in the file store either.
    const stored = fs.readdirSync(path.join(env.ctx.config.dataDir, 'files'), { recursive: true }).filter((f) => !fs.statSync(path.join(env.ctx.config.dataDir, 'files', String(f))).isDirectory());
    expect(stored.length).toBe(before.files);
  });

  it('two uploads at once leave one logo and one file', async () => {
    const files = await env.count('files');
    const results = await Promise.all([put(env, admin, samples.png, 'a.png', 'image/png'), put(env, admin, JPEG, 'b.jpg', 'image/jpeg')]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(await env.count('files')).toBe(files + 1);
    const logoFiles = await env.ctx.db.selectFrom('files').select('id').where('purpose', '=', 'organisation-logo').execute();
    expect(logoFiles).toHaveLength(1);
    expect((await env.req('GET', '/api/settings/logo')).statusCode).toBe(200);
    expect((await env.req('DELETE', '/api/settings/logo', { as: admin })).statusCode).toBe(204);
  });

  it('the logo travels in mail as an inline CID image, and heads the training record PDF', async () => {
    env.config.smtpUrl = smtp.url;
    env.config.publicUrl = 'https://lms.example.com';
    await env.req('PATCH', '/api/settings', { as: admin, body: { organisationName: 'Logo Works', mailFrom: 'training@logo.example' } });
    const hr = await env.user(['HR Manager']);
    const learner = await env.user(['LMS Student'], 'Pia Picture');
    const emp = await env.req('POST', '/api/employees', { as: hr, body: { employeeCode: 'LOGO-1', fullName: 'Pia Picture', userId: learner.id } });
    expect(emp.statusCode, emp.body).toBe(201);
    const employeeId = json<{ id: string }>(emp).id;
    const recordPdf = async () => (await env.req('GET', `/api/employees/${employeeId}/training-record.pdf`, { as: hr })).rawPayload;
    expect(pdfImages(await recordPdf())).toBe(0);

    // A paid receipt, before and after the logo.
    const mod = await env.user(['Moderator']);
    await env.req('PATCH', '/api/settings', { as: admin, body: { paymentGateway: 'manual' } });
    const paidCourse = await makeCourse(env, { paid: true, title: 'Paid Course' });
    const checkout = await env.req('POST', '/api/payments/checkout', { as: learner, body: { courseId: paidCourse.courseId } });
    expect(checkout.statusCode, checkout.body).toBeLessThan(300);
    const paymentId = json<{ id: string }>(checkout).id;
    expect((await env.req('POST', `/api/payments/${paymentId}/mark-paid`, { as: mod, body: { invoiceNumber: 'INV-LOGO' } })).statusCode).toBe(200);
    const receiptPdf = async () => {
      const r = await env.req('GET', `/api/payments/${paymentId}/receipt.pdf`, { as: learner });
      expect(r.statusCode).toBe(200);
      return r.rawPayload;
    };
    expect(pdfImages(await receiptPdf())).toBe(0);

    expect((await put(env, admin, samples.png, 'logo.png', 'image/png')).statusCode).toBe(200);
    expect(pdfImages(await recordPdf())).toBe(1);
    expect(pdfImages(await receiptPdf())).toBe(1);

    const { courseId } = await makeCourse(env, { title: 'Branded Course' });
    const due = '2099-01-31';
    expect((await env.req('POST', '/api/training-assignments', { as: admin, body: { courseId, dueDate: due, memberIds: [learner.id] } })).statusCode).toBe(201);
    smtp.received.length = 0;
    expect((await drainOutbox(env.ctx)).sent).toBeGreaterThanOrEqual(1);
    const mail = smtp.received.find((m) => m.to.includes(learner.email));
    expect(mail?.raw).toContain('Content-Type: multipart/related');
    expect(mail?.raw).toContain('Content-ID: <organisation-logo@smooth-lms>');
    expect(mail?.raw).toContain('src="cid:organisation-logo@smooth-lms"');
    expect(mail?.raw).toContain('alt="Logo Works logo"');
    expect(mail?.raw).toContain(samples.png.toString('base64').slice(0, 40));
    // The template preview shows the logo by its public address.
    const preview = json<{ html: string }>(
      await env.req('POST', '/api/notification-templates/enrolled/preview', { as: admin, body: { subject: 'Hi', body: 'Hello' } }),
    );
    expect(preview.html).toMatch(/src="https:\/\/lms\.example\.com\/api\/settings\/logo\?v=[0-9a-f]{16}"/);

    // Without a logo, mail has no image.
    expect((await env.req('DELETE', '/api/settings/logo', { as: admin })).statusCode).toBe(204);
    const other = await env.user(['LMS Student'], 'Nia Nologo');
    await env.req('POST', '/api/training-assignments', { as: admin, body: { courseId, dueDate: due, memberIds: [other.id] } });
    smtp.received.length = 0;
    await drainOutbox(env.ctx);
    const plain = smtp.received.find((m) => m.to.includes(other.email));
    expect(plain?.raw).toContain('Branded Course');
    expect(plain?.raw).not.toContain('cid:');
  });

  it("heads a certificate PDF whose template has no logo of its own; a template's own logo wins", async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student'], 'Cora Certified');
    const { courseId } = await makeCourse(env, { title: 'Logo Certification', enableCertification: true });
    const issued = await env.req('POST', '/api/certificates', { as: mod, body: { memberId: learner.id, courseId } });
    expect(issued.statusCode, issued.body).toBe(201);
    const certId = json<{ id: string }>(issued).id;
    const certificatePdf = async () => {
      const r = await env.req('GET', `/api/certificates/${certId}/pdf`, { as: learner });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['content-type']).toBe('application/pdf');
      return pdfImageEncodings(r.rawPayload);
    };
    expect((await env.req('DELETE', '/api/settings/logo', { as: admin })).statusCode).toBe(204);
    const without = await certificatePdf();
    expect(without).not.toContain('jpeg');

    // The organisation's logo (a JPEG) appears on the certificate, once.
    expect((await put(env, admin, JPEG, 'logo.jpg', 'image/jpeg')).statusCode).toBe(200);
    const withLogo = await certificatePdf();
    expect(withLogo).toHaveLength(without.length + 1);
    expect(withLogo.filter((e) => e === 'jpeg')).toHaveLength(1);
    // The template preview shows it too.
    const tpl = json<{ items: { id: string; isDefault: boolean }[] } | { id: string; isDefault: boolean }[]>(
      await env.req('GET', '/api/certificate-templates', { as: admin }),
    );
    const templateId = (Array.isArray(tpl) ? tpl : tpl.items).find((t) => t.isDefault)!.id;
    const preview = await env.req('POST', `/api/certificate-templates/${templateId}/preview.pdf`, { as: admin, body: {} });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(pdfImageEncodings(preview.rawPayload).filter((e) => e === 'jpeg')).toHaveLength(1);

    // A template with its own logo (a PNG) shows that one, not the organisation's.
    const { body, headers } = fileUpload(samples.png, 'template-logo.png', 'image/png');
    const own = await env.req('PUT', `/api/certificate-templates/${templateId}/images/logo`, { as: admin, body, headers });
    expect(own.statusCode, own.body).toBe(200);
    const templated = await certificatePdf();
    expect(templated).toHaveLength(without.length + 1);
    expect(templated).not.toContain('jpeg');
    expect((await env.req('DELETE', `/api/certificate-templates/${templateId}/images/logo`, { as: admin })).statusCode).toBe(200);
    expect(await certificatePdf()).toEqual(withLogo);

    // Without the organisation's logo the certificate is as before.
    expect((await env.req('DELETE', '/api/settings/logo', { as: admin })).statusCode).toBe(204);
    expect(await certificatePdf()).toEqual(without);
  });
});
