import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ts from 'typescript';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, json, type TestUser } from '../../../test/helpers/harness.ts';
import { courseKit } from '../../../test/helpers/courses.ts';
import { PROBLEM_CODES } from './openapi.ts';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, unknown> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; tags: { name: string }[]; servers: { url: string }[] };

/** The example client of the README: logs in, enrolls a member, lists the course's enrollments. */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './smooth-api';

const baseUrl = process.env.SMOOTH_URL ?? 'http://localhost:8000';
const { SMOOTH_EMAIL = '', SMOOTH_PASSWORD = '', COURSE_ID = '', MEMBER_EMAIL = '' } = process.env;

const login = await createClient<paths>({ baseUrl }).POST('/api/auth/login', {
  body: { email: SMOOTH_EMAIL, password: SMOOTH_PASSWORD },
});
if (login.error) throw new Error(\`login: \${login.error.code}\`);
const cookie = login.response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
const api = createClient<paths>({ baseUrl, headers: { cookie } });

const created = await api.POST('/api/enrollments', { body: { courseId: COURSE_ID, memberEmail: MEMBER_EMAIL } });
if (created.error) throw new Error(\`\${created.error.code}: \${created.error.detail}\`);
const enrollment: { id: string; progress: number; source: 'self' | 'admin' | 'cohort' | 'onboarding' | 'assignment' | 'import' } = created.data;

const again = await api.POST('/api/enrollments', { body: { courseId: COURSE_ID, memberEmail: MEMBER_EMAIL } });
// The problem codes an operation documents are a union type: a code it cannot answer does not compile.
const conflict: 'ALREADY_ENROLLED' | 'VALIDATION_FAILED' | 'FORBIDDEN' | undefined =
  again.error?.code === 'ALREADY_ENROLLED' || again.error?.code === 'VALIDATION_FAILED' || again.error?.code === 'FORBIDDEN'
    ? again.error.code
    : undefined;

const list = await api.GET('/api/enrollments', { params: { query: { courseId: COURSE_ID, limit: 50 } } });
if (list.error) throw new Error(list.error.code);
const ids: string[] = list.data.items.map((e) => e.id);

console.log(JSON.stringify({ user: login.data.user.email, enrollment, conflict, ids, nextCursor: list.data.nextCursor }));
`;

/** Generates types from a document and type-checks the client against them; answers the diagnostics. */
async function typecheckClient(dir: string, doc: unknown): Promise<string[]> {
  fs.writeFileSync(path.join(dir, 'smooth-api.d.ts'), astToString(await openapiTS(doc as Parameters<typeof openapiTS>[0])));
  fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const program = ts.createProgram([path.join(dir, 'client.ts')], {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

it('the problem-code catalogue names every code the server throws', () => {
  const thrown = new Set<string>();
  const files = fs.readdirSync('src/server', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  for (const f of files) {
    const text = fs.readFileSync(path.join('src/server', f), 'utf8');
    for (const m of text.matchAll(/(?:errors\.(?:conflict|unprocessable)|new AppError)\(\s*(?:\d+,\s*)?'([A-Z][A-Z_]+)'/g)) thrown.add(m[1]!);
    for (const m of text.matchAll(/sendProblem\([^)]*?\d{3}, '([A-Z][A-Z_]+)'/g)) thrown.add(m[1]!);
  }
  thrown.delete('DATABASE_NOT_EMPTY'); // `smooth seed --demo` only, no API route
  expect(thrown.size).toBeGreaterThan(40);
  expect([...thrown].filter((c) => !(c in PROBLEM_CODES))).toEqual([]);
});

describeDb('OpenAPI for generated clients', (env) => {
  let dir = '';
  let doc: Doc;
  beforeAll(async () => {
    if (!env.app) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smooth-client-'));
    // The client resolves openapi-fetch as an application that installed it would.
    fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'), 'dir');
    doc = json<Doc>(await env.req('GET', '/api/openapi.json'));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every operation has a unique <resource>.<verb> operationId, a summary, defined tags and problem answers', () => {
    const ids: string[] = [];
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const [url, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${url}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
        ids.push(op.operationId!);
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBeGreaterThan(0);
        for (const t of op.tags ?? []) expect(tags.has(t), `${where}: tag ${t}`).toBe(true);
        const statuses = Object.keys(op.responses);
        expect(statuses.some((s) => s.startsWith('2')), where).toBe(true);
        expect(statuses, where).toEqual(expect.arrayContaining(['429', '500']));
        // Every 4xx and the 500 are problems (a 503 of /api/health is its JSON health report).
        for (const s of statuses.filter((x) => /^4|^500$/.test(x))) {
          expect(Object.keys(op.responses[s]!.content ?? {}), `${where} ${s}`).toEqual(['application/problem+json']);
        }
      }
    }
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const op = (m: string, u: string) => doc.paths[u]![m]!;
    expect(op('post', '/api/enrollments').operationId).toBe('enrollments.create');
    expect(op('get', '/api/enrollments').operationId).toBe('enrollments.list');
    expect(op('get', '/api/enrollments/{id}').operationId).toBe('enrollments.get');
    expect(op('delete', '/api/enrollments/{id}').operationId).toBe('enrollments.delete');
    expect(op('post', '/api/courses/{id}/enroll').operationId).toBe('courses.enroll');
    expect(op('post', '/api/lessons/{id}/complete').operationId).toBe('lessons.complete');
    expect(doc.servers[0]?.url).toMatch(/^https?:\/\//);
  });

  it('documents the codes a route declares and the generic ones its access implies', () => {
    const codes = (m: string, u: string) =>
      Object.values(doc.paths[u]![m]!.responses).flatMap((r) => {
        const media = r.content?.['application/problem+json'] as { schema: { allOf: [unknown, { properties: { code: { enum: string[] } } }] } } | undefined;
        return media?.schema.allOf[1].properties.code.enum ?? [];
      });
    const enroll = codes('post', '/api/courses/{id}/enroll');
    expect(enroll).toEqual(expect.arrayContaining(['ALREADY_ENROLLED', 'COURSE_NOT_PUBLISHED', 'PAYMENT_REQUIRED', 'UNAUTHENTICATED', 'NOT_FOUND']));
    expect(enroll).not.toContain('FORBIDDEN'); // any logged-in user may call it
    expect(codes('post', '/api/enrollments')).toEqual(expect.arrayContaining(['ALREADY_ENROLLED', 'FORBIDDEN', 'VALIDATION_FAILED']));
    expect(codes('get', '/api/certificates/verify/{code}')).not.toContain('UNAUTHENTICATED'); // public
    // Each catalogued code is answered by some operation, and no operation answers an uncatalogued one.
    const all = new Set(Object.entries(doc.paths).flatMap(([u, item]) => Object.keys(item).flatMap((m) => codes(m, u))));
    expect([...all].sort()).toEqual(Object.keys(PROBLEM_CODES).sort());
  });

  it('types generated by openapi-typescript type-check an openapi-fetch client, which runs against the server', async () => {
    expect(await typecheckClient(dir, doc)).toEqual([]);

    const kit = courseKit(env);
    const staff: TestUser = await env.user(['Moderator']);
    const learner = await env.user(['LMS Student']);
    const course = await kit.course(staff, { published: true });
    const address = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'client.ts'], {
      cwd: dir,
      env: { ...process.env, SMOOTH_URL: address, SMOOTH_EMAIL: staff.email, SMOOTH_PASSWORD: staff.password, COURSE_ID: course.id, MEMBER_EMAIL: learner.email },
    });
    const out = JSON.parse(run.stdout) as { user: string; enrollment: { id: string; source: string; progress: number }; conflict: string; ids: string[] };
    expect(out).toMatchObject({ user: staff.email, enrollment: { source: 'admin', progress: 0 }, conflict: 'ALREADY_ENROLLED' });
    expect(out.ids).toEqual([out.enrollment.id]);
  }, 120_000);

  it('the client no longer type-checks when an operation loses its schema', async () => {
    const broken = structuredClone(doc);
    delete broken.paths['/api/enrollments']!.post!.responses['201']!.content;
    const diagnostics = await typecheckClient(dir, broken);
    // `created.data` of POST /api/enrollments no longer has the enrollment's type.
    expect(diagnostics.join('\n')).toMatch(/Type 'undefined' is not assignable to type '\{ id: string; progress: number;/);
  }, 120_000);
});
