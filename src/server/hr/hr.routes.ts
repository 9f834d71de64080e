import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { IdParams, pageOf } from '../../contract/common.ts';
import { HR_ROLES, type Role } from '../../contract/roles.ts';
import {
  CompleteComplianceBody,
  ComplianceTypeSchema,
  CreateComplianceTypeBody,
  CreateDocumentTypeBody,
  CreateEmployeeBody,
  CreateEmployeeComplianceBody,
  CreateEmployeeDocumentBody,
  CreateOnboardingBody,
  DocumentTypeSchema,
  EmployeeComplianceListQuery,
  EmployeeComplianceSchema,
  EmployeeDocumentListQuery,
  EmployeeDocumentSchema,
  EmployeeListQuery,
  EmployeeSchema,
  NameListQuery,
  NamedSchema,
  OnboardingListQuery,
  OnboardingSchema,
  UpdateComplianceTypeBody,
  UpdateDocumentTypeBody,
  UpdateEmployeeBody,
  UpdateEmployeeDocumentBody,
  UpdateOnboardingBody,
} from '../../contract/hr.ts';
import { receiveUpload, sendFileWithRange } from '../platform/files.service.ts';
import { fullNamesById, registerListExport, yesNo } from '../platform/list-export.ts';
import { createEmployee, createNamed, getEmployee, listEmployees, listNamed, updateEmployee } from './employee.service.ts';
import { HR_MANAGERS } from './hr-roles.ts';
import { MAX_ONBOARDING_BATCH, createOnboardings, getOnboarding, listOnboardings, updateOnboarding } from './onboarding.service.ts';
import {
  EMPLOYEE_DOCUMENT_UPLOAD,
  attachFile,
  createDocument,
  createDocumentType,
  deleteDocument,
  documentFile,
  listDocumentTypes,
  listDocuments,
  readableDocument,
  updateDocument,
  updateDocumentType,
} from './employee-document.service.ts';
import {
  completeCompliance,
  createCompliance,
  createComplianceType,
  findCompliance,
  listCompliance,
  listComplianceTypes,
  updateComplianceType,
} from './compliance.service.ts';
import { errors } from '../http/errors.ts';

/** HR User and HR Manager alike; HR_MANAGERS only: deleting employee documents. */
const HR: readonly Role[] = HR_ROLES;
/** Department and designation names are also needed by staff who assign training. */
const NAME_READERS: readonly Role[] = [...HR_ROLES, 'Moderator'];

