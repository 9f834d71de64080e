import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { BrandSchema, SettingsPatch, SettingsSchema } from '../../contract/settings.ts';
import { getBrand, getSettings, updateSettings } from './settings.service.ts';
import { receiveUpload, sendFileWithRange } from './files.service.ts';
import { LOGO_RULE, logoFile, logoUrl, removeLogo, setLogo } from './logo.service.ts';
import { errors } from '../http/errors.ts';

const LogoQuery = z.strictObject({ v: z.string().max(64).optional() });

export function registerSettingsRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/settings',
    { config: { access: 'authenticated' }, schema: { tags: ['settings'], summary: 'LMS Settings', response: { 200: SettingsSchema } } },
    async (req) => {
      const settings = await getSettings(ctx.db);
      // Where the recommendation provider lives is for System Managers only.
      if (actorOf(req).roles.has('System Manager')) return settings;
      return { ...settings, recommendationEndpoint: null, recommendationModel: null };
    },
  );
  app.get(
    '/api/settings/brand',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settings'],
        summary: "The organisation's name and logo address, for the login page (no login needed; every other setting stays private)",
        response: { 200: BrandSchema },
      },
    },
    async () => getBrand(ctx.db),
  );
  app.patch(
    '/api/settings',
    {
      config: { access: ['System Manager'] },
      schema: { tags: ['settings'], summary: 'Change LMS Settings', body: SettingsPatch, response: { 200: SettingsSchema } },
    },
    async (req) => updateSettings(ctx, actorOf(req), req.body),
  );

  app.put(
    '/api/settings/logo',
    {
      config: { access: ['System Manager'], problems: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'MALFORMED_REQUEST'] },
      schema: {
        tags: ['settings'],
        summary: 'Upload the organisation logo (multipart part "file": PNG or JPEG, at most 1 MB, recognised by its bytes)',
        consumes: ['multipart/form-data'],
        response: { 200: SettingsSchema },
      },
    },
    async (req) => {
      const blob = await receiveUpload(ctx, req, LOGO_RULE);
      await setLogo(ctx, actorOf(req), blob);
      return getSettings(ctx.db);
    },
  );
  app.delete(
    '/api/settings/logo',
    { config: { access: ['System Manager'] }, schema: { tags: ['settings'], summary: 'Remove the organisation logo' } },
    async (req, reply) => {
      await removeLogo(ctx, actorOf(req));
      return reply.code(204).send();
    },
  );
  app.get(
    '/api/settings/logo',
    {
      config: { access: 'public', problems: ['RANGE_NOT_SATISFIABLE'] },
      schema: { tags: ['settings'], summary: 'The organisation logo (no login needed): 404 when none is set', querystring: LogoQuery },
    },
    async (req, reply) => {
      const file = await logoFile(ctx.db);
      if (!file) throw errors.notFound('The logo');
      // The versioned address (as settings give it) never changes its bytes; the bare one is revalidated.
      const versioned = req.query.v !== undefined && logoUrl(file).endsWith(`v=${req.query.v}`);
      const cacheControl = versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300, must-revalidate';
      return sendFileWithRange(ctx, reply, req, { ...file, filename: `logo.${file.content_type === 'image/png' ? 'png' : 'jpg'}` }, { cacheControl });
    },
  );
}
