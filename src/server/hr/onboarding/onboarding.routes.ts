import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import { CreateOnboardingBody, OnboardingListQuery, OnboardingSchema, UpdateOnboardingBody } from '../../../contract/onboarding.ts';
import { fullNamesById, registerListExport } from '../../platform/list-export.ts';
import { MAX_ONBOARDING_BATCH, createOnboardings, getOnboarding, listOnboardings, updateOnboarding } from './onboarding.service.ts';
import { HR } from '../hr-roles.ts';

/** Employee onboardings. */
export function registerOnboardingRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api/employee-onboardings',
    {
      config: { access: HR, problems: ['EMPLOYEE_NOT_ACTIVE'] },
      schema: {
        tags: ['hr'],
        summary:
          'Create an Employee Onboarding: enrolls the employee in every published mandatory course and creates the training assignments',
        description:
          'Answers what was enrolled, what was skipped and why (no linked user, course unpublished, already completed), and the assignments.',
        body: CreateOnboardingBody,
        response: { 201: OnboardingSchema },
      },
    },
    async (req, reply) => reply.code(201).send((await createOnboardings(ctx, actorOf(req), [req.body]))[0]!),
  );
  app.post(
    '/api/employee-onboardings/batch',
    {
      config: { access: HR, problems: ['EMPLOYEE_NOT_ACTIVE'] },
      schema: {
        tags: ['hr'],
        summary: 'Create many onboardings at once (an import-sized batch), all or nothing',
        body: z.strictObject({ items: z.array(CreateOnboardingBody).min(1).max(MAX_ONBOARDING_BATCH) }),
        response: { 201: z.object({ items: z.array(OnboardingSchema) }) },
      },
    },
    async (req, reply) => reply.code(201).send({ items: await createOnboardings(ctx, actorOf(req), req.body.items) }),
  );
  app.get(
    '/api/employee-onboardings',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'List onboardings', querystring: OnboardingListQuery, response: { 200: pageOf(OnboardingSchema) } },
    },
    async (req) => listOnboardings(ctx, req.query),
  );
  registerListExport(app, '/api/employee-onboardings', {
    access: HR,
    tags: ['hr'],
    querystring: OnboardingListQuery,
    fileName: 'employee-onboardings',
    list: (_req, q) => listOnboardings(ctx, q),
    lookup: (items) => fullNamesById(ctx.db, 'employees', items, (r) => r.employeeId),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Employee', value: (r, names) => names.get(r.employeeId) ?? r.employeeId },
      { header: 'Date', value: (r) => r.onboardingDate },
      { header: 'Status', value: (r) => r.status },
      { header: 'Enrolled', value: (r) => r.enrolled.length },
    ],
  });
  app.get(
    '/api/employee-onboardings/:id',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'One onboarding', params: IdParams, response: { 200: OnboardingSchema } } },
    async (req) => getOnboarding(ctx, req.params.id),
  );
  app.patch(
    '/api/employee-onboardings/:id',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'Update status or activities of an onboarding',
        params: IdParams,
        body: UpdateOnboardingBody,
        response: { 200: OnboardingSchema },
      },
    },
    async (req) => updateOnboarding(ctx, actorOf(req), req.params.id, req.body),
  );
}
