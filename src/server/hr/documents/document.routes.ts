import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import { IdParams, pageOf } from '../../../contract/common.ts';
import { CreateDocumentTypeBody, CreateEmployeeDocumentBody, DocumentTypeSchema, EmployeeDocumentListQuery, EmployeeDocumentSchema, UpdateDocumentTypeBody, UpdateEmployeeDocumentBody } from '../../../contract/documents.ts';
import { receiveUpload, sendFileWithRange } from '../../platform/files.service.ts';
import { fullNamesById, registerListExport } from '../../platform/list-export.ts';
import { HR_MANAGERS } from '../hr-roles.ts';
import {
  EMPLOYEE_DOCUMENT_UPLOAD,
  attachFile,
  createDocument,
  createDocumentType,
  getDocumentType,
  deleteDocument,
  documentFile,
  listDocumentTypes,
  listDocuments,
  readableDocument,
  updateDocument,
  updateDocumentType,
} from './document.service.ts';
import { HR } from '../hr-roles.ts';

/** Employee document types and documents. */
export function registerDocumentRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/employee-document-types',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'Employee document types', response: { 200: z.object({ items: z.array(DocumentTypeSchema) }) } },
    },
    async () => ({ items: await listDocumentTypes(ctx) }),
  );
  app.post(
    '/api/employee-document-types',
    {
      config: { access: HR, problems: ['NAME_TAKEN'] },
      schema: { tags: ['hr'], summary: 'Create a document type', body: CreateDocumentTypeBody, response: { 201: DocumentTypeSchema } },
    },
    async (req, reply) => reply.code(201).send(await createDocumentType(ctx, actorOf(req), req.body)),
  );
  app.get(
    '/api/employee-document-types/:id',
    {
      config: { access: HR },
      schema: { tags: ['hr'], summary: 'One employee document type', params: IdParams, response: { 200: DocumentTypeSchema } },
    },
    async (req) => getDocumentType(ctx, req.params.id),
  );
  app.patch(
    '/api/employee-document-types/:id',
    {
      config: { access: HR, problems: ['NAME_TAKEN'] },
      schema: {
        tags: ['hr'],
        summary: 'Update a document type',
        params: IdParams,
        body: UpdateDocumentTypeBody,
        response: { 200: DocumentTypeSchema },
      },
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
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'List employee documents',
        querystring: EmployeeDocumentListQuery,
        response: { 200: pageOf(EmployeeDocumentSchema) },
      },
    },
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
      schema: {
        tags: ['hr'],
        summary: 'One employee document (HR, or the employee it belongs to)',
        params: IdParams,
        response: { 200: EmployeeDocumentSchema },
      },
    },
    async (req) => readableDocument(ctx, actorOf(req), req.params.id),
  );
  app.patch(
    '/api/employee-documents/:id',
    {
      config: { access: HR },
      schema: {
        tags: ['hr'],
        summary: 'Update an employee document',
        params: IdParams,
        body: UpdateEmployeeDocumentBody,
        response: { 200: EmployeeDocumentSchema },
      },
    },
    async (req) => updateDocument(ctx, actorOf(req), req.params.id, req.body),
  );
  app.delete(
    '/api/employee-documents/:id',
    {
      config: { access: HR_MANAGERS },
      schema: { tags: ['hr'], summary: 'Delete an employee document (HR Manager; the audit log keeps it)', params: IdParams },
    },
    async (req, reply) => {
      await deleteDocument(ctx, actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
  app.put(
    '/api/employee-documents/:id/file',
    {
      config: { access: HR, problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
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
    {
      config: { access: 'authenticated', problems: ['RANGE_NOT_SATISFIABLE'] },
      schema: { tags: ['hr'], summary: 'Download the file of an employee document (HR, or the employee)', params: IdParams },
    },
    async (req, reply) =>
      sendFileWithRange(ctx, reply, req, await documentFile(ctx, actorOf(req), req.params.id), { disposition: 'attachment' }),
  );
}
