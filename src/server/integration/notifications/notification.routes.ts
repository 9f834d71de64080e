import type { AppContext } from '../../context.ts';
import type { App } from '../../http/types.ts';
import { actorOf } from '../../http/access.ts';
import {
  NotificationPreferencesPatch,
  NotificationPreferencesSchema,
  TemplateBody,
  TemplateListSchema,
  TemplateParams,
  TemplatePreviewSchema,
  TemplateSchema,
  UnreadCountSchema,
} from '../../../contract/notifications.ts';
import { myPreferences, unreadCount, updateMyPreferences } from './preferences.service.ts';
import { listTemplates, previewTemplate, resetTemplate, saveTemplate } from './templates.ts';

const tags = ['notifications'];

/** The caller's notification preferences and unread count; the templates for System Managers. */
export function registerNotificationRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/me/notification-preferences',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'How the caller wants to be told: mail or not, each at once or a daily digest',
        response: { 200: NotificationPreferencesSchema },
      },
    },
    async (req) => myPreferences(ctx, actorOf(req)),
  );
  app.patch(
    '/api/me/notification-preferences',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: "Change the caller's notification preferences",
        body: NotificationPreferencesPatch,
        response: { 200: NotificationPreferencesSchema },
      },
    },
    async (req) => updateMyPreferences(ctx, actorOf(req), req.body),
  );
  app.get(
    '/api/me/notifications/unread-count',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: "How many of the caller's notifications are unread (the bell)", response: { 200: UnreadCountSchema } },
    },
    async (req) => unreadCount(ctx, actorOf(req)),
  );

  app.get(
    '/api/notification-templates',
    {
      config: { access: ['System Manager'] },
      schema: { tags, summary: 'The template of every notification event (edited or default)', response: { 200: TemplateListSchema } },
    },
    async () => ({ items: await listTemplates(ctx) }),
  );
  app.put(
    '/api/notification-templates/:event',
    {
      config: { access: ['System Manager'] },
      schema: {
        tags,
        summary: "Replace an event's subject and Markdown body ({{placeholders}})",
        params: TemplateParams,
        body: TemplateBody,
        response: { 200: TemplateSchema },
      },
    },
    async (req) => saveTemplate(ctx, actorOf(req), req.params.event, req.body),
  );
  app.delete(
    '/api/notification-templates/:event',
    { config: { access: ['System Manager'] }, schema: { tags, summary: "Put an event's default template back", params: TemplateParams } },
    async (req, reply) => {
      await resetTemplate(ctx, actorOf(req), req.params.event);
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/notification-templates/:event/preview',
    {
      config: { access: ['System Manager'] },
      schema: {
        tags,
        summary: 'A template filled with sample data: subject, plain text and HTML',
        params: TemplateParams,
        body: TemplateBody,
        response: { 200: TemplatePreviewSchema },
      },
    },
    async (req) => previewTemplate(ctx, req.params.event, req.body),
  );
}
