import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/dialect.ts';

export interface FieldError {
  path: string;
  message: string;
}

/** An error with a stable code that the API answers as RFC 9457 problem+json. */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly extras: Record<string, unknown> = {},
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export const errors = {
  validation: (errs: FieldError[], detail = 'The request does not match its schema.') =>
    new AppError(400, 'VALIDATION_FAILED', detail, { errors: errs }),
  unauthenticated: (detail = 'You need to log in.') => new AppError(401, 'UNAUTHENTICATED', detail),
  forbidden: (detail = 'Your roles do not allow this action.') => new AppError(403, 'FORBIDDEN', detail),
  notFound: (what = 'The resource') => new AppError(404, 'NOT_FOUND', `${what} was not found.`),
  conflict: (code: string, detail: string, extras: Record<string, unknown> = {}) => new AppError(409, code, detail, extras),
  unprocessable: (code: string, detail: string, extras: Record<string, unknown> = {}) =>
    new AppError(422, code, detail, extras),
  unavailable: (retryAfterSeconds = 5) =>
    new AppError(503, 'SERVICE_UNAVAILABLE', 'The service cannot reach its database right now. Try again shortly.', {}, {
      'Retry-After': String(retryAfterSeconds),
    }),
  rateLimited: (retryAfterSeconds: number, detail = 'Too many requests. Try again later.') =>
    new AppError(429, 'RATE_LIMITED', detail, { retryAfter: retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) }),
};

export function problemType(code: string): string {
  return `https://smooth-lms.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extras: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: problemType(code),
        title: TITLES[status] ?? 'Error',
        status,
        detail,
        code,
        instance: reply.request.url.split('?')[0],
        requestId: reply.request.id,
        ...extras,
      }),
    );
}

/** Turns a zod issue path (['answers', 0, 'text']) into "answers.0.text". */
export function pathOf(parts: readonly PropertyKey[]): string {
  return parts.map(String).join('.');
}

export function fieldErrorsFromZod(err: ZodError, prefix = ''): FieldError[] {
  return err.issues.map((i) => ({ path: prefix + pathOf(i.path), message: i.message }));
}

function fieldErrorsFromValidation(err: FastifyError): FieldError[] {
  const ctx = (err as { validationContext?: string }).validationContext;
  const where = ctx === 'body' || !ctx ? '' : `${ctx}.`;
  return (err.validation ?? []).map((v) => {
    const rec = v as unknown as { keyword?: string; instancePath?: string; message?: string; params?: { keys?: string[] } };
    let p = (rec.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (rec.keyword === 'unrecognized_keys' && rec.params?.keys?.length) {
      p = [p, rec.params.keys.join(',')].filter(Boolean).join('.');
    }
    return { path: where + p, message: rec.message ?? 'Invalid value' };
  });
}

/**
 * `page`: when given, a GET for an unknown URL outside /api/ from a browser (it accepts HTML)
 * answers the web app's page with 404, so the app shows its own not-found page; API paths keep
 * problem+json.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  page?: (req: FastifyRequest, reply: FastifyReply) => unknown,
): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (isDatabaseUnavailable(err)) {
      req.log.error({ err }, 'database unavailable');
      err = errors.unavailable();
    }
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return sendProblem(reply, err.status, err.code, err.message, err.extras);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      return sendProblem(reply, 400, 'VALIDATION_FAILED', 'The request does not match its schema.', {
        errors: fieldErrorsFromValidation(err),
      });
    }
    if (err instanceof ZodError) {
      return sendProblem(reply, 400, 'VALIDATION_FAILED', 'The request does not match its schema.', {
        errors: fieldErrorsFromZod(err),
      });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
      return sendProblem(reply, 500, 'INTERNAL_ERROR', 'An unexpected error happened. It has been logged.');
    }
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, 400, 'MALFORMED_JSON', 'The request body is not valid JSON.');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
      case 'FST_FILES_LIMIT':
        return sendProblem(reply, 413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than this endpoint accepts.');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
        return sendProblem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'This endpoint does not accept that content type.');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendProblem(reply, 400, 'MALFORMED_REQUEST', 'The Content-Length header does not match the body.');
      default:
        break;
    }
    if (err.statusCode === 429) {
      return sendProblem(reply, 429, 'RATE_LIMITED', 'Too many requests. Try again later.');
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendProblem(reply, err.statusCode, 'BAD_REQUEST', 'The request could not be processed.');
    }
    req.log.error({ err }, 'unexpected error');
    return sendProblem(reply, 500, 'INTERNAL_ERROR', 'An unexpected error happened. It has been logged.');
  });

  app.setNotFoundHandler((req, reply) => {
    const pathOnly = req.url.split('?')[0] ?? '';
    if (
      page &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !pathOnly.startsWith('/api/') &&
      pathOnly !== '/api' &&
      /text\/html/.test(req.headers.accept ?? '')
    ) {
      reply.code(404);
      return page(req, reply);
    }
    return sendProblem(reply, 404, 'NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`);
  });
}
