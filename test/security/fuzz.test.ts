import { expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeDb, json, type TestEnv } from '../helpers/harness.ts';

/**
 * Fuzzing of every JSON route from its own schema (the OpenAPI document the app derives from the
 * zod contract): bodies mostly shaped like the schema, with wrong types, oversize and odd strings
 * mixed in. Never a 500; a 4xx writes nothing (row counts of the main tables before and after).
 * Bounded: RUNS bodies per route. Login, setup and logout change the caller's own session and have
 * their own tests.
 */
const RUNS = 20;
const SKIP = [/^\/api\/auth\//, /^\/api\/setup$/];
const TABLES = [
  'users',
  'courses',
  'chapters',
  'lessons',
  'enrollments',
  'certificates',
  'certificate_templates',
  'quizzes',
  'quiz_submissions',
  'training_assignments',
  'employees',
  'employee_documents',
  'scorm_packages',
  'scorm_attempts',
  'payments',
  'coupons',
  'audit_log',
  'assignments',
  'assignment_submissions',
  'batch_assessments',
  'evaluator_availability',
  'certificate_requests',
];
const FAKE_ID = '01zzzzzzzzzzzzzzzzzzzzzzzz';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};
type Spec = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
};

/** Odd values any field may get instead of a well-formed one. */
const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', ' ', '\u0000', '💥'.repeat(3), 'x'.repeat(70_000), -1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2, true, [], {}),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

function arbitraryOf(spec: Spec, s: Schema, depth = 0): fc.Arbitrary<unknown> {
  const wellFormed = shaped(spec, s, depth);
  return fc.oneof({ weight: 6, arbitrary: wellFormed }, { weight: 1, arbitrary: odd });
}

function shaped(spec: Spec, s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (s.$ref) return shaped(spec, spec.components!.schemas![s.$ref.split('/').pop()!]!, depth);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map((x) => shaped(spec, x, depth)));
  if (s.allOf) return shaped(spec, s.allOf[0]!, depth);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      if (depth > 3 || !s.properties) return fc.constant({});
      const required = new Set(s.required ?? []);
      return fc.record(Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, arbitraryOf(spec, v, depth + 1)])), {
        requiredKeys: Object.keys(s.properties).filter((k) => required.has(k)),
      });
    }
    case 'array':
      return fc.array(s.items ? arbitraryOf(spec, s.items, depth + 1) : odd, {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 5, 5),
      });
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e9), max: Math.min(s.maximum ?? 100_000, 1e9) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string': {
      if (s.format === 'date')
        return fc
          .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10));
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'email') return fc.emailAddress();
      if (s.format === 'uri') return fc.webUrl();
      if (s.pattern === '^[0-9a-z]+$') return fc.oneof(fc.constant(FAKE_ID), fc.stringMatching(/^[0-9a-z]{1,30}$/));
      if (s.pattern && s.pattern.length < 40) {
        const re = new RegExp(s.pattern);
        return fc.stringMatching(re).filter((x) => x.length <= (s.maxLength ?? 1000));
      }
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 50, 300), unit: 'grapheme' });
    }
    default:
      return odd;
  }
}

/** Row counts of TABLES, read in one statement (one round trip per snapshot). */
const COUNTS = sql<Record<string, number | string>>`select ${sql.join(
  TABLES.map((t) => sql`(select count(*) from ${sql.table(t)}) as ${sql.ref(t)}`),
)}`;

async function counts(env: TestEnv): Promise<Record<string, number>> {
  const [row] = (await COUNTS.execute(env.ctx.db)).rows;
  return Object.fromEntries(TABLES.map((t) => [t, Number(row?.[t])]));
}

describeDb('fuzzing the JSON routes from their schemas', (env) => {
  it(`${RUNS} bodies per JSON route: never a 500, never a write on a 4xx`, { timeout: 300_000 }, async () => {
    const spec = json<Spec>(await env.req('GET', '/api/docs/json'));
    const routes: { method: string; url: string; schema: Schema }[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (SKIP.some((re) => re.test(path))) continue;
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (schema) routes.push({ method: method.toUpperCase(), url: path.replace(/\{\w+\}/g, FAKE_ID), schema });
      }
    }
    expect(routes.length).toBeGreaterThan(35);
    // The snapshot reads real counts (a broken one would compare NaN with NaN and see no write).
    expect(Object.values(await counts(env)).every((n) => Number.isInteger(n))).toBe(true);
    const failures: string[] = [];
    let answered4xx = 0;
    const statuses = new Map<string, number>();
    for (const route of routes) {
      const as = await env.user(['System Manager']);
      await fc.assert(
        fc.asyncProperty(arbitraryOf(spec, route.schema), async (body) => {
          const before = await counts(env);
          const res = await env.req(route.method, route.url, { as, body: body === undefined ? null : body });
          const k = `${route.method} ${route.url} ${res.statusCode}`;
          statuses.set(k, (statuses.get(k) ?? 0) + 1);
          if (res.statusCode >= 500) {
            failures.push(
              `${route.method} ${route.url} ${JSON.stringify(body).slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`,
            );
            return;
          }
          if (res.statusCode >= 400) {
            answered4xx++;
            const after = await counts(env);
            if (JSON.stringify(after) !== JSON.stringify(before)) {
              failures.push(`${route.method} ${route.url} wrote on ${res.statusCode}: ${JSON.stringify(body).slice(0, 300)}`);
            }
          }
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261206) },
      );
    }
    if (process.env.FUZZ_STATS) console.log([...statuses].map(([k, n]) => `${k} ×${n}`).join('\n'));
    expect(failures).toEqual([]);
    expect(answered4xx).toBeGreaterThan(0);
    // Some bodies get through validation into the services (2xx or a service's own 4xx).
    expect([...statuses.keys()].some((k) => / 2\d\d$/.test(k))).toBe(true);
  });
});
