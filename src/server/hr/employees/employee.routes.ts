import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import { CreateEmployeeBody, EmployeeListQuery, EmployeeSchema, NameListQuery, NamedSchema, UpdateEmployeeBody } from '../../../contract/employees.ts';
import { registerListExport, yesNo } from '../../platform/list-export.ts';
import { createEmployee, createNamed, getEmployee, listEmployees, listNamed, updateEmployee } from './employee.service.ts';
import { HR, NAME_READERS } from '../hr-roles.ts';

/** Employees, departments and designations. */
export function registerEmployeeRoutes(app: App, ctx: AppContext): void {
  // Employees ---------------------------------------------------------------------------------
  app.post(
    '/api/employees',
    {
      config: { access: HR, problems: ['EMPLOYEE_CODE_TAKEN', 'USER_ALREADY_LINKED'] },
      schema: {
        tags: ['hr'],
        summary: 'Create an employee; a linked user gains LMS Student in the same transaction',
        description:
          'Department and designation are given by name and created on first use by an HR Manager (403 FORBIDDEN for an HR User naming one that does not exist). ' +
          '409 EMPLOYEE_CODE_TAKEN, 409 USER_ALREADY_LINKED.',
        body: CreateEmployeeBody,
        response: { 201: EmployeeSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createEmployee(ctx, actorOf(req), req.body)),
  );
  app.get(
    '/api/employees',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'List employees (filters by department/designation name, status, q)',
        querystring: EmployeeListQuery,
        response: { 200: pageOf(EmployeeSchema) },
      },
    },
    async (req) => listEmployees(ctx, req.query),
  );
  registerListExport(app, '/api/employees', {
    access: HR,
    tags: ['hr'],
    querystring: EmployeeListQuery,
    fileName: 'employees',
    list: (_req, q) => listEmployees(ctx, q),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Name', value: (r) => r.fullName },
      { header: 'Code', value: (r) => r.employeeCode },
      { header: 'Department', value: (r) => r.department },
      { header: 'Designation', value: (r) => r.designation },
      { header: 'Status', value: (r) => r.status },
      { header: 'Linked user', value: (r) => yesNo(!!r.userId) },
    ],
  });
  app.get(
    '/api/employees/:id',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'One employee', params: IdParams, response: { 200: EmployeeSchema } } },
    async (req) => getEmployee(ctx, req.params.id),
  );
  app.patch(
    '/api/employees/:id',
    {
      config: { access: HR, problems: ['EMPLOYEE_CODE_TAKEN', 'USER_ALREADY_LINKED'] },
      schema: {
        tags: ['hr'],
        summary:
          'Update an employee; linking a user grants LMS Student; status "left" keeps every record (disableUser also disables the login)',
        params: IdParams,
        body: UpdateEmployeeBody,
        response: { 200: EmployeeSchema },
      },
    },
    async (req) => updateEmployee(ctx, actorOf(req), req.params.id, req.body),
  );
  for (const table of ['departments', 'designations'] as const) {
    app.get(
      `/api/${table}`,
      {
        config: { access: NAME_READERS },
        schema: {
          tags: ['hr'],
          summary: `List ${table} with their active employee counts`,
          querystring: NameListQuery,
          response: { 200: pageOf(NamedSchema) },
        },
      },
      async (req) => listNamed(ctx, table, req.query),
    );
    registerListExport(app, `/api/${table}`, {
      access: NAME_READERS,
      tags: ['hr'],
      querystring: NameListQuery,
      fileName: table,
      list: (_req, q) => listNamed(ctx, table, q),
      columns: [
        { header: 'ID', value: (r) => r.id },
        { header: 'Name', value: (r) => r.name },
        { header: 'Active employees', value: (r) => r.employees },
      ],
    });
    app.post(
      `/api/${table}`,
      {
        config: { access: HR, problems: ['NAME_TAKEN'] },
        schema: {
          tags: ['hr'],
          summary: `Add one of the ${table}; 409 NAME_TAKEN when the name exists`,
          body: z.strictObject({ name: z.string().trim().min(1).max(140) }),
          response: { 201: NamedSchema },
        },
      },
      async (req, reply) => reply.code(201).send(await createNamed(ctx, table, req.body.name)),
    );
  }
}
