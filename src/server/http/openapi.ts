import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Problem } from '../../contract/common.ts';
import type { Config } from '../config.ts';
import { SESSION_COOKIE, type Access } from './access.ts';

/**
 * What the OpenAPI document at /api/openapi.json says beyond the routes' own zod schemas, derived in
 * one place from every route's method, URL, schema and `config.access`:
 * - an `operationId` `<resource>.<verb>` for generated clients (OPERATION_IDS overrides poor names);
 * - its problem+json answers: the generic ones (see `problemsOf`) plus `config.problems`, the
 *   codes its services can throw.
 */

/** Every stable `code` the API answers with (beyond 2xx), its status and when. */
export const PROBLEM_CODES = {
  WEBHOOK_SIGNATURE_INVALID: [400, 'A payment webhook whose signature does not verify (or is too old).'],
  VALIDATION_FAILED: [400, 'The body, query, path or file fails its schema; `errors[]` say where.'],
  MALFORMED_JSON: [400, 'The request body is not valid JSON.'],
  MALFORMED_REQUEST: [400, 'The multipart body is malformed or was cut short.'],
  SCORM_INVALID: [400, 'The uploaded package is not a usable SCORM 1.2/2004 zip; `errors[]` say why.'],
  COURSE_ARCHIVE_INVALID: [400, 'The uploaded course archive is not a readable zip, lacks course.json, has another format version or content that does not fit its schema; `errors[]` say what is wrong.'],
  UNAUTHENTICATED: [401, 'No or bad session or API token (or a bad login).'],
  PAYMENT_REQUIRED: [402, 'Self-enrolling into a paid course without a completed payment.'],
  FORBIDDEN: [403, 'Logged in, but the roles may not do this action at all.'],
  CSRF_REJECTED: [403, 'A cookie-authenticated state change arrived cross-site.'],
  SELF_ISSUE_FORBIDDEN: [403, 'Staff cannot issue a certificate to themselves.'],
  SELF_GRADE_FORBIDDEN: [403, 'Nobody grades their own submission or evaluates their own certificate request.'],
  NOT_FOUND: [404, 'Unknown id, or a row the caller may not see.'],
  ALREADY_ENROLLED: [409, 'The member is already enrolled in the course; `enrollmentId` holds the existing row.'],
  ALREADY_SUSPENDED: [409, 'The enrollment is suspended already.'],
  NOT_SUSPENDED: [409, 'The enrollment is not suspended, so it cannot be resumed.'],
  ALREADY_COMPLETED: [409, 'The enrollment is complete already, so it cannot be marked complete.'],
  ASSIGNMENT_COMPLETED: [409, 'The training assignment is completed, so its due date no longer changes.'],
  ENROLLMENT_SUSPENDED: [422, "The caller's enrollment in the course is suspended: lessons, progress and submissions are closed; `reason` says why."],
  ALREADY_REVOKED: [409, 'The certificate was already revoked.'],
  ATTEMPT_ALREADY_SUBMITTED: [409, 'The quiz attempt has already been submitted; `submissionId` holds it.'],
  ALREADY_GRADED: [409, 'The submission was graded already (by someone else at the same moment, perhaps); reload it.'],
  ALREADY_PASSED: [409, 'A new submission or request for something already passed.'],
  EVALUATION_PENDING: [409, 'The learner already has an open certificate request for the course; `requestId` holds it.'],
  SLOT_UNAVAILABLE: [409, "The evaluation slot is outside the evaluator's availability or already booked."],
  SUBMISSION_PENDING: [409, 'The previous submission is still waiting for its grade.'],
  ALREADY_IN_BATCH: [409, 'The person is already a member of the batch; `batchMemberId` holds the membership.'],
  ATTEMPT_CONFLICT: [409, 'Too many quiz attempts are being started at once; try again.'],
  BATCH_HAS_MEMBERS: [409, 'The batch has members, so it cannot be deleted.'],
  CERTIFICATE_EXISTS: [409, 'The member already has a certificate for the course; `certificateId` holds it.'],
  COMPLIANCE_EXISTS: [409, 'The employee already has a row for this compliance type; `complianceId` holds it.'],
  COURSE_HAS_ENROLLMENTS: [409, 'The course has enrollments; unpublish it instead of deleting it.'],
  COURSE_HAS_PAYMENTS: [409, 'Payments were made for the course; unpublish it instead of deleting it.'],
  ACCOUNT_ACTIVE: [409, 'The person has already set a password, so there is nothing to invite them to; they can reset it themselves.'],
  ACCOUNT_DISABLED: [409, 'The account is disabled; enable it before inviting its person.'],
  EMPLOYEE_HAS_ACCOUNT: [409, 'The employee already has a linked account (also when another invitation won a race).'],
  PASSWORD_LINK_OTHER_USER: [409, 'The set-password link is for another account than the logged-in one; log out first.'],
  EMAIL_TAKEN: [409, 'A user with this email already exists.'],
  EMPLOYEE_CODE_TAKEN: [409, 'An employee with this code already exists.'],
  EXPORT_NOT_READY: [409, 'The export job is not done yet.'],
  LESSON_CHANGED: [409, 'The lesson changed while the file was uploading; upload it again.'],
  NAME_TAKEN: [409, 'The name is already used.'],
  QUIZ_HAS_SUBMISSIONS: [409, 'Learners have taken the quiz, so it cannot be deleted.'],
  QUIZ_IN_USE: [409, 'Lessons use the quiz; `lessonIds` name them.'],
  PAYMENT_NOT_PENDING: [409, 'The payment is no longer waiting to be paid (paid, failed, expired or refunded); `status` says which.'],
  PAYMENT_NOT_REFUNDABLE: [409, 'Only a paid payment can be refunded; `status` says what it is.'],
  REFUND_IN_PROGRESS: [409, 'Another request is refunding this payment right now; `refundStartedAt` says since when.'],
  COUPON_EXISTS: [409, 'A coupon with this code already exists.'],
  SEATS_FULL: [409, 'Every seat of the batch is taken (also under concurrent joins).'],
  COURSE_FULL: [409, 'The course holds its maximum number of enrollments, so self-enrollment has stopped (also under concurrent requests).'],
  SETUP_DONE: [409, 'Setup is already done: an administrator exists.'],
  CLASS_NOT_STARTED: [422, 'A live class’s attendance before the class starts; `startsAt` says when it does.'],
  ASSIGNMENT_HAS_SUBMISSIONS: [409, 'Learners have handed in work for the assignment: how it is handed in, its course and lesson stay, and it cannot be deleted.'],
  COUPON_IN_USE: [409, 'A payment used the coupon: its code and discount stay, and it is not deleted (end it by its validity instead).'],
  ASSIGNMENT_IN_USE: [409, 'A batch assesses its members with the assignment, so it cannot be deleted.'],
  SUBMISSION_NOT_PENDING: [409, 'Only a submission waiting for review can be graded.'],
  TEMPLATE_IN_USE: [409, 'Courses use the certificate template, so it cannot be deleted.'],
  USER_ALREADY_LINKED: [409, 'The user is already linked to another employee.'],
  PAYLOAD_TOO_LARGE: [413, 'The body or file is larger than this endpoint accepts.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'This endpoint does not accept that content or file type.'],
  RANGE_NOT_SATISFIABLE: [416, 'The requested byte range is outside the file.'],
  PASSWORD_LINK_INVALID: [422, 'The set-password link is unknown (forged, cut short, or replaced by a newer one) or its account is disabled.'],
  PASSWORD_LINK_USED: [422, 'The set-password link has already been used (each link works once).'],
  PASSWORD_LINK_EXPIRED: [422, 'The set-password link has expired (invitations after 7 days, resets after 1 hour).'],
  ATTEMPT_EXPIRED: [422, 'The time for the quiz attempt ran out before it was submitted.'],
  ATTEMPT_NOT_STARTED: [422, 'The quiz is timed: start an attempt first.'],
  AUDIENCE_UNAVAILABLE: [422, 'Department and designation targeting needs the HR module.'],
  CANNOT_DEMOTE_SELF: [422, 'You cannot remove your own System Manager role.'],
  CANNOT_DISABLE_SELF: [422, 'You cannot disable your own account.'],
  CANNOT_REMOVE_SELF: [422, 'You would no longer manage the course.'],
  CERTIFICATION_DISABLED: [422, 'The course does not issue certificates.'],
  COURSE_NOT_COMPLETED: [422, 'The certificate is claimed (or the course attested) below 100% progress.'],
  ATTESTATION_REQUIRED: [422, "The certificate is claimed before the course's attestation was signed (for its current content)."],
  ATTESTATION_NOT_REQUIRED: [422, 'An attestation is sent for a course that asks for none.'],
  COUPON_INVALID: [422, 'Unknown, expired, used-up coupon, or one that does not apply to this course or currency.'],
  NOTHING_TO_PAY: [422, 'The course or batch is free: enroll or join it instead; `price` is not set for a paid one.'],
  COURSE_NOT_PUBLISHED: [422, 'The course is not published, so nobody can enroll in it yet.'],
  DEFAULT_TEMPLATE_REQUIRED: [422, 'One certificate template must stay the default.'],
  EMPLOYEE_NOT_ACTIVE: [422, 'The employee has left; onboard an active employee.'],
  EXPORT_TOO_LARGE: [422, 'Too many certificates for one zip; narrow the filters.'],
  LEAVE_NOT_ALLOWED: [422, 'The learner cannot leave the course themselves; `reason` says why: mandatory, not_self_enrolled or assigned.'],
  ISSUE_DATE_BEFORE_ENROLLMENT: [422, "A manual certificate's issue date is before the member's enrollment; give a `reason` to allow it."],
  LESSON_LOCKED: [422, 'The course is taken in order: complete the previous lessons first.'],
  EVALUATION_REQUIRED: [422, 'The course issues its certificate only after a passing certificate evaluation.'],
  REQUEST_NOT_SCHEDULED: [422, 'Only a scheduled certificate request takes a result, a new slot or a cancellation.'],
  EVALUATION_NOT_STARTED: [422, 'A certificate evaluation takes its result only once it has started; `startsAt` says when it starts.'],
  LESSON_REQUIRES_ASSIGNMENT: [422, 'The lesson completes when its assignment submission passes.'],
  LESSON_REQUIRES_QUIZ: [422, 'The lesson completes when its quiz is passed.'],
  LESSON_REQUIRES_SCORM: [422, 'The lesson completes when its SCORM package reports completion.'],
  LESSON_TAKES_NO_FILE: [422, 'Only video and PDF lessons take an uploaded file.'],
  MAX_ATTEMPTS_REACHED: [422, 'All attempts the quiz allows have been used.'],
  QUIZ_NOT_OPEN: [422, 'The quiz does not open until `opensAt`.'],
  QUIZ_CLOSED: [422, 'The quiz closed at `closesAt` (the learner’s own close time when an override extends it).'],
  ENROLLMENT_CLOSED: [422, 'Self-enrollment in the course is not open now: before `enrollmentOpensAt` or from `enrollmentClosesAt`.'],
  NOT_AN_EMPLOYEE: [422, 'The learner has no employee record to file the document on.'],
  RENDER_TIMEOUT: [422, 'The certificate PDF took too long to render; shorten the texts of its template.'],
  QUIZ_NOT_IN_COURSE: [422, 'The quiz belongs to another course.'],
  SEATS_BELOW_MEMBERS: [422, 'The batch has more members than the seat count asked for.'],
  SELF_ENROLLMENT_DISABLED: [422, 'The course (or batch) does not allow self-enrollment.'],
  SUBMISSION_NOT_SUBMITTED: [422, 'The quiz attempt has not been submitted yet.'],
  RATE_LIMITED: [429, 'Too many requests (failed logins especially); `retryAfter` says when to try again.'],
  INTERNAL_ERROR: [500, 'An unexpected error; it has been logged with the `requestId`.'],
  PAYMENT_GATEWAY_FAILED: [502, 'The payment provider could not be reached or refused the call; nothing was charged or changed.'],
  PAYMENT_GATEWAY_NOT_CONFIGURED: [503, 'Stripe is the payment gateway, but its secret key is not set in Settings.'],
  SERVICE_UNAVAILABLE: [503, 'The database cannot be reached right now; `Retry-After` says when to try again.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Codes this route answers beyond the generic ones its schema and access imply (see openapi.ts). */
    problems?: readonly ProblemCode[];
  }
}

/** The operations' tags (`schema.tags`), in the order the documentation shows them. */
export const TAGS = [
  { name: 'auth', description: 'First-run setup, login and logout, the current user, API tokens.' },
  { name: 'users', description: 'Users and their roles (System Manager).' },
  { name: 'courses', description: 'Courses, chapters, lessons and their files; the course outline.' },
  { name: 'enrollments', description: 'One member in one course: self and staff enrollment, lists, learners, My Courses.' },
  { name: 'progress', description: 'Lesson completion and the last opened lesson; progress is derived by the server.' },
  { name: 'quizzes', description: 'Quizzes, attempts, submissions, grading and quiz reports.' },
  { name: 'scorm', description: 'SCORM 1.2 and 2004 packages, the runtime commits of the player and the attempts.' },
  { name: 'certificates', description: 'Certificate claims, staff issue, revocation, PDFs, exports and public verification.' },
  { name: 'certificate templates', description: 'The layouts certificates are printed with.' },
  { name: 'assignments', description: 'Assignments, their submitted versions and grades; the grading queue.' },
  { name: 'evaluations', description: 'Certificate evaluations: evaluator availability, booked slots, results.' },
  { name: 'batches', description: 'Cohorts: batches, members and seats, live classes, attendance, calendar feeds, the batch dashboard.' },
  { name: 'payments', description: 'Paid courses and batches: checkout (Stripe or invoice), webhooks, coupons, receipts, refunds.' },
  { name: 'training assignments', description: 'Mandatory training with due dates, per member or by department and designation.' },
  { name: 'hr', description: 'Employees, departments, designations, onboarding, documents and compliance.' },
  { name: 'imports', description: 'CSV imports (enrollments, employees, training assignments), their templates and progress.' },
  { name: 'statistics', description: 'Enrollment, assessment and mandatory-compliance figures.' },
  {
    name: 'notifications',
    description: "The caller's in-app notifications and preferences; notification templates and the mail outbox (System Manager).",
  },
  { name: 'jobs', description: 'Scheduled jobs: their last run, and a run by hand (System Manager).' },
  { name: 'recommendations', description: 'Course suggestions for the caller.' },
  { name: 'search', description: 'Search across courses, people and employees the caller may see.' },
  { name: 'audit', description: 'The hash-chained audit log (Moderator, System Manager).' },
  { name: 'settings', description: 'LMS Settings.' },
  { name: 'platform', description: 'Health of the server.' },
];

/** operationIds where `<resource>.<verb>` derived from method + URL would read poorly. */
const OPERATION_IDS: Record<string, string> = {
  'GET /api/health': 'health.get',
  'GET /api/setup': 'setup.get',
  'GET /api/settings': 'settings.get',
  'GET /api/search': 'search.query',
  'GET /api/courses/:id/progress-stats': 'courses.getProgressStats',
  'GET /api/statistics/assessment-scores': 'statistics.getAssessmentScores',
  'POST /api/auth/tokens': 'auth.createToken',
  'POST /api/courses/:id/chapters': 'courses.createChapter',
  'POST /api/chapters/:id/lessons': 'chapters.createLesson',
  'POST /api/courses/:id/certificate': 'courses.claimCertificate',
  'POST /api/quizzes/:id/attempts': 'quizzes.startAttempt',
  'POST /api/quizzes/:id/submissions': 'quizzes.submit',
  'POST /api/certificates/zip-jobs': 'certificates.createZipJob',
  'GET /api/certificates/zip-jobs/:id/download': 'certificates.downloadZipJob',
  'GET /api/certificates/verify/:code': 'certificates.verify',
  'POST /api/me/notifications/:id/read': 'me.readNotification',
  'GET /api/me/notification-preferences': 'me.getNotificationPreferences',
  'POST /api/employee-onboardings/batch': 'employeeOnboardings.createBatch',
  'POST /api/employee-documents/from-lms': 'employeeDocuments.fileFromLms',
};

const camel = (s: string) => s.replace(/[-.](\w)/g, (_, c: string) => c.toUpperCase());
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const isParam = (s: string) => s.startsWith(':');

/**
 * `<resource>.<verb>`: the resource is the URL's first segment after /api (camelCase), the verb
 * comes from the method, or from the method and the segments after it:
 * `GET /api/enrollments` enrollments.list, `POST` .create, `GET|PATCH|DELETE /api/enrollments/:id`
 * .get/.update/.delete, `POST /api/courses/:id/enroll` courses.enroll, `GET .../outline`
 * .getOutline, `GET .../learners` .listLearners, `PUT .../roles` .setRoles, `GET .../export.csv`
 * .exportCsv. A segment before a parameter names one item (`/auth/tokens/:id` -> token).
 */
export function operationIdOf(method: string, url: string): string {
  const override = OPERATION_IDS[`${method} ${url}`];
  if (override) return override;
  const [resource = '', ...rest] = url.replace(/^\/api\//, '').split('/');
  const endsWithItem = rest.length > 0 && isParam(rest[rest.length - 1]!);
  const statics = rest.flatMap((s, i) => (isParam(s) ? [] : [isParam(rest[i + 1] ?? '') ? s.replace(/s$/, '') : s]));
  const tail = camel(statics.join('-'));
  let verb: string;
  if (!tail) {
    const verbs: Record<string, string> = endsWithItem
      ? { GET: 'get', PATCH: 'update', PUT: 'replace', DELETE: 'delete', POST: 'post' }
      : { GET: 'list', POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'deleteAll' };
    verb = verbs[method] ?? method.toLowerCase();
  } else if (method === 'POST' || /\.\w+$/.test(statics[statics.length - 1] ?? '')) {
    verb = tail; // an action (enroll, complete, login) or a file (exportCsv, reportPdf)
  } else if (method === 'GET') {
    verb = (!endsWithItem && tail.endsWith('s') ? 'list' : 'get') + pascal(tail);
  } else {
    verb = ({ PUT: 'set', PATCH: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase()) + pascal(tail);
  }
  return `${camel(resource)}.${verb}`;
}

/** The codes a route can answer: the generic ones its schema and access imply, plus its own. */
export function problemsOf(
  method: string,
  url: string,
  schema: { params?: unknown; querystring?: unknown; body?: unknown },
  access: Access | undefined,
  own: readonly ProblemCode[] = [],
): ProblemCode[] {
  const codes: ProblemCode[] = [];
  if (schema.params || schema.querystring || schema.body) codes.push('VALIDATION_FAILED');
  if (schema.body) codes.push('MALFORMED_JSON');
  if (access !== 'public') codes.push('UNAUTHENTICATED');
  if (Array.isArray(access)) codes.push('FORBIDDEN');
  if (method !== 'GET') codes.push('CSRF_REJECTED');
  if (url.includes('/:')) codes.push('NOT_FOUND');
  codes.push('RATE_LIMITED', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE', ...own);
  return [...new Set(codes)];
}

const PROBLEM_REF = '#/components/schemas/Problem';

type OpenapiDocument = NonNullable<FastifyDynamicSwaggerOptions['openapi']>;

/** @fastify/swagger's options: the document's fixed parts and the per-route `transform`. */
export function swaggerOptions(version: string): FastifyDynamicSwaggerOptions {
  const { $schema: _, ...problem } = z.toJSONSchema(Problem, { io: 'output' });
  const openapi: OpenapiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'Smooth LMS API',
      version,
      description: 'Learning portal, staff desk and HR integration API.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    tags: TAGS,
    components: {
      schemas: { Problem: { ...problem, description: 'RFC 9457 problem details; `code` is a stable UPPER_SNAKE name.' } as object },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        token: { type: 'http', scheme: 'bearer' },
      },
    },
    security: [{ session: [] }, { token: [] }],
  };
  return { openapi, transform: openapiTransform, hideUntagged: false };
}

function problemResponses(codes: readonly ProblemCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const c of codes) {
    const status = PROBLEM_CODES[c][0];
    byStatus.set(status, [...(byStatus.get(status) ?? []), c]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = {
      description: list.map((c) => `\`${c}\`: ${PROBLEM_CODES[c][1]}`).join('\n\n'),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [{ $ref: PROBLEM_REF }, { type: 'object', properties: { code: { type: 'string', enum: list } }, required: ['code'] }],
          },
        },
      },
    };
  }
  return out;
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** The swagger `transform`: zod schemas to JSON Schema, then the operationId and problem answers. */
function openapiTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const out = jsonSchemaTransform(input);
  const { route } = input;
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  const response = out.schema.response as Record<string, unknown> | undefined;
  const codes = problemsOf(method, input.url, input.schema ?? {}, route.config?.access, route.config?.problems);
  return {
    ...out,
    schema: {
      ...out.schema,
      operationId: operationIdOf(method, input.url),
      response: { ...problemResponses(codes), ...(response ?? defaultSuccess(method, input.url)) },
    },
  };
}

const FILE_TYPES: Record<string, string> = { csv: 'text/csv', pdf: 'application/pdf', zip: 'application/zip' };

/**
 * Routes without a response schema: a DELETE answers 204, a URL ending in .csv/.pdf/.zip that file;
 * others a file, a stream or no content.
 */
function defaultSuccess(method: string, url: string): Record<string, unknown> {
  const file = FILE_TYPES[/\.(\w+)$/.exec(url)?.[1] ?? ''];
  if (method === 'DELETE') return { 204: { description: 'Deleted; no content.', type: 'null' } };
  if (file) return { 200: { description: `The ${file} file.`, content: { [file]: { schema: { type: 'string', format: 'binary' } } } } };
  return { '2XX': { description: 'Success: a file, a stream or no content (no JSON body schema).', type: 'null' } };
}

/** `servers` of the document: the address people use (SMOOTH_PUBLIC_URL, or where it listens). */
export function serversOf(config: Config): { url: string; description: string }[] {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return [{ url: (config.publicUrl ?? `http://${host}:${config.port}`).replace(/\/+$/, ''), description: 'This Smooth LMS server' }];
}
