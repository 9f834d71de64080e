import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { errors } from '../../http/errors.ts';
import { receiveUpload, sendFileWithRange } from '../../platform/files.service.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import {
  AssignmentListQuery,
  AssignmentSchema,
  CreateAssignmentBody,
  GradeBody,
  SubmissionListQuery,
  SubmissionSchema,
  SubmitBody,
  UpdateAssignmentBody,
} from '../../../contract/assignments.ts';
import { AUTHORS, GRADERS } from './assignment.policy.ts';
import { assignmentOfLesson, createAssignment, deleteAssignment, getAssignment, listAssignments, updateAssignment } from './assignment.service.ts';
import { SUBMISSION_FILE_RULE, getSubmission, grade, listSubmissions, submissionFile, submit } from './submission.service.ts';

const tags = ['assignments'];

/** Assignments, submissions (every version), grading and the grading queue. */
export function registerAssignmentRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/assignments',
    {
      config: { access: AUTHORS },
      schema: {
        tags,
        summary: 'Create an assignment (text, file or URL submissions), optionally as the assignment of a lesson of kind assignment',
        body: CreateAssignmentBody,
        response: { 201: AssignmentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createAssignment(ctx, actorOf(req), req.body, req.id)),
  );

  app.get(
    '/api/assignments',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'Assignments the caller manages or takes', querystring: AssignmentListQuery, response: { 200: pageOf(AssignmentSchema) } },
    },
    async (req) => listAssignments(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/assignments/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One assignment (its managers and those who take it)', params: IdParams, response: { 200: AssignmentSchema } },
    },
    async (req) => getAssignment(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/assignments/:id',
    {
      config: { access: AUTHORS, problems: ['ASSIGNMENT_HAS_SUBMISSIONS'] },
      schema: {
        tags,
        summary: 'Change an assignment (how work is handed in, its course and lesson only while nobody has handed in)',
        params: IdParams,
        body: UpdateAssignmentBody,
        response: { 200: AssignmentSchema },
      },
    },
    async (req) => updateAssignment(ctx, actorOf(req), req.params.id, req.body, req.id),
  );

  app.delete(
    '/api/assignments/:id',
    {
      config: { access: AUTHORS, problems: ['ASSIGNMENT_HAS_SUBMISSIONS', 'ASSIGNMENT_IN_USE'] },
      schema: { tags, summary: 'Delete an assignment nobody has handed in and no batch assesses', params: IdParams },
    },
    async (req, reply) => {
      await deleteAssignment(ctx, actorOf(req), req.params.id, req.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/lessons/:id/assignment',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'The assignment of a lesson of kind assignment', params: IdParams, response: { 200: AssignmentSchema } },
    },
    async (req) => assignmentOfLesson(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/api/assignments/:id/submissions',
    {
      config: { access: 'authenticated', problems: ['ALREADY_PASSED', 'SUBMISSION_PENDING', 'ENROLLMENT_SUSPENDED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags,
        summary: 'Submit work (a new version after a fail): JSON { text } or { url }, or multipart part "file" (PDF, PNG or JPEG, at most 20 MB)',
        description:
          'Late when submitted after the due date of the batch assessment (in the batch time zone). 409 ALREADY_PASSED after a pass; 409 SUBMISSION_PENDING while the previous version waits for its grade.',
        params: IdParams,
        consumes: ['application/json', 'multipart/form-data'],
        body: SubmitBody.nullish(),
        response: { 201: SubmissionSchema },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      if (req.isMultipart()) {
        // The assignment must be visible before any byte is stored.
        const assignment = await getAssignment(ctx, actor, req.params.id);
        if (assignment.submissionKind !== 'file') {
          throw errors.validation([{ path: 'file', message: 'This assignment takes no file: send JSON with text or url.' }], 'This assignment takes no file.');
        }
        const blob = await receiveUpload(ctx, req, SUBMISSION_FILE_RULE);
        return reply.code(201).send(await submit(ctx, actor, req.params.id, { blob }, req.id));
      }
      const body = req.body ?? {};
      return reply.code(201).send(await submit(ctx, actor, req.params.id, { text: body.text, url: body.url }, req.id));
    },
  );

  app.get(
    '/api/assignment-submissions',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Submissions, oldest first: learners their own, graders those of their batches and courses (status=submitted is the grading queue)',
        querystring: SubmissionListQuery,
        response: { 200: pageOf(SubmissionSchema) },
      },
    },
    async (req) => listSubmissions(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/assignment-submissions/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One submission (its author and its graders)', params: IdParams, response: { 200: SubmissionSchema } },
    },
    async (req) => getSubmission(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/api/assignment-submissions/:id/file',
    {
      config: { access: 'authenticated', problems: ['RANGE_NOT_SATISFIABLE'] },
      schema: { tags, summary: 'The file of a file submission', params: IdParams },
    },
    async (req, reply) => sendFileWithRange(ctx, reply, req, await submissionFile(ctx, actorOf(req), req.params.id), { disposition: 'attachment' }),
  );

  app.post(
    '/api/assignment-submissions/:id/grade',
    {
      config: { access: GRADERS, problems: ['ALREADY_GRADED', 'SELF_GRADE_FORBIDDEN'] },
      schema: {
        tags,
        summary: 'Grade a waiting submission: pass or fail, score and comment (a pass completes the assignment lesson)',
        description: '409 ALREADY_GRADED when it was graded already (two graders at once: one wins). Nobody grades their own work (403 SELF_GRADE_FORBIDDEN).',
        params: IdParams,
        body: GradeBody,
        response: { 200: SubmissionSchema },
      },
    },
    async (req) => grade(ctx, actorOf(req), req.params.id, req.body, req.id),
  );
}
