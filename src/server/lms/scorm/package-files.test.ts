import { expect, it } from 'vitest';
import { describeDb } from '../../../../test/helpers/harness.ts';
import { scormCourse, uploadSample } from '../../../../test/helpers/scorm.ts';

describeDb('SCORM package files: access, content types, ranges, CSP, no way out', (env) => {
  it('serves a package to enrolled members and staff only, confined to its folder', async () => {
    const mod = await env.user(['Moderator']);
    const learner = await env.user();
    const stranger = await env.user();
    const pkg = await uploadSample(env, mod, 'basic12');
    const course = await scormCourse(env, mod, pkg.id);
    const url = `/scorm/${pkg.id}/shared/launchpage.html`;

    expect((await env.req('GET', url)).statusCode).toBe(401);
    expect((await env.req('GET', url, { as: learner })).statusCode).toBe(404);
    expect((await env.req('GET', url, { as: stranger })).statusCode).toBe(404);
    expect((await env.req('POST', `/api/courses/${course.courseId}/enroll`, { as: learner })).statusCode).toBe(201);

    const page = await env.req('GET', url, { as: learner });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<html');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain(`script-src http://localhost:80/scorm/${pkg.id}/ 'unsafe-inline'`);
    expect(csp).toContain("object-src 'none'");
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect((await env.req('GET', url, { as: mod })).statusCode).toBe(200);

    const js = await env.req('GET', `/scorm/${pkg.id}/shared/scormfunctions.js`, { as: learner });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const png = await env.req('GET', `/scorm/${pkg.id}/shared/cclicense.png`, { as: learner });
    expect(png.headers['content-type']).toBe('image/png');

    // Range requests.
    const part = await env.req('GET', url, { as: learner, headers: { range: 'bytes=0-9' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toMatch(/^bytes 0-9\/\d+$/);
    expect(part.body).toHaveLength(10);
    expect(page.body.startsWith(part.body)).toBe(true);
    expect((await env.req('GET', url, { as: learner, headers: { range: 'bytes=999999-' } })).statusCode).toBe(416);
    const etag = String(page.headers.etag);
    expect((await env.req('GET', url, { as: learner, headers: { 'if-none-match': etag } })).statusCode).toBe(304);

    // No way out of the folder, no directories, no unknown files.
    for (const bad of ['../../../../etc/passwd', '..%2F..%2F..%2Fetc%2Fpasswd', '%2e%2e/%2e%2e/imsmanifest.xml', 'shared', 'shared/', 'nope.html', 'shared%5C..%5C..%5Cx']) {
      const res = await env.req('GET', `/scorm/${pkg.id}/${bad}`, { as: learner });
      expect(res.statusCode, bad).toBe(404);
    }
    // NUL is refused before the route runs (400).
    expect((await env.req('GET', `/scorm/${pkg.id}/%00.html`, { as: learner })).statusCode).toBe(400);
    expect((await env.req('GET', `/scorm/nosuchpackage/shared/launchpage.html`, { as: mod })).statusCode).toBe(404);
  });
});
