import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import { CompleteComplianceBody, ComplianceTypeSchema, CreateComplianceTypeBody, CreateEmployeeComplianceBody, EmployeeComplianceListQuery, EmployeeComplianceSchema, UpdateComplianceTypeBody } from '../../../contract/compliance.ts';
import { fullNamesById, registerListExport } from '../../platform/list-export.ts';
import {
  completeCompliance,
  createCompliance,
  createComplianceType,
  findCompliance,
  getComplianceType,
  listCompliance,
  listComplianceTypes,
  updateComplianceType,
} from './compliance.service.ts';
import { errors } from '../../http/errors.ts';
import { HR } from '../hr-roles.ts';

/** Compliance types and employee compliance rows. */
export function registerComplianceRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/compliance-types',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'Compliance types', response: { 200: z.object({ items: z.array(ComplianceTypeSchema) }) } },
    },
    async () => ({ items: await listComplianceTypes(ctx) }),
  );
  app.post(
    '/api/compliance-types',
    {
      config: { access: HR, problems: ['NAME_TAKEN'] },
      schema: {
        tags: ['hr'],
        summary: 'Create a compliance type',
        body: CreateComplianceTypeBody,
        response: { 201: ComplianceTypeSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createComplianceType(ctx, actorOf(req), req.body)),
  );
  app.get(
    '/api/compliance-types/:id',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'One compliance type', params: IdParams, response: { 200: ComplianceTypeSchema } },
    },
    async (req) => getComplianceType(ctx, req.params.id),
  );
  app.patch(
    '/api/compliance-types/:id',
    {
      config: { access: HR, problems: ['NAME_TAKEN'] },
      schema: {
        tags: ['hr'],
        summary: 'Update a compliance type',
        params: IdParams,
        body: UpdateComplianceTypeBody,
        response: { 200: ComplianceTypeSchema },
      },
    },
    async (req) => updateComplianceType(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/employee-compliance',
    {
      config: { access: HR, problems: ['COMPLIANCE_EXISTS'] },
      schema: {
        tags: ['hr'],
        summary: 'Create an Employee Compliance row (status pending); one per employee and type (409 COMPLIANCE_EXISTS)',
        body: CreateEmployeeComplianceBody,
        response: { 201: EmployeeComplianceSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createCompliance(ctx, actorOf(req), req.body)),
  );
  app.get(
    '/api/employee-compliance',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'List Employee Compliance rows',
        querystring: EmployeeComplianceListQuery,
        response: { 200: pageOf(EmployeeComplianceSchema) },
      },
    },
    async (req) => listCompliance(ctx, req.query),
  );
  registerListExport(app, '/api/employee-compliance', {
    access: HR,
    tags: ['hr'],
    querystring: EmployeeComplianceListQuery,
    fileName: 'employee-compliance',
    list: (_req, q) => listCompliance(ctx, q),
    lookup: (items) => fullNamesById(ctx.db, 'employees', items, (r) => r.employeeId),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Type', value: (r) => r.complianceTypeName },
      { header: 'Employee', value: (r, names) => names.get(r.employeeId) ?? r.employeeId },
      { header: 'Status', value: (r) => r.status },
      { header: 'Completed', value: (r) => r.completedOn },
      { header: 'Renewal', value: (r) => r.renewalDate },
    ],
  });
  app.get(
    '/api/employee-compliance/:id',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'One Employee Compliance row', params: IdParams, response: { 200: EmployeeComplianceSchema } },
    },
    async (req) => {
      const row = await findCompliance(ctx.db, req.params.id);
      if (!row) throw errors.notFound('The compliance row');
      return row;
    },
  );
  app.post(
    '/api/employee-compliance/:id/complete',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: "HR marks a compliance row complete; the renewal date follows from the type's renewal period",
        params: IdParams,
        body: CompleteComplianceBody,
        response: { 200: EmployeeComplianceSchema },
      },
    },
    async (req) => completeCompliance(ctx, actorOf(req), req.params.id, req.body),
  );
}
