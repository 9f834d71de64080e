import type { AppContext } from '../context.ts';
import type { App } from '../http/types.ts';
import { actorOf } from '../http/access.ts';
import { SettingsPatch, SettingsSchema } from '../../contract/settings.ts';
import { getSettings, updateSettings } from './settings.service.ts';

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
  app.patch(
    '/api/settings',
    {
      config: { access: ['System Manager'] },
      schema: { tags: ['settings'], summary: 'Change LMS Settings', body: SettingsPatch, response: { 200: SettingsSchema } },
    },
    async (req) => updateSettings(ctx, actorOf(req), req.body),
  );
}
