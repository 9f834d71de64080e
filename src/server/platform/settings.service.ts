import type { Actor, AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { SETTINGS_DEFAULTS, SettingsSchema, type Brand, type Settings, type SettingsPatchInput } from '../../contract/settings.ts';
import { recordAudit } from './audit.service.ts';
import { errors } from '../http/errors.ts';
import { refusedOutboundHost } from './outbound-address.ts';
import { logoView } from './logo.service.ts';

/** LMS Settings: stored key by key; missing keys take their defaults. */
export async function getSettings(db: Executor): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value_json']).execute();
  const stored: Record<string, unknown> = {};
  for (const r of rows) stored[r.key] = JSON.parse(r.value_json) as unknown;
  // Keys and secrets never leave the server: reads only say whether one is set.
  const merged = {
    ...SETTINGS_DEFAULTS,
    ...stored,
    recommendationApiKey: { set: typeof stored.recommendationApiKey === 'string' },
    // The SMTP URL carries its password: like the provider key, it is never read back.
    smtpUrl: { set: typeof stored.smtpUrl === 'string' },
    stripeSecretKey: { set: typeof stored.stripeSecretKey === 'string' },
    stripeWebhookSecret: { set: typeof stored.stripeWebhookSecret === 'string' },
    // The logo is a file: reads give its address.
    logo: logoView(stored.logo),
  };
  const parsed = SettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : SETTINGS_DEFAULTS;
}

/** The organisation's name and logo: all that is public of the settings (the login page shows them). */
export async function getBrand(db: Executor): Promise<Brand> {
  const { organisationName, logo } = await getSettings(db);
  return { organisationName, logo };
}

/**
 * Stored as given; `recommendationApiKey: null` removes the key (stored as null, read as not set).
 * The key goes with its endpoint: a new endpoint without a new key in the same patch removes the
 * stored key, so nobody can redirect the existing key to a listener of their own. An endpoint on a
 * private, loopback or link-local address is refused unless the configuration allows it.
 */
export async function updateSettings(ctx: AppContext, actor: Actor, input: SettingsPatchInput): Promise<Settings> {
  if (typeof input.recommendationEndpoint === 'string' && !ctx.config.allowPrivateEndpoints) {
    const refused = await refusedOutboundHost(input.recommendationEndpoint);
    if (refused)
      throw errors.validation([{ path: 'recommendationEndpoint', message: refused }], 'The recommendation endpoint may not be called.');
  }
  return ctx.db.transaction().execute(async (trx) => {
    const before = await getSettings(trx);
    const patch = { ...input };
    const endpointChanges = patch.recommendationEndpoint !== undefined && patch.recommendationEndpoint !== before.recommendationEndpoint;
    if (endpointChanges && patch.recommendationApiKey === undefined && before.recommendationApiKey.set) patch.recommendationApiKey = null;
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

/** The SMTP server URL stored in the settings (server use only), or null. */
export async function storedSmtpUrl(db: Executor): Promise<string | null> {
  const row = await db.selectFrom('settings').select('value_json').where('key', '=', 'smtpUrl').executeTakeFirst();
  const v = row ? (JSON.parse(row.value_json) as unknown) : null;
  return typeof v === 'string' ? v : null;
}

export interface PaymentSettings {
  gateway: 'stripe' | 'manual';
  stripeSecretKey: string | null;
  stripeWebhookSecret: string | null;
}

/** The payment gateway and its secrets (server use only: never answered, never logged). */
export async function paymentSettings(db: Executor): Promise<PaymentSettings> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value_json'])
    .where('key', 'in', ['paymentGateway', 'stripeSecretKey', 'stripeWebhookSecret'])
    .execute();
  const v = new Map(rows.map((r) => [r.key, JSON.parse(r.value_json) as unknown]));
  const str = (k: string) => {
    const x = v.get(k);
    return typeof x === 'string' ? x : null;
  };
  return {
    gateway: v.get('paymentGateway') === 'stripe' ? 'stripe' : 'manual',
    stripeSecretKey: str('stripeSecretKey'),
    stripeWebhookSecret: str('stripeWebhookSecret'),
  };
}
