import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { IsoDateTime, LimitSchema, pageOf } from '../../contract/common.ts';
import { listAudit } from './audit.service.ts';
import { verifyChain } from './audit-chain.ts';
import { fullNamesById, registerListExport } from './list-export.ts';
import { AUDIT_READERS, AuditEntry, changesOf } from '../../contract/audit.ts';


const ChainVerification = z.object({
  entries: z.number().int(),
  intact: z.boolean(),
  headSeq: z.number().int(),
  headHash: z.string(),
  problem: z
    .object({
      seq: z.number().int(),
      entryId: z.string().nullable(),
      kind: z.enum(['changed', 'removed', 'out-of-order']),
      message: z.string(),
    })
    .nullable(),
  summary: z.string(),
  checkedAt: z.string(),
});

const AuditListQuery = z.strictObject({
  entity: z.string().max(64).optional(),
  entityId: z.string().max(64).optional(),
  actorId: z.string().max(64).optional(),
  importId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  limit: LimitSchema,
  cursor: z.string().max(64).optional(),
});

/** The fields an entry changed (the desk's Changes column). */
export function registerAuditRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/audit-log',
    {
      config: { access: AUDIT_READERS },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first',
        querystring: AuditListQuery,
        response: { 200: pageOf(AuditEntry) },
      },
    },
    async (req) => listAudit(ctx.db, req.query),
  );
  app.get(
    '/api/audit-log/verify',
    {
      config: { access: ['System Manager'] },
      schema: {
        tags: ['audit'],
        summary: 'Walk the audit log hash chain (as `smooth audit verify`)',
        description: 'Checks every entry: positions without gaps, each entry naming its predecessor\'s hash, each hash matching its content, the chain ending at its head. Reports the first break.',
        response: { 200: ChainVerification },
      },
    },
    async () => ({ ...(await verifyChain(ctx.db)), checkedAt: new Date().toISOString() }),
  );
  registerListExport(app, '/api/audit-log', {
    access: AUDIT_READERS,
    tags: ['audit'],
    querystring: AuditListQuery,
    fileName: 'audit-log',
    list: (_req, q) => listAudit(ctx.db, q),
    lookup: (items) => fullNamesById(ctx.db, 'users', items, (r) => r.actorId),
    columns: [
      { header: 'ID', value: (r) => r.id },
      { header: 'When', value: (r) => r.at.slice(0, 19).replace('T', ' ') },
      { header: 'Action', value: (r) => r.action },
      { header: 'Entity', value: (r) => r.entity },
      { header: 'Record', value: (r) => r.entityId },
      { header: 'By', value: (r, names) => (r.actorId ? (names.get(r.actorId) ?? r.actorId) : '') },
      { header: 'Changes', value: (r) => changesOf(r).map((c) => c.field).join(', ') },
    ],
  });
}
