import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { IsoDateTime, LimitSchema, pageOf } from '../../contract/common.ts';
import { listAudit } from './audit.service.ts';

const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
  importId: z.string().nullable(),
});

export function registerAuditRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/audit-log',
    {
      config: { access: ['System Manager', 'Moderator'] },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first',
        querystring: z.strictObject({
          entity: z.string().max(64).optional(),
          entityId: z.string().max(64).optional(),
          actorId: z.string().max(64).optional(),
          action: z.string().max(64).optional(),
          from: IsoDateTime.optional(),
          to: IsoDateTime.optional(),
          limit: LimitSchema,
          cursor: z.string().max(64).optional(),
        }),
        response: { 200: pageOf(AuditEntry) },
      },
    },
    async (req) => listAudit(ctx.db, req.query),
  );
}
