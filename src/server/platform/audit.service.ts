import type { RawBuilder, SqlBool } from 'kysely';
import { prepared, type Executor } from '../db/database.ts';
import { newId } from '../db/ids.ts';
import { nowIso } from '../db/dialect.ts';
import { sealChain } from './audit-chain.ts';

export interface AuditEntryInput {
  actorId: string | null;
  action: string;
  entity: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  importId?: string | null;
}

function json(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

/** A row of audit_log as written. */
export type AuditRow = ReturnType<typeof auditRow>;

export function auditRow(e: AuditEntryInput) {
  return {
    id: newId(),
    at: nowIso(),
    actor_id: e.actorId,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId,
    before_json: json(e.before),
    after_json: json(e.after),
    request_id: e.requestId ?? null,
    import_id: e.importId ?? null,
  };
}

const insertAuditRow = prepared((db, row: AuditRow) => db.insertInto('audit_log').values(row));

/**
 * Appends one entry. Call it with the transaction that makes the change. The entry is chained
 * (seq, prev_hash, hash: see audit-chain.ts) by the database on SQLite, by the sealer just after
 * commit on PostgreSQL; the writer takes no lock for it.
 */
export async function recordAudit(db: Executor, e: AuditEntryInput): Promise<void> {
  await insertAuditRow(db, auditRow(e));
}

/** Appends many entries in set-based batches (imports). */
export async function recordAuditMany(db: Executor, entries: AuditEntryInput[], batch = 500): Promise<void> {
  for (let i = 0; i < entries.length; i += batch) {
    await db.insertInto('audit_log').values(entries.slice(i, i + batch).map(auditRow)).execute();
  }
}

export interface AuditQuery {
  entity?: string | undefined;
  entityId?: string | undefined;
  actorId?: string | undefined;
  importId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The audit log, newest first, keyset-paged by id; `scope` narrows it further (e.g. to one course's entries). */
export async function listAudit(db: Executor, q: AuditQuery, scope?: RawBuilder<SqlBool>) {
  // Every committed entry listed has its place in the chain.
  await sealChain(db, { wait: true });
  let query = db.selectFrom('audit_log').selectAll();
  if (scope) query = query.where(scope);
  if (q.entity) query = query.where('entity', '=', q.entity);
  if (q.entityId) query = query.where('entity_id', '=', q.entityId);
  if (q.actorId) query = query.where('actor_id', '=', q.actorId);
  if (q.importId) query = query.where('import_id', '=', q.importId);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.from) query = query.where('at', '>=', q.from);
  if (q.to) query = query.where('at', '<', q.to);
  if (q.cursor) query = query.where('id', '<', q.cursor);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      before: r.before_json ? (JSON.parse(r.before_json) as unknown) : null,
      after: r.after_json ? (JSON.parse(r.after_json) as unknown) : null,
      requestId: r.request_id,
      importId: r.import_id,
      position: r.seq === null ? null : Number(r.seq),
      hash: r.hash,
      prevHash: r.prev_hash,
    })),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
