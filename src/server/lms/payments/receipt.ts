/** The payment receipt as PDF: the organisation, the member, what was bought, amounts in the currency's format. */
import type { Actor, AppContext } from '../../context.ts';
import { errors } from '../../http/errors.ts';
import { renderPdf } from '../../platform/pdf.ts';
import { getSettings } from '../../platform/settings.service.ts';
import { logoPdfBlocks } from '../../platform/logo.service.ts';
import { formatMoney, type Payment } from '../../../contract/payments.ts';
import { getPayment } from './payment.service.ts';

const GATEWAY_NAMES: Record<Payment['gateway'], string> = { stripe: 'Card (Stripe)', manual: 'Invoice', none: 'No payment needed' };

function day(iso: string | null, locale: string): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
}

/** A receipt exists for a payment that was paid (also after a refund, which it then shows). */
export async function receiptPdf(ctx: AppContext, actor: Actor, id: string, locale = 'en'): Promise<{ pdf: Buffer; filename: string }> {
  const p = await getPayment(ctx, actor, id);
  if (p.status !== 'paid' && p.status !== 'refunded') throw errors.notFound('A receipt for this payment');
  const settings = await getSettings(ctx.db);
  const member = await ctx.db.selectFrom('users').select(['full_name', 'email']).where('id', '=', p.memberId).executeTakeFirstOrThrow();
  const money = (n: number) => formatMoney(n, p.currency, locale);
  const rows: [string, string][] = [
    ['Receipt number', p.id],
    ['Date paid', day(p.paidAt, locale)],
    ['Billed to', `${member.full_name} <${member.email}>`],
    [p.courseId ? 'Course' : 'Batch', p.itemTitle],
    ['Paid with', GATEWAY_NAMES[p.gateway]],
  ];
  if (p.invoiceNumber) rows.push(['Invoice number', p.invoiceNumber]);
  const amounts: [string, string][] = [];
  if (p.discount > 0) {
    amounts.push(['Price', money(p.amount + p.discount)]);
    amounts.push([`Coupon ${p.couponCode ?? ''}`.trim(), `−${money(p.discount)}`]);
  }
  amounts.push(['Total paid', money(p.amount)]);
  if (p.status === 'refunded') amounts.push([`Refunded on ${day(p.refundedAt, locale)}`, `−${money(p.amount)}`]);
  const logo = await logoPdfBlocks(ctx);
  const pdf = await renderPdf({
    info: { title: `Receipt ${p.id}`, author: settings.organisationName, subject: p.itemTitle },
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
  return { pdf, filename: `receipt-${p.id}.pdf` };
}
