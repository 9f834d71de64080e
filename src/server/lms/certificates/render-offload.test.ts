import { expect, it } from 'vitest';
import { describeDb, json } from '../../../../test/helpers/harness.ts';
import { makeCourse } from '../../../../test/helpers/fixtures.ts';
import { DEFAULT_TEMPLATE_ID } from './template.service.ts';
import { renderPoolFor } from './render-pool.ts';

/**
 * Certificate PDFs and template previews render on the render threads, never on the event loop,
 * and one render's work is bounded (template text limits, long words broken, a per-render timeout).
 */
describeDb('certificate rendering off the event loop', (env) => {
  it('a preview with a 4,000-character word renders on a render thread, within a bound', async () => {
    const admin = await env.user(['System Manager']);
    const pool = renderPoolFor(env.ctx);
    const before = { ...pool.counts };
    const started = performance.now();
    const res = await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, {
      as: admin,
      body: { body: 'x'.repeat(4000) },
    });
    const ms = performance.now() - started;
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pool.counts.threads).toBe(before.threads + 1);
    expect(pool.counts.inProcess).toBe(before.inProcess);
    // Generous for a shared machine (starting a render thread included); unbroken it took seconds of event-loop time.
    expect(ms).toBeLessThan(15_000);
  });

  it('template texts past their limits (length, lines, placeholders) are 400 VALIDATION_FAILED and render nothing', async () => {
    const admin = await env.user(['System Manager']);
    const pool = renderPoolFor(env.ctx);
    const before = { ...pool.counts, audit: await env.count('audit_log'), templates: await env.count('certificate_templates') };
    for (const body of [
      { body: 'x'.repeat(4001) },
      { body: 'line\n'.repeat(41) },
      { body: '{{courseTitle}} '.repeat(13) },
      { title: 'T'.repeat(201) },
      { title: 'a\nb\nc' },
      { subtitle: '{{memberName}}'.repeat(4) },
    ]) {
      const res = await env.req('POST', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}/preview.pdf`, { as: admin, body });
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(json(res).code).toBe('VALIDATION_FAILED');
      const saved = await env.req('PATCH', `/api/certificate-templates/${DEFAULT_TEMPLATE_ID}`, { as: admin, body });
      expect(saved.statusCode).toBe(400);
    }
    expect({ ...pool.counts, audit: await env.count('audit_log'), templates: await env.count('certificate_templates') }).toEqual(before);
  });

  it('parallel certificate downloads render on the threads while /api/health answers', async () => {
    const mod = await env.user(['Moderator']);
    const c = await makeCourse(env, { enableCertification: true });
    const people = await Promise.all([env.user(), env.user(), env.user(), env.user()]);
    const ids: string[] = [];
    for (const p of people) {
      const res = await env.req('POST', '/api/certificates', { as: mod, body: { memberId: p.id, courseId: c.courseId } });
      expect(res.statusCode).toBe(201);
      ids.push(json<{ id: string }>(res).id);
    }
    const pool = renderPoolFor(env.ctx);
    const before = { ...pool.counts };
    const downloads = ids.map((id, i) => env.req('GET', `/api/certificates/${id}/pdf`, { as: people[i]! }));
    const health = await env.req('GET', '/api/health');
    expect(health.statusCode).toBe(200);
    const pdfs = await Promise.all(downloads);
    for (const r of pdfs) {
      expect(r.statusCode).toBe(200);
      expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    }
    expect(pool.counts.threads).toBe(before.threads + ids.length);
    expect(pool.counts.inProcess).toBe(before.inProcess);
    // Another learner's certificate stays 404 (no render at all).
    expect((await env.req('GET', `/api/certificates/${ids[0]}/pdf`, { as: people[1] })).statusCode).toBe(404);
    expect(pool.counts.threads).toBe(before.threads + ids.length);
  });
});
