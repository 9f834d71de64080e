import type { Actor, AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { SETTINGS_DEFAULTS, SettingsSchema, type Settings, type SettingsPatchInput } from '../../contract/settings.ts';
import { recordAudit } from './audit.service.ts';

/** LMS Settings: stored key by key; missing keys take their defaults. */
export async function getSettings(db: Executor): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value_json']).execute();
  const stored: Record<string, unknown> = {};
  for (const r of rows) stored[r.key] = JSON.parse(r.value_json) as unknown;
  // The provider key never leaves the server: reads only say whether one is set.
  const merged = { ...SETTINGS_DEFAULTS, ...stored, recommendationApiKey: { set: typeof stored.recommendationApiKey === 'string' } };
  const parsed = SettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : SETTINGS_DEFAULTS;
}

/** Stored as given; `recommendationApiKey: null` removes the key (stored as null, read as not set). */
export async function updateSettings(ctx: AppContext, actor: Actor, patch: SettingsPatchInput): Promise<Settings> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await getSettings(trx);
    const now = nowIso();
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      await trx
        .insertInto('settings')
        .values({ key, value_json: JSON.stringify(value), updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value_json: JSON.stringify(value), updated_at: now }))
        .execute();
    }
    const after = await getSettings(trx);
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'settings', entityId: 'lms', before, after });
    return after;
  });
}

export interface RecommendationProvider {
  endpoint: string;
  model: string | null;
  apiKey: string;
}

/** The external recommendation re-ranker, when both its endpoint and its key are set (server use only). */
export async function recommendationProvider(db: Executor): Promise<RecommendationProvider | null> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value_json'])
    .where('key', 'in', ['recommendationEndpoint', 'recommendationModel', 'recommendationApiKey'])
    .execute();
  const v = new Map(rows.map((r) => [r.key, JSON.parse(r.value_json) as unknown]));
  const endpoint = v.get('recommendationEndpoint');
  const apiKey = v.get('recommendationApiKey');
  const model = v.get('recommendationModel');
  if (typeof endpoint !== 'string' || typeof apiKey !== 'string') return null;
  return { endpoint, apiKey, model: typeof model === 'string' ? model : null };
}
