import type { FastifyInstance } from 'fastify';
import { errors, type FieldError } from './errors.ts';

/** Where a NUL character hides in a parsed body, query or params value (keys included); iterative, so deep nesting is safe. */
function nulPaths(root: unknown, rootPath: string, out: FieldError[]): void {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length && out.length < 20) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) out.push({ path, message: 'Text may not contain the NUL character (\\u0000).' });
      continue;
    }
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    const entries: [string, unknown][] = Array.isArray(value)
      ? (value as unknown[]).map((v, i): [string, unknown] => [String(i), v])
      : Object.entries(value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i]!;
      const p = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) out.push({ path: p, message: 'Names may not contain the NUL character (\\u0000).' });
      stack.push([v, p]);
    }
  }
}

/**
 * PostgreSQL refuses NUL in text and SQLite would store it; neither is ever meaningful input.
 * One check for every route, before the schemas run: 400 VALIDATION_FAILED with the field path.
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const found: FieldError[] = [];
    nulPaths(req.body, '', found);
    nulPaths(req.query, 'querystring', found);
    nulPaths(req.params, 'params', found);
    if (found.length) throw errors.validation(found, 'The request contains a NUL character.');
  });
}
