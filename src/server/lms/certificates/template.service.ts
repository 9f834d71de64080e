/**
 * Certificate templates (System Managers): texts with placeholders, layout, colours, fonts and
 * three images (background, logo, signature) kept in the file store. Rendering reads a template
 * once per change: its images are cached as data URLs keyed by the template's updated_at.
 */
import fs from 'node:fs';
import type { Selectable } from 'kysely';
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { CertificateTemplatesTable } from '../../db/schema-certificates.ts';
import { isForeignKeyViolation, nowIso, today } from '../../db/dialect.ts';
import { newId } from '../../db/ids.ts';
import type { AppError } from '../../http/errors.ts';
import { errors } from '../../http/errors.ts';
import { recordAudit } from '../../platform/audit.service.ts';
import { deleteFileRows, discardBlobs, storagePath, type UploadRule } from '../../platform/files.service.ts';
import { imageDataUrl } from '../../platform/pdf.ts';
import type { CertificateTemplate, CreateTemplateInput, TemplateImageSlot, UpdateTemplateInput } from '../../../contract/certificates.ts';
import { DEFAULT_TEMPLATE_ID } from '../../db/migrations/0005-certificates.ts';
import type { CertificateData, RenderTemplate } from './certificate-pdf.ts';
import { RenderTimeoutError, renderPoolFor } from './render-pool.ts';
import { logoDataUrl } from '../../platform/logo.service.ts';

export type TemplateRow = Selectable<CertificateTemplatesTable>;

export const CERTIFICATE_IMAGE_RULE: UploadRule = {
  accept: ['image/png', 'image/jpeg'],
  maxBytes: 2 * 1024 * 1024,
  label: 'a PNG or JPEG image',
  purpose: 'certificate-image',
};

export const SLOT_COLUMN = {
  background: 'background_file_id',
  logo: 'logo_file_id',
  signature: 'signature_file_id',
} as const satisfies Record<TemplateImageSlot, keyof TemplateRow>;

/** The built-in look, used for new templates' unset fields and when no template row exists at all. */
export const TEMPLATE_DEFAULTS = {
  orientation: 'landscape',
  page_size: 'A4',
  title: 'Certificate of Completion',
  subtitle: 'This is to certify that',
  body: 'has successfully completed the course\n{{courseTitle}}\non {{issueDate}}.',
  signer_name: '',
  signer_title: 'Head of Learning & Development',
  primary_color: '#1f3a5f',
  text_color: '#222222',
  background_color: '#fffdf7',
  title_font: 'DejaVuSerif',
  body_font: 'DejaVuSerif',
} as const;

function imageUrl(id: string, slot: TemplateImageSlot, fileId: string | null): string | null {
  return fileId ? `/api/certificate-templates/${id}/images/${slot}?v=${fileId}` : null;
}