export function registerHrRoutes(app: App, ctx: AppContext): void {
  // Employees ---------------------------------------------------------------------------------
  app.post(
    '/api/employees',
    {
      config: { access: HR },
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
      schema: { tags: ['hr'], summary: 'List employees (filters by department/designation name, status, q)', querystring: EmployeeListQuery, response: { 200: pageOf(EmployeeSchema) } },
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
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'Update an employee; linking a user grants LMS Student; status "left" keeps every record (disableUser also disables the login)',
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
        schema: { tags: ['hr'], summary: `List ${table} with their active employee counts`, querystring: NameListQuery, response: { 200: pageOf(NamedSchema) } },
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
        config: { access: HR },
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

  // Onboarding --------------------------------------------------------------------------------
  app.post(
    '/api/employee-onboardings',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'Create an Employee Onboarding: enrolls the employee in every published mandatory course and creates the training assignments',
        description: 'Answers what was enrolled, what was skipped and why (no linked user, course unpublished, already completed), and the assignments.',
        body: CreateOnboardingBody,
        response: { 201: OnboardingSchema },
      },
    },
    async (req, reply) => reply.code(201).send((await createOnboardings(ctx, actorOf(req), [req.body]))[0]!),
  );
  app.post(
    '/api/employee-onboardings/batch',
    {
      config: { access: HR },
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
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'List onboardings', querystring: OnboardingListQuery, response: { 200: pageOf(OnboardingSchema) } } },
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
      schema: { tags: ['hr'], summary: 'Update status or activities of an onboarding', params: IdParams, body: UpdateOnboardingBody, response: { 200: OnboardingSchema } },
    },
    async (req) => updateOnboarding(ctx, actorOf(req), req.params.id, req.body),
  );

  // Document types and documents --------------------------------------------------------------
  app.get(
    '/api/employee-document-types',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'Employee document types', response: { 200: z.object({ items: z.array(DocumentTypeSchema) }) } } },
    async () => ({ items: await listDocumentTypes(ctx) }),
  );
  app.post(
    '/api/employee-document-types',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'Create a document type', body: CreateDocumentTypeBody, response: { 201: DocumentTypeSchema } } },
    async (req, reply) => reply.code(201).send(await createDocumentType(ctx, actorOf(req), req.body)),
  );
  app.patch(
    '/api/employee-document-types/:id',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'Update a document type', params: IdParams, body: UpdateDocumentTypeBody, response: { 200: DocumentTypeSchema } },
    },
    async (req) => updateDocumentType(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/employee-documents',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'Create an employee document (attach its file with PUT /api/employee-documents/:id/file)',
        description: "Without expiryDate, a type that expires sets it to issueDate + the type's default validity.",
        body: CreateEmployeeDocumentBody,
        response: { 201: EmployeeDocumentSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createDocument(ctx, actorOf(req), req.body)),
  );
  app.get(
    '/api/employee-documents',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'List employee documents', querystring: EmployeeDocumentListQuery, response: { 200: pageOf(EmployeeDocumentSchema) } } },
    async (req) => listDocuments(ctx, req.query),
  );
  registerListExport(app, '/api/employee-documents', {
    access: HR,
    tags: ['hr'],
    querystring: EmployeeDocumentListQuery,
    fileName: 'employee-documents',
    list: (_req, q) => listDocuments(ctx, q),
    lookup: (items) => fullNamesById(ctx.db, 'employees', items, (r) => r.employeeId),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'Title', value: (r) => r.title },
      { header: 'Employee', value: (r, names) => names.get(r.employeeId) ?? r.employeeId },
      { header: 'Issued', value: (r) => r.issueDate },
      { header: 'Expires', value: (r) => r.expiryDate },
      { header: 'From', value: (r) => r.source?.kind },
    ],
  });
  app.get(
    '/api/employee-documents/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['hr'], summary: 'One employee document (HR, or the employee it belongs to)', params: IdParams, response: { 200: EmployeeDocumentSchema } },
    },
    async (req) => readableDocument(ctx, actorOf(req), req.params.id),
  );
  app.patch(
    '/api/employee-documents/:id',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'Update an employee document', params: IdParams, body: UpdateEmployeeDocumentBody, response: { 200: EmployeeDocumentSchema } },
    },
    async (req) => updateDocument(ctx, actorOf(req), req.params.id, req.body),
  );
  app.delete(
    '/api/employee-documents/:id',
    { config: { access: HR_MANAGERS }, schema: { tags: ['hr'], summary: 'Delete an employee document (HR Manager; the audit log keeps it)', params: IdParams } },
    async (req, reply) => {
      await deleteDocument(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
  app.put(
    '/api/employee-documents/:id/file',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'Upload the file of an employee document (multipart part "file": PDF, PNG or JPEG, at most 20 MB)',
        params: IdParams,
        response: { 200: EmployeeDocumentSchema },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      // Check the document first so an upload to an unknown id is not stored at all.
      await readableDocument(ctx, actor, req.params.id);
      const blob = await receiveUpload(ctx, req, EMPLOYEE_DOCUMENT_UPLOAD);
      return attachFile(ctx, actor, req.params.id, blob);
    },
  );
  app.get(
    '/api/employee-documents/:id/file',
    { config: { access: 'authenticated' }, schema: { tags: ['hr'], summary: 'Download the file of an employee document (HR, or the employee)', params: IdParams } },
    async (req, reply) => sendFileWithRange(ctx, reply, req, await documentFile(ctx, actorOf(req), req.params.id), { disposition: 'attachment' }),
  );

  // Compliance --------------------------------------------------------------------------------
  app.get(
    '/api/compliance-types',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'Compliance types', response: { 200: z.object({ items: z.array(ComplianceTypeSchema) }) } } },
    async () => ({ items: await listComplianceTypes(ctx) }),
  );
  app.post(
    '/api/compliance-types',
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'Create a compliance type', body: CreateComplianceTypeBody, response: { 201: ComplianceTypeSchema } } },
    async (req, reply) => reply.code(201).send(await createComplianceType(ctx, actorOf(req), req.body)),
  );
  app.patch(
    '/api/compliance-types/:id',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'Update a compliance type', params: IdParams, body: UpdateComplianceTypeBody, response: { 200: ComplianceTypeSchema } },
    },
    async (req) => updateComplianceType(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/employee-compliance',
    {
      config: { access: HR },
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
      schema: { tags: ['hr'], summary: 'List Employee Compliance rows', querystring: EmployeeComplianceListQuery, response: { 200: pageOf(EmployeeComplianceSchema) } },
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
    { config: { access: HR }, schema: { tags: ['hr'], summary: 'One Employee Compliance row', params: IdParams, response: { 200: EmployeeComplianceSchema } } },
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
