import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { IdParams } from '../../../contract/common.ts';
import { OutboxMessageSchema, OutboxPageSchema, OutboxQuery } from '../../../contract/notifications.ts';
import { getOutboxMessage, listOutbox } from './outbox-list.ts';

/** The mail outbox for System Managers. */
export function registerMailRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/mail-outbox',
    {
      config: { access: ['System Manager'] },
      schema: {
        tags: ['notifications'],
        summary: 'The mail outbox, newest first (?status=pending|sent|failed), and whether SMTP is configured',
        querystring: OutboxQuery,
        response: { 200: OutboxPageSchema },
      },
    },
    async (req) => listOutbox(ctx, req.query),
  );
  app.get(
    '/api/mail-outbox/:id',
    {
      config: { access: ['System Manager'] },
      schema: {
        tags: ['notifications'],
        summary: 'One message of the outbox with its plain-text and HTML parts, as it goes out',
        params: IdParams,
        response: { 200: OutboxMessageSchema },
      },
    },
    async (req) => getOutboxMessage(ctx, req.params.id),
  );
}
