import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import { codeInWords, emailsById, registerListExport } from '../../platform/list-export.ts';
import {
  AssignmentListQuery,
  AssignmentPreviewSchema,
  AssignmentResultSchema,
  CreateAssignmentBody,
  TrainingAssignmentRowSchema,
  TrainingAssignmentSchema,
  UpdateAssignmentBody,
  ASSIGNMENT_SOURCE_WORDS,
} from '../../../contract/training-assignments.ts';
import { ASSIGNERS, createAssignments, previewAssignment, updateAssignmentDueDate, type AudienceResolver } from './assignment.service.ts';
import { getAssignment, listAssignments } from './assignment.queries.ts';

/**
 * LMS Training Assignments. `audience` (from integration/) resolves department and designation
 * targets; without it only explicit memberIds work.
 */
export function registerTrainingAssignmentRoutes(app: App, ctx: AppContext, audience: AudienceResolver | null): void {
  app.post(
    '/api/training-assignments',
    {
      config: { access: ASSIGNERS, problems: ['AUDIENCE_UNAVAILABLE', 'COURSE_NOT_PUBLISHED'] },
      schema: {
        tags: ['training assignments'],
        summary: 'Assign a course to people, a department or a designation with a due date',
        description:
          'With preview:true answers 200 with the count and the people it would assign, writing nothing. Otherwise 201 with the ' +
          'assignments: one set-based step that ensures each enrollment (source assignment) and reuses open assignments. ' +
          'Members who already completed the course are skipped.',
        body: CreateAssignmentBody,
        response: { 200: AssignmentPreviewSchema, 201: AssignmentResultSchema },
      },
    },
    async (req, reply) => {
      if (req.body.preview) return reply.code(200).send(await previewAssignment(ctx, actorOf(req), req.body, audience));
      return reply.code(201).send(await createAssignments(ctx, actorOf(req), req.body, audience));
    },
  );

  app.get(
    '/api/training-assignments',
    {
      config: { access: 'authenticated', problems: ['AUDIENCE_UNAVAILABLE'] },
      schema: {
        tags: ['training assignments'],
        summary: 'List training assignments (learners: their own), newest first',
        querystring: AssignmentListQuery,
        response: { 200: pageOf(TrainingAssignmentRowSchema) },
      },
    },
    async (req) => listAssignments(ctx, actorOf(req), req.query, audience),
  );
  registerListExport(app, '/api/training-assignments', {
    access: 'authenticated',
    problems: ['AUDIENCE_UNAVAILABLE'],
    tags: ['training assignments'],
    querystring: AssignmentListQuery,
    fileName: 'training-assignments',
    list: (req, q) => listAssignments(ctx, actorOf(req), q, audience),
    lookup: (items) => emailsById(ctx.db, items, (r) => r.memberId),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Member', value: (r) => r.memberName },
      { header: 'Email', value: (r, emails) => emails.get(r.memberId) ?? '' },
      { header: 'Course', value: (r) => r.courseTitle },
      { header: 'Due', value: (r) => r.dueDate },
      { header: 'Status', value: (r) => codeInWords(r.status) },
      { header: 'Progress', value: (r) => r.progress },
      { header: 'Source', value: (r) => ASSIGNMENT_SOURCE_WORDS[r.source] ?? codeInWords(r.source) },
    ],
  });

  app.get(
    '/api/training-assignments/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['training assignments'],
        summary: "One training assignment, with the member's name, the course's title and the progress",
        params: IdParams,
        response: { 200: TrainingAssignmentRowSchema },
      },
    },
    async (req) => getAssignment(ctx, actorOf(req), req.params.id),
  );

  app.patch(
    '/api/training-assignments/:id',
    {
      config: { access: ASSIGNERS, problems: ['ASSIGNMENT_COMPLETED'] },
      schema: {
        tags: ['training assignments'],
        summary: "Move an open assignment's due date (extend it, or correct it)",
        description:
          'The new date may not be in the past. A completed assignment answers 409 ASSIGNMENT_COMPLETED. The audit log keeps the ' +
          'old and the new date; reminders and the overdue status follow the new one.',
        params: IdParams,
        body: UpdateAssignmentBody,
        response: { 200: TrainingAssignmentSchema },
      },
    },
    async (req) => updateAssignmentDueDate(ctx, actorOf(req), req.params.id, req.body),
  );
}
