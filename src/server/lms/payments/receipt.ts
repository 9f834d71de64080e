/** The payment receipt as PDF: the organisation, the member, what was bought, amounts in the currency's format. */
import type { Actor, AppContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { DAY_MS } from '../../db/dialect.ts';
import { idAtTime } from '../../db/ids.ts';
import { errors } from '../../http/errors.ts';
import { renderPdf } from '../../platform/pdf.ts';
import { readableDay } from '../../platform/readable-instant.ts';
import { getSettings } from '../../platform/settings.service.ts';
import { logoPdfBlocks } from '../../platform/logo.service.ts';
import { PAYMENT_GATEWAY_WORDS, formatMoney, type Payment } from '../../../contract/payments.ts';
import { getPayment } from './payment.service.ts';


/** The UTC day of a timestamp in the product's words ("7 December 2026"); "" for none. */
function day(iso: string | null): string {
  return iso ? readableDay(iso.slice(0, 10)) : '';
}

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** The millisecond an id (db/ids.ts: 48-bit time first) was made, or null for an id not made that way. */
function idTime(id: string): number | null {
  if (id.length !== 26) return null;
  let v = 0n;
  for (const ch of id.slice(0, 10)) {
    const d = ID_ALPHABET.indexOf(ch);
    if (d < 0) return null;
    v = v * 32n + BigInt(d);
  }
  const ms = Number(v >> 2n);
  return ms > Date.UTC(2000, 0, 1) && ms < Date.UTC(2200, 0, 1) ? ms : null;
}

/**
 * The receipt number people quote: the day the payment was started and its place among the
 * payments started that day (UTC), "R-20261207-003". Payments are never deleted and ids sort by
 * creation, so the number stays the same each time the receipt is printed.
 */
export async function receiptNumber(db: Executor, p: Pick<Payment, 'id' | 'createdAt'>): Promise<string> {
  const ms = idTime(p.id) ?? Date.parse(p.createdAt);
  const start = Math.floor(ms / DAY_MS) * DAY_MS;
  const row = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', '>=', idAtTime(start))
    .where('id', '<', idAtTime(start + DAY_MS))
    .where('id', '<=', p.id)
    .executeTakeFirstOrThrow();
  const sequence = Math.max(1, Number(row.n));
  return `R-${new Date(start).toISOString().slice(0, 10).replace(/-/g, '')}-${String(sequence).padStart(3, '0')}`;
}

/** A title as part of a file name: no characters file systems refuse, one line, at most 80 characters. */
function fileNamePart(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
}

/** A receipt exists for a payment that was paid (also after a refund, which it then shows). */
export async function receiptPdf(ctx: AppContext, actor: Actor, id: string, locale = 'en'): Promise<{ pdf: Buffer; filename: string }> {
  const p = await getPayment(ctx, actor, id);
  if (p.status !== 'paid' && p.status !== 'refunded') throw errors.notFound('A receipt for this payment');
  const settings = await getSettings(ctx.db);
  const member = await ctx.db.selectFrom('users').select(['full_name', 'email']).where('id', '=', p.memberId).executeTakeFirstOrThrow();
  const money = (n: number) => formatMoney(n, p.currency, locale);
  const number = await receiptNumber(ctx.db, p);
  const rows: [string, string][] = [
    ['Receipt number', number],
    ['Date paid', day(p.paidAt)],
    ['Billed to', `${member.full_name} <${member.email}>`],
    [p.courseId ? 'Course' : 'Batch', p.itemTitle],
    ['Paid with', PAYMENT_GATEWAY_WORDS[p.gateway]],
  ];
  if (p.invoiceNumber) rows.push(['Invoice number', p.invoiceNumber]);
  const amounts: [string, string][] = [];
  if (p.discount > 0) {
    amounts.push(['Price', money(p.amount + p.discount)]);
    amounts.push([`Coupon ${p.couponCode ?? ''}`.trim(), `−${money(p.discount)}`]);
  }
  amounts.push(['Total paid', money(p.amount)]);
  if (p.status === 'refunded') amounts.push([`Refunded on ${day(p.refundedAt)}`, `−${money(p.amount)}`]);
  const logo = await logoPdfBlocks(ctx);
  const pdf = await renderPdf({
    info: { title: `Receipt ${number}`, author: settings.organisationName, subject: p.itemTitle },
    content: [
      ...logo,
      { text: settings.organisationName, fontSize: 18, bold: true, margin: [0, 0, 0, 4] },
      ...(settings.supportEmail ? [{ text: settings.supportEmail, color: '#555555', margin: [0, 0, 0, 16] }] : [{ text: '', margin: [0, 0, 0, 16] }]),
      { text: p.status === 'refunded' ? 'Receipt (refunded)' : 'Receipt', fontSize: 16, bold: true, margin: [0, 0, 0, 12] },
      { table: { widths: [130, '*'], body: rows.map(([k, v]) => [{ text: k, bold: true }, v]) }, layout: 'noBorders', margin: [0, 0, 0, 16] },
      {
        table: { widths: ['*', 120], body: amounts.map(([k, v], i) => [{ text: k, bold: i === amounts.length - 1 }, { text: v, alignment: 'right', bold: k === 'Total paid' }]) },
        layout: 'lightHorizontalLines',
      },
      ...(p.refundReason ? [{ text: `Refund reason: ${p.refundReason}`, margin: [0, 16, 0, 0] }] : []),
    ],
  });
  return { pdf, filename: `Receipt - ${fileNamePart(p.itemTitle) || 'payment'} - ${(p.paidAt ?? p.createdAt).slice(0, 10)}.pdf` };
}
