import type { z } from 'zod';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { EmployeeDocumentsTable, EmployeeDocumentTypesTable } from '../../db/schema-hr.ts';
import { bool, nowIso } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { AppError } from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { hasAnyRole } from '../../http/access.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import {
  deleteFileRows,
  replaceFile,
  discardBlobs,
  getFileRow,
  insertFileRow,
  type FileRow,
  type StoredBlob,
  type UploadRule,
} from '../../platform/files.service.ts';
import { HR_ROLES } from '../../../contract/roles.ts';
import type { CreateDocumentTypeBody, CreateEmployeeDocumentBody, EmployeeDocument, EmployeeDocumentListQuery, UpdateDocumentTypeBody, UpdateEmployeeDocumentBody } from '../../../contract/documents.ts';
import type { DOCUMENT_SOURCE_KINDS } from '../../../contract/documents.ts';
import { addMonths } from '../dates.ts';
import { UPLOAD_LIMITS } from '../../../contract/uploads.ts';

export const EMPLOYEE_DOCUMENT_UPLOAD: UploadRule = { ...UPLOAD_LIMITS.employeeDocument, purpose: 'employee-document' };

export function isHr(actor: Actor): boolean {
  return hasAnyRole(actor.roles, HR_ROLES);
}

// ---------------------------------------------------------------------------------------------
// Document types

export function toDocumentType(r: EmployeeDocumentTypesTable) {
  return { id: r.id, name: r.name, expires: r.expires === 1, defaultValidityMonths: r.default_validity_months };
}

function typeNameTaken(): AppError {
  return errors.conflict('NAME_TAKEN', 'A document type with this name already exists.', {
    errors: [{ path: 'name', message: 'Already used.' }],
  });
}

export async function createDocumentType(ctx: AppContext, actor: Actor, input: z.infer<typeof CreateDocumentTypeBody>) {
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const row: EmployeeDocumentTypesTable = {
      id: newId(),
      name: input.name,
      expires: bool(input.expires),
      default_validity_months: input.defaultValidityMonths ?? null,
      created_at: now,
      updated_at: now,
    };
    const ins = await trx
      .insertInto('employee_document_types')
      .values(row)
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!ins) throw typeNameTaken();
    const view = toDocumentType(row);
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'employee_document_type', entityId: row.id, after: view });
    return view;
  });
}

export async function updateDocumentType(ctx: AppContext, actor: Actor, id: string, patch: z.infer<typeof UpdateDocumentTypeBody>) {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('employee_document_types').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.notFound('The document type');
    if (patch.name !== undefined && patch.name !== row.name) {
      const dup = await trx.selectFrom('employee_document_types').select('id').where('name', '=', patch.name).executeTakeFirst();
      if (dup) throw typeNameTaken();
    }
    const updated = await trx
      .updateTable('employee_document_types')
      .set({
        updated_at: nowIso(),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.expires !== undefined ? { expires: bool(patch.expires) } : {}),
        ...(patch.defaultValidityMonths !== undefined ? { default_validity_months: patch.defaultValidityMonths } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toDocumentType(updated);
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'update',
      entity: 'employee_document_type',
      entityId: id,
      before: toDocumentType(row),
      after,
    });
    return after;
  });
}

export async function getDocumentType(ctx: AppContext, id: string) {
  const row = await ctx.db.selectFrom('employee_document_types').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw errors.notFound('The document type');
  return toDocumentType(row);
}

export async function listDocumentTypes(ctx: AppContext) {
  const rows = await ctx.db.selectFrom('employee_document_types').selectAll().orderBy('name').limit(1000).execute();
  return rows.map(toDocumentType);
}

// ---------------------------------------------------------------------------------------------
// Documents

type DocRow = EmployeeDocumentsTable & { file_name: string | null };