export function toTemplate(r: TemplateRow): CertificateTemplate {
  return {
    id: r.id,
    name: r.name,
    orientation: r.orientation as CertificateTemplate['orientation'],
    pageSize: r.page_size as CertificateTemplate['pageSize'],
    title: r.title,
    subtitle: r.subtitle,
    body: r.body,
    signerName: r.signer_name,
    signerTitle: r.signer_title,
    primaryColor: r.primary_color,
    textColor: r.text_color,
    backgroundColor: r.background_color,
    titleFont: r.title_font as CertificateTemplate['titleFont'],
    bodyFont: r.body_font as CertificateTemplate['bodyFont'],
    isDefault: r.is_default === 1,
    images: {
      background: imageUrl(r.id, 'background', r.background_file_id),
      logo: imageUrl(r.id, 'logo', r.logo_file_id),
      signature: imageUrl(r.id, 'signature', r.signature_file_id),
    },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function columnsOf(input: UpdateTemplateInput): Partial<TemplateRow> {
  const out: Partial<TemplateRow> = {};
  if (input.name !== undefined) out.name = input.name;
  if (input.orientation !== undefined) out.orientation = input.orientation;
  if (input.pageSize !== undefined) out.page_size = input.pageSize;
  if (input.title !== undefined) out.title = input.title;
  if (input.subtitle !== undefined) out.subtitle = input.subtitle;
  if (input.body !== undefined) out.body = input.body;
  if (input.signerName !== undefined) out.signer_name = input.signerName;
  if (input.signerTitle !== undefined) out.signer_title = input.signerTitle;
  if (input.primaryColor !== undefined) out.primary_color = input.primaryColor;
  if (input.textColor !== undefined) out.text_color = input.textColor;
  if (input.backgroundColor !== undefined) out.background_color = input.backgroundColor;
  if (input.titleFont !== undefined) out.title_font = input.titleFont;
  if (input.bodyFont !== undefined) out.body_font = input.bodyFont;
  return out;
}

async function templateRow(db: Executor, id: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('certificate_templates').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function templateOr404(db: Executor, id: string): Promise<TemplateRow> {
  const row = await templateRow(db, id);
  if (!row) throw errors.notFound('The certificate template');
  return row;
}

export async function listTemplates(ctx: AppContext): Promise<CertificateTemplate[]> {
  const rows = await ctx.db
    .selectFrom('certificate_templates')
    .selectAll()
    .orderBy('is_default', 'desc')
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(toTemplate);
}

export async function getTemplate(ctx: AppContext, id: string): Promise<CertificateTemplate> {
  return toTemplate(await templateOr404(ctx.db, id));
}

/** Makes `id` the only default (the partial unique index allows one). */
async function makeDefault(db: Executor, id: string): Promise<void> {
  await db.updateTable('certificate_templates').set({ is_default: 0 }).where('is_default', '=', 1).where('id', '<>', id).execute();
  await db.updateTable('certificate_templates').set({ is_default: 1 }).where('id', '=', id).execute();
}

export async function createTemplate(ctx: AppContext, actor: Actor, input: CreateTemplateInput): Promise<CertificateTemplate> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = nowIso();
    const row: TemplateRow = {
      id: newId(),
      ...TEMPLATE_DEFAULTS,
      name: input.name,
      ...columnsOf(input),
      background_file_id: null,
      logo_file_id: null,
      signature_file_id: null,
      is_default: 0,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('certificate_templates').values(row).execute();
    if (input.isDefault) await makeDefault(trx, row.id);
    const created = toTemplate(await templateOr404(trx, row.id));
    await recordAudit(trx, { actorId: actor.id, action: 'create', entity: 'certificate-template', entityId: row.id, after: created });
    return created;
  });
}

export async function updateTemplate(ctx: AppContext, actor: Actor, id: string, input: UpdateTemplateInput): Promise<CertificateTemplate> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = toTemplate(await templateOr404(trx, id));
    if (input.isDefault === false && before.isDefault) {
      throw errors.unprocessable(
        'DEFAULT_TEMPLATE_REQUIRED',
        'One template must stay the default: make another template the default instead.',
      );
    }
    await trx
      .updateTable('certificate_templates')
      .set({ ...columnsOf(input), updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    if (input.isDefault) await makeDefault(trx, id);
    const after = toTemplate(await templateOr404(trx, id));
    await recordAudit(trx, { actorId: actor.id, action: 'update', entity: 'certificate-template', entityId: id, before, after });
    return after;
  });
}

/**
 * For a course that names a certificate template: 400 when no template has the id. On
 * PostgreSQL the template row is key-share locked until the caller's transaction ends, so a
 * concurrent delete waits and then meets the course's foreign key (409 TEMPLATE_IN_USE).
 */
export async function assertCertificateTemplate(ctx: AppContext, trx: Executor, id: string | null | undefined): Promise<void> {
  if (!id) return;
  let q = trx.selectFrom('certificate_templates').select('id').where('id', '=', id);
  if (ctx.dialect === 'postgres') q = q.forKeyShare();
  if (!(await q.executeTakeFirst())) {
    const message = 'No certificate template has this id.';
    throw errors.validation([{ path: 'certificateTemplateId', message }], message);
  }
}

