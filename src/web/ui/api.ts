/**
 * A small JSON client for the Smooth LMS API. Requests go to the same origin with the session
 * cookie; failures arrive as RFC 9457 problem+json and become an `ApiError`.
 */

export interface FieldError {
  path: string;
  message: string;
}

interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
  retryAfter?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];
  /** Seconds to wait before trying again (429 answers). */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, detail: string, fieldErrors: FieldError[] = [], retryAfter: number | null = null) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter;
  }

  /** The first message for a field path ("email", "answers.0.text"), if any. */
  fieldError(path: string): string | undefined {
    return this.fieldErrors.find((e) => e.path === path)?.message;
  }
}

/** A readable sentence for any error thrown while talking to the API. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** The API's problem+json answer as an ApiError (code, detail, field errors). */
export async function toApiError(res: Response): Promise<ApiError> {
  let problem: Problem = {};
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = {};
    }
  }
  const header = Number(res.headers.get('retry-after'));
  const retryAfter = typeof problem.retryAfter === 'number' ? problem.retryAfter : Number.isFinite(header) && header > 0 ? header : null;
  return new ApiError(
    res.status,
    problem.code ?? `HTTP_${res.status}`,
    problem.detail ?? (res.statusText || `The request failed (HTTP ${res.status}).`),
    Array.isArray(problem.errors) ? problem.errors : [],
    retryAfter,
  );
}

async function request<T>(method: Method, url: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers };
  const init: RequestInit = { method, credentials: 'same-origin', headers };
  if (opts.signal) init.signal = opts.signal;
  if (body !== undefined) {
    if (body instanceof FormData) {
      init.body = body;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(url, init);
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await res.text()) as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(url: string, opts?: RequestOptions) => request<T>('GET', url, undefined, opts),
  post: <T>(url: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', url, body, opts),
  put: <T>(url: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', url, body, opts),
  patch: <T>(url: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', url, body, opts),
  delete: <T = void>(url: string, opts?: RequestOptions) => request<T>('DELETE', url, undefined, opts),
};

const early = new Map<string, Promise<unknown>>();

/**
 * Takes up the requests the server named in the page (`<link rel="preload" as="fetch">`: who is
 * logged in, the landing page's data), so their answers wait here for the pages that ask for them.
 * Sent with the same headers as the hint's (no Accept of our own): the browser then hands over the
 * request already under way instead of sending a second one.
 */
export function takeUpPreloads(): void {
  for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel="preload"][as="fetch"]')) {
    const url = link.getAttribute('href');
    if (url && !early.has(url))
      early.set(
        url,
        api.get(url, { headers: { Accept: '*/*' } }).catch(() => null),
      );
  }
}

/**
 * GET, answered from the request the page started early when there is one (used once, and only
 * when it succeeded; otherwise the server is asked again).
 */
export async function getFirst<T>(url: string, opts?: RequestOptions): Promise<T> {
  const pending = early.get(url);
  early.delete(url);
  const data = pending ? ((await pending) as T | null) : null;
  return data ?? api.get<T>(url, opts);
}

export { useMe, useSetupStatus, useLogout, isStaff, type Me } from './session.ts';