export function toDocument(r: DocRow): EmployeeDocument {
  const kind = r.source_kind as (typeof DOCUMENT_SOURCE_KINDS)[number] | null;
  return {
    id: r.id,
    employeeId: r.employee_id,
    documentTypeId: r.document_type_id,
    title: r.title,
    fileId: r.file_id,
    fileName: r.file_name,
    fileUrl: r.file_id ? `/api/employee-documents/${r.id}/file` : null,
    issueDate: r.issue_date,
    expiryDate: r.expiry_date,
    source: kind && r.source_id ? { kind, id: r.source_id } : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function documentQuery(db: Executor) {
  return db
    .selectFrom('employee_documents')
    .leftJoin('files', 'files.id', 'employee_documents.file_id')
    .selectAll('employee_documents')
    .select('files.filename as file_name');
}

export async function findDocument(db: Executor, id: string): Promise<EmployeeDocument | null> {
  const r = await documentQuery(db).where('employee_documents.id', '=', id).executeTakeFirst();
  return r ? toDocument(r) : null;
}

/** Resolves type defaults and checks the dates: expiry = issue + the type's validity when not given. */
async function resolveDates(
  db: Executor,
  typeId: string | null,
  issueDate: string | null,
  expiryDate: string | null,
  explicitExpiry: boolean,
): Promise<{ issueDate: string | null; expiryDate: string | null }> {
  let expiry = expiryDate;
  if (typeId) {
    const type = await db.selectFrom('employee_document_types').selectAll().where('id', '=', typeId).executeTakeFirst();
    if (!type)
      throw errors.validation([{ path: 'documentTypeId', message: 'No document type has this id.' }], 'No document type has this id.');
    if (!explicitExpiry && expiry === null && type.expires === 1 && type.default_validity_months && issueDate) {
      expiry = addMonths(issueDate, type.default_validity_months);
    }
  }
  if (issueDate && expiry && expiry < issueDate) {
    throw errors.validation(
      [{ path: 'expiryDate', message: 'The expiry date is before the issue date.' }],
      'The expiry date is before the issue date.',
    );
  }
  return { issueDate, expiryDate: expiry };
}

async function assertEmployee(db: Executor, employeeId: string): Promise<void> {
  const e = await db.selectFrom('employees').select('id').where('id', '=', employeeId).executeTakeFirst();
  if (!e) throw errors.validation([{ path: 'employeeId', message: 'No employee has this id.' }], 'No employee has this id.');
}

export async function createDocument(
  ctx: AppContext,
  actor: Actor,
  input: z.infer<typeof CreateEmployeeDocumentBody>,
): Promise<EmployeeDocument> {
  return ctx.db.transaction().execute(async (trx) => {
    await assertEmployee(trx, input.employeeId);
    const dates = await resolveDates(
      trx,
      input.documentTypeId ?? null,
      input.issueDate ?? null,
      input.expiryDate ?? null,
      input.expiryDate !== undefined,
    );
    const now = nowIso();
    const row: EmployeeDocumentsTable = {
      id: newId(),
      employee_id: input.employeeId,
      document_type_id: input.documentTypeId ?? null,
      title: input.title,
      file_id: null,
      issue_date: dates.issueDate,
      expiry_date: dates.expiryDate,
      source_kind: null,
      source_id: null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('employee_documents').values(row).execute();
    const doc = toDocument({ ...row, file_name: null });
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'employee_document', entityId: row.id, after: doc });
    return doc;
  });
}

export async function updateDocument(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: z.infer<typeof UpdateEmployeeDocumentBody>,
): Promise<EmployeeDocument> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findDocument(trx, id);
    if (!before) throw errors.notFound('The document');
    const typeId = patch.documentTypeId !== undefined ? patch.documentTypeId : before.documentTypeId;
    const issue = patch.issueDate !== undefined ? patch.issueDate : before.issueDate;
    const expiry = patch.expiryDate !== undefined ? patch.expiryDate : before.expiryDate;
    const dates = await resolveDates(trx, typeId, issue, expiry, true);
    await trx
      .updateTable('employee_documents')
      .set({
        updated_at: nowIso(),
        document_type_id: typeId,
        issue_date: dates.issueDate,
        expiry_date: dates.expiryDate,
        ...(patch.title !== undefined ? { title: patch.title } : {}),
      })
      .where('id', '=', id)
      .execute();
    const after = (await findDocument(trx, id))!;
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'employee_document', entityId: id, before, after });
    return after;
  });
}

/** Attaches an uploaded file (already streamed to the store) to a document, replacing any previous one. */
export async function attachFile(ctx: AppContext, actor: Actor, id: string, blob: StoredBlob): Promise<EmployeeDocument> {
  return replaceFile(ctx, blob, async (trx) => {
    const before = await findDocument(trx, id);
    if (!before) throw errors.notFound('The document');
    const file = await insertFileRow(trx, blob, { purpose: EMPLOYEE_DOCUMENT_UPLOAD.purpose, createdBy: actor.id });
    await trx.updateTable('employee_documents').set({ file_id: file.id, updated_at: nowIso() }).where('id', '=', id).execute();
    const replaced = await deleteFileRows(trx, [before.fileId]);
    const after = (await findDocument(trx, id))!;
    await recordAudit(trx, { actorId: actor.id, action: 'attach-file', entity: 'employee_document', entityId: id, before, after });
    return { result: after, replaced };
  });
}