/** A template of this installation named by a course archive: the same id, else the same name; null when there is none. */
export async function findCertificateTemplate(
  db: Executor,
  ref: { id: string; name: string },
): Promise<{ id: string; name: string } | null> {
  const byId = await db.selectFrom('certificate_templates').select(['id', 'name']).where('id', '=', ref.id).executeTakeFirst();
  if (byId) return byId;
  return (
    (await db
      .selectFrom('certificate_templates')
      .select(['id', 'name'])
      .where('name', '=', ref.name)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}

/** Courses named in a TEMPLATE_IN_USE answer (the count has them all). */
const IN_USE_SAMPLE = 10;

async function templateInUse(db: Executor, id: string): Promise<AppError | null> {
  const [count, sample] = await Promise.all([
    db
      .selectFrom('courses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('certificate_template_id', '=', id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('courses')
      .select(['id', 'title'])
      .where('certificate_template_id', '=', id)
      .orderBy('title')
      .orderBy('id')
      .limit(IN_USE_SAMPLE)
      .execute(),
  ]);
  const courseCount = Number(count.n);
  if (courseCount === 0) return null;
  return errors.conflict(
    'TEMPLATE_IN_USE',
    `${courseCount === 1 ? 'A course uses' : `${courseCount} courses use`} this template, so it cannot be deleted. Choose another template for ${courseCount === 1 ? 'that course' : 'those courses'} first.`,
    { courseCount, courses: sample },
  );
}

/**
 * Deletes a template no course uses (409 TEMPLATE_IN_USE otherwise; the foreign key from courses
 * refuses it too, should a course pick the template meanwhile). Certificates issued with it
 * render with the default template from then on.
 */
export async function deleteTemplate(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  let keys: string[];
  try {
    keys = await ctx.db.transaction().execute(async (trx) => {
      const row = await templateOr404(trx, id);
      if (row.is_default === 1) {
        throw errors.unprocessable(
          'DEFAULT_TEMPLATE_REQUIRED',
          'The default template cannot be deleted: make another template the default first.',
        );
      }
      const inUse = await templateInUse(trx, id);
      if (inUse) throw inUse;
      await trx.updateTable('certificates').set({ template_id: null }).where('template_id', '=', id).execute();
      await trx.deleteFrom('certificate_templates').where('id', '=', id).execute();
      const storageKeys = await deleteFileRows(trx, [row.background_file_id, row.logo_file_id, row.signature_file_id]);
      await recordAudit(trx, {
        actorId: actor.id,
        action: 'delete',
        entity: 'certificate-template',
        entityId: id,
        before: toTemplate(row),
      });
      return storageKeys;
    });
  } catch (e) {
    if (!isForeignKeyViolation(e)) throw e;
    // A course chose the template between the check and the delete.
    throw (await templateInUse(ctx.db, id)) ?? e;
  }
  await discardBlobs(ctx, keys);
}

/** Largest image accepted, in pixels (a 2 MB file can still claim huge dimensions). */

// ---------------------------------------------------------------------------------------------
// Rendering

const renderCache = new Map<string, { version: string; template: RenderTemplate }>();

async function dataUrlOf(ctx: AppContext, db: Executor, fileId: string | null): Promise<string | null> {
  if (!fileId) return null;
  const file = await db.selectFrom('files').select(['storage_key', 'content_type']).where('id', '=', fileId).executeTakeFirst();
  if (!file) return null;
  try {
    return imageDataUrl(await fs.promises.readFile(storagePath(ctx, file.storage_key)), file.content_type);
  } catch {
    ctx.log.error({ fileId }, 'certificate template image missing on disk');
    return null;
  }
}

async function toRenderTemplate(ctx: AppContext, db: Executor, r: TemplateRow): Promise<RenderTemplate> {
  const [backgroundImage, logoImage, signatureImage] = await Promise.all([
    dataUrlOf(ctx, db, r.background_file_id),
    dataUrlOf(ctx, db, r.logo_file_id),
    dataUrlOf(ctx, db, r.signature_file_id),
  ]);
  return {
    orientation: r.orientation as RenderTemplate['orientation'],
    pageSize: r.page_size as RenderTemplate['pageSize'],
    title: r.title,
    subtitle: r.subtitle,
    body: r.body,
    signerName: r.signer_name,
    signerTitle: r.signer_title,
    primaryColor: r.primary_color,
    textColor: r.text_color,
    backgroundColor: r.background_color,
    titleFont: r.title_font,
    bodyFont: r.body_font,
    backgroundImage,
    logoImage,
    signatureImage,
  };
}

const BUILTIN: RenderTemplate = {
  orientation: 'landscape',
  pageSize: 'A4',
  title: TEMPLATE_DEFAULTS.title,
  subtitle: TEMPLATE_DEFAULTS.subtitle,
  body: TEMPLATE_DEFAULTS.body,
  signerName: '',
  signerTitle: TEMPLATE_DEFAULTS.signer_title,
  primaryColor: TEMPLATE_DEFAULTS.primary_color,
  textColor: TEMPLATE_DEFAULTS.text_color,
  backgroundColor: TEMPLATE_DEFAULTS.background_color,
  titleFont: TEMPLATE_DEFAULTS.title_font,
  bodyFont: TEMPLATE_DEFAULTS.body_font,
  backgroundImage: null,
  logoImage: null,
  signatureImage: null,
};

/**
 * The template to render with: `templateId` when it exists, else the default template, else the
 * built-in look. Cached per template version (updated_at), so a batch reads images once.
 */
export async function renderTemplateFor(ctx: AppContext, db: Executor, templateId: string | null): Promise<RenderTemplate> {
  let row = templateId ? await templateRow(db, templateId) : undefined;
  row ??= await db.selectFrom('certificate_templates').selectAll().where('is_default', '=', 1).executeTakeFirst();
  if (!row) return withOrganisationLogo(ctx, BUILTIN);
  const cached = renderCache.get(row.id);
  if (cached && cached.version === row.updated_at) return withOrganisationLogo(ctx, cached.template);
  const template = await toRenderTemplate(ctx, db, row);
  renderCache.set(row.id, { version: row.updated_at, template });
  return withOrganisationLogo(ctx, template);
}

/** A template without a logo of its own shows the organisation's (settings), when one is set. */
async function withOrganisationLogo(ctx: AppContext, template: RenderTemplate): Promise<RenderTemplate> {
  if (template.logoImage) return template;
  const logoImage = await logoDataUrl(ctx);
  return logoImage ? { ...template, logoImage } : template;
}

export const SAMPLE_DATA: Omit<CertificateData, 'verificationUrl'> = {
  memberName: 'Zoë Łukasiewicz-Смирнова',
  courseTitle: 'Fire Safety and Evacuation Procedures',
  issueDate: today(),
  expiryDate: null,
  certificateId: 'sample0000000000000000000',
  watermark: 'PREVIEW',
};

/** Renders the template with sample data; `changes` previews unsaved edits on top of it. */
export async function previewTemplate(
  ctx: AppContext,
  id: string,
  changes: UpdateTemplateInput | undefined,
  publicBase: string,
): Promise<Buffer> {
  const row = await templateOr404(ctx.db, id);
  const merged: TemplateRow = { ...row, ...columnsOf(changes ?? {}) };
  const template = await withOrganisationLogo(ctx, await toRenderTemplate(ctx, ctx.db, merged));
  const issue = today();
  const expiry = new Date(`${issue}T00:00:00Z`);
  expiry.setUTCFullYear(expiry.getUTCFullYear() + 2);
  // On a render thread, never on the event loop: a preview is as costly as a certificate.
  const pdf = renderPoolFor(ctx).render(
    template,
    {
      ...SAMPLE_DATA,
      issueDate: issue,
      expiryDate: expiry.toISOString().slice(0, 10),
      verificationUrl: `${publicBase}/lms/certificates/verify/sample-verification-code`,
    },
    { threadOnly: true },
  );
  try {
    return await pdf;
  } catch (err) {
    if (err instanceof RenderTimeoutError) {
      throw errors.unprocessable('RENDER_TIMEOUT', 'The preview took too long to render. Shorten the texts of the template.');
    }
    throw err;
  }
}

export { DEFAULT_TEMPLATE_ID };
