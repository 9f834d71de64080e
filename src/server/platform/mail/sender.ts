/** Sends the outbox over SMTP with nodemailer: the worker job `mail.outbox` and its run by hand. */
import nodemailer, { type Transporter } from 'nodemailer';
import type { AppContext } from '../../context.ts';
import { markdownToPlainText, renderMarkdown } from '../markdown.ts';
import { getSettings, storedSmtpUrl } from '../settings.service.ts';
import type { JobDefinition } from '../jobs.ts';
import type { OutboxRow } from '../../db/schema-notify.ts';
import { claimDue, markAttemptFailed, markSent } from './outbox.ts';
import { logoImage, type LogoImage } from '../logo.service.ts';

/** The SMTP server in use: SMOOTH_SMTP_URL wins over the settings' smtpUrl; null when neither is set. */
export async function smtpUrlOf(ctx: AppContext): Promise<string | null> {
  return ctx.config.smtpUrl ?? (await storedSmtpUrl(ctx.db));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The Content-ID of the logo attached to every mail when the organisation has one. */
export const LOGO_CID = 'organisation-logo@smooth-lms';

/**
 * The HTML part: the organisation's logo (when `logoSrc` is given: `cid:...` in a mail, a URL in a
 * preview) and name over the Markdown body rendered (raw HTML in it is escaped by the renderer).
 */
export function htmlPart(organisationName: string, subject: string, bodyMarkdown: string, logoSrc: string | null = null): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>',
    escapeHtml(subject),
    '</title></head><body style="font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;max-width:640px;margin:0 auto;padding:16px">',
    `<p style="font-size:18px;font-weight:bold;border-bottom:1px solid #ddd;padding-bottom:8px">`,
    logoSrc ? `<img src="${escapeHtml(logoSrc)}" alt="${escapeHtml(organisationName)} logo" style="max-height:48px;max-width:200px;display:block;margin-bottom:8px">` : '',
    `${escapeHtml(organisationName)}</p>`,
    renderMarkdown(bodyMarkdown),
    '</body></html>',
  ].join('');
}

/** The HTML part as a page shows it (a preview, a message in the outbox): the logo by its address, where a mail carries it inline. */
export async function htmlPartToRead(ctx: AppContext, subject: string, bodyMarkdown: string): Promise<string> {
  const settings = await getSettings(ctx.db);
  const logoSrc = settings.logo ? `${ctx.config.publicUrl ?? ''}${settings.logo.url}` : null;
  return htmlPart(settings.organisationName, subject, bodyMarkdown, logoSrc);
}

interface SmtpError {
  responseCode?: number;
  response?: string;
  message?: string;
}

/** 5xx answers are permanent (the server will refuse again); 4xx and connection errors are worth another try. */
function describe(err: unknown): { text: string; permanent: boolean } {
  const e = err as SmtpError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  return { text: e.response ?? e.message ?? String(err), permanent: code !== null && code >= 500 && code < 600 };
}

export interface DrainResult {
  configured: boolean;
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Sends every due message (claimed in batches) until none is due or `maxMs` has passed. Without an
 * SMTP server configured nothing is claimed: the messages wait in the outbox.
 */
export async function drainOutbox(ctx: AppContext, opts: { maxMs?: number } = {}): Promise<DrainResult> {
  const out: DrainResult = { configured: false, sent: 0, retrying: 0, failed: 0 };
  const url = await smtpUrlOf(ctx);
  if (!url) return out;
  out.configured = true;
  const settings = await getSettings(ctx.db);
  const from = settings.mailFrom ?? settings.supportEmail ?? 'no-reply@localhost';
  // Timeouts well inside the claim's lease, so a send never outlives the row's claim.
  const transport = nodemailer.createTransport({ url, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
  const domain = from.split('@')[1] ?? 'localhost';
  const deadline = Date.now() + (opts.maxMs ?? 50_000);
  const logo = await logoImage(ctx);
  try {
    while (Date.now() < deadline) {
      const batch = await claimDue(ctx);
      if (batch.length === 0) break;
      for (const row of batch) {
        await sendOne(ctx, transport, row, { from, domain, organisationName: settings.organisationName, logo }, out);
      }
    }
  } finally {
    transport.close();
  }
  return out;
}

async function sendOne(
  ctx: AppContext,
  transport: Transporter,
  row: OutboxRow,
  m: { from: string; domain: string; organisationName: string; logo: LogoImage | null },
  out: DrainResult,
): Promise<void> {
  try {
    const info = (await transport.sendMail({
      from: { name: m.organisationName, address: m.from },
      to: row.to_address,
      subject: row.subject,
      text: markdownToPlainText(row.body_markdown),
      html: htmlPart(m.organisationName, row.subject, row.body_markdown, m.logo ? `cid:${LOGO_CID}` : null),
      // The logo travels inline with the message (remote images are blocked by most mail readers).
      ...(m.logo
        ? {
            attachments: [
              {
                filename: m.logo.contentType === 'image/png' ? 'logo.png' : 'logo.jpg',
                content: m.logo.bytes,
                contentType: m.logo.contentType,
                cid: LOGO_CID,
                contentDisposition: 'inline' as const,
              },
            ],
          }
        : {}),
      // One Message-ID per outbox row, the same on every attempt: a copy sent again after a crash
      // can be recognised by the receiving side.
      messageId: `<${row.id}@${m.domain}>`,
    })) as { messageId?: string };
    await markSent(ctx.db, row, info.messageId ?? null);
    out.sent++;
  } catch (err) {
    const d = describe(err);
    const status = await markAttemptFailed(ctx.db, row, d.text, d.permanent);
    if (status === 'failed') out.failed++;
    else out.retrying++;
    ctx.log.warn({ outboxId: row.id, error: d.text, status }, 'mail not sent');
  }
}

/** Every minute: sends what is due. */
export const mailOutboxJob: JobDefinition = {
  name: 'mail.outbox',
  schedule: '* * * * *',
  run: (ctx) => drainOutbox(ctx),
};