export async function deleteDocument(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  const keys = await ctx.db.transaction().execute(async (trx) => {
    const before = await findDocument(trx, id);
    if (!before) throw errors.notFound('The document');
    await trx
      .updateTable('employee_compliance')
      .set({ evidence_document_id: null, updated_at: nowIso() })
      .where('evidence_document_id', '=', id)
      .execute();
    await trx.deleteFrom('employee_documents').where('id', '=', id).execute();
    const k = await deleteFileRows(trx, [before.fileId]);
    await recordAudit(trx, { actorId: actor.id, action: 'delete', entity: 'employee_document', entityId: id, before });
    return k;
  });
  await discardBlobs(ctx, keys);
}

/** HR reads every document; an employee reads their own; anyone else gets 404. */
export async function readableDocument(ctx: AppContext, actor: Actor, id: string): Promise<EmployeeDocument> {
  const doc = await findDocument(ctx.db, id);
  if (!doc) throw errors.notFound('The document');
  if (isHr(actor)) return doc;
  const own = actor.id
    ? await ctx.db.selectFrom('employees').select('id').where('id', '=', doc.employeeId).where('user_id', '=', actor.id).executeTakeFirst()
    : undefined;
  if (!own) throw errors.notFound('The document');
  return doc;
}

export async function documentFile(ctx: AppContext, actor: Actor, id: string): Promise<FileRow> {
  const doc = await readableDocument(ctx, actor, id);
  const file = doc.fileId ? await getFileRow(ctx.db, doc.fileId) : undefined;
  if (!file) throw errors.notFound('The file');
  return file;
}

export async function listDocuments(ctx: AppContext, f: z.infer<typeof EmployeeDocumentListQuery>) {
  let q = ctx.db.selectFrom('employee_documents');
  if (f.employeeId) q = q.where('employee_documents.employee_id', '=', f.employeeId);
  if (f.documentTypeId) q = q.where('employee_documents.document_type_id', '=', f.documentTypeId);
  if (f.expiringBefore) q = q.where('employee_documents.expiry_date', '<', f.expiringBefore);
  let page = q
    .leftJoin('files', 'files.id', 'employee_documents.file_id')
    .selectAll('employee_documents')
    .select('files.filename as file_name');
  if (f.cursor) page = page.where('employee_documents.id', '<', f.cursor);
  const rows = await page
    .orderBy('employee_documents.id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const items = rows.slice(0, f.limit).map(toDocument);
  let total: number | undefined;
  if (f.withTotal) total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    items,
    nextCursor: rows.length > f.limit ? (items[items.length - 1]?.id ?? null) : null,
    ...(total !== undefined ? { total } : {}),
  };
}

export async function documentsOfEmployee(db: Executor, employeeId: string): Promise<EmployeeDocument[]> {
  const rows = await documentQuery(db)
    .where('employee_documents.employee_id', '=', employeeId)
    .orderBy('employee_documents.id', 'desc')
    .limit(500)
    .execute();
  return rows.map(toDocument);
}

/**
 * Files a generated document (an LMS certificate or quiz report PDF) on an employee record,
 * idempotently: the unique (source_kind, source_id) index makes filing the same source twice
 * answer the first document. `file` must already be inserted with `trx`.
 */
export async function fileSourceDocument(
  trx: Tx,
  actor: Actor,
  input: {
    employeeId: string;
    sourceKind: (typeof DOCUMENT_SOURCE_KINDS)[number];
    sourceId: string;
    title: string;
    fileId: string;
    documentTypeId: string | null;
    issueDate: string | null;
    expiryDate: string | null;
  },
): Promise<{ document: EmployeeDocument; created: boolean }> {
  const dates = await resolveDates(trx, input.documentTypeId, input.issueDate, input.expiryDate, input.expiryDate !== null);
  const now = nowIso();
  const row: EmployeeDocumentsTable = {
    id: newId(),
    employee_id: input.employeeId,
    document_type_id: input.documentTypeId,
    title: input.title,
    file_id: input.fileId,
    issue_date: dates.issueDate,
    expiry_date: dates.expiryDate,
    source_kind: input.sourceKind,
    source_id: input.sourceId,
    created_by: actor.id,
    created_at: now,
    updated_at: now,
  };
  const inserted = await trx
    .insertInto('employee_documents')
    .values(row)
    .onConflict((oc) => oc.columns(['source_kind', 'source_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  const id = inserted ? row.id : (await existingSourceDocument(trx, input.sourceKind, input.sourceId))!.id;
  const document = (await findDocument(trx, id))!;
  if (inserted) await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'employee_document', entityId: id, after: document });
  return { document, created: !!inserted };
}

export async function existingSourceDocument(db: Executor, kind: string, sourceId: string): Promise<EmployeeDocument | null> {
  const r = await documentQuery(db)
    .where('employee_documents.source_kind', '=', kind)
    .where('employee_documents.source_id', '=', sourceId)
    .executeTakeFirst();
  return r ? toDocument(r) : null;
}
