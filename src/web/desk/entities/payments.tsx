/** Desk entities: payments (list, filters, export, mark paid, refund) and coupons. */
import { useState } from 'react';
import { Anchor, Badge, Button, Checkbox, Group, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { Link } from 'react-router';
import { api, errorMessage } from '../../ui/api.ts';
import { readableDateTime } from '../../ui/dates.ts';
import { IconClipboard } from '../../ui/icons.tsx';
import { PAYMENT_GATEWAY_WORDS, PAYMENT_STATUSES, PAYMENT_STATUS_WORDS, formatMoney, type PaymentGateway, type PaymentStatus } from '../../../contract/payments.ts';
import { notify } from '../notify.ts';
import type { EntityMeta, LinkRef, Row } from '../meta.ts';
import { COURSE_LINK, LinkedName, MODERATORS, USER_LINK } from './shared.tsx';
import { IdListField } from '../id-list-field.tsx';
import { ConfirmDialog, refusalOf, type Refusal } from '../../ui/confirm-dialog.tsx';

const COUPON_LINK: LinkRef = { url: '/api/coupons', slug: 'lms-coupon', label: (r) => String(r.code) };

/** How a payment came to be paid, as its history records it. */
const PAYMENT_CONFIRMED_VIA: Record<string, string> = {
  webhook: 'Confirmed by Stripe',
  return: 'Confirmed on return from the checkout',
  'mark-paid': 'Marked paid by staff',
  free: 'Nothing to pay',
};

const STATUS_COLOR: Record<PaymentStatus, string> = { pending: 'yellow', paid: 'green', failed: 'red', refunded: 'gray', expired: 'gray' };
const gatewayWords = (r: Row) => PAYMENT_GATEWAY_WORDS[r.gateway as PaymentGateway] ?? String(r.gateway);

const money = (r: Row) => formatMoney(Number(r.amount), String(r.currency));

/** A paid payment whose refund was claimed and not yet confirmed by the gateway. */
const refundUnderWay = (r: Row) => r.status === 'paid' && typeof r.refundStartedAt === 'string';

/** A paid payment that could not give what it paid for: staff decide (refund, or find a seat). */
const needsAttention = (r: Row) => r.status === 'paid' && r.attention === 'batch_full';
const ATTENTION_TEXT = 'The batch was full when the payment arrived: the member was not added. Refund the payment, or free a seat and add them.';

function StatusBadge({ row }: { row: Row }) {
  const status = row.status as PaymentStatus;
  if (needsAttention(row) && !refundUnderWay(row)) {
    return (
      <Badge variant="light" color="red" c="gray.9">
        paid, batch full
      </Badge>
    );
  }
  if (refundUnderWay(row)) {
    return (
      <Badge variant="light" color="orange" c="gray.9">
        refund under way
      </Badge>
    );
  }
  return (
    <Badge variant="light" color={STATUS_COLOR[status]} c="gray.9">
      {PAYMENT_STATUS_WORDS[status] ?? status}
    </Badge>
  );
}

/** Staff mark an invoiced payment paid: the member is enrolled at once. */
function MarkPaidButton({ row, refresh }: { row: Row; refresh: () => void }) {
  const [open, setOpen] = useState(false);
  const [invoice, setInvoice] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOpen(false);
    setRefusal(null);
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>Mark paid</Button>
      <ConfirmDialog
        opened={open}
        onClose={close}
        title={`Mark the payment of ${String(row.memberName)} paid`}
        confirmLabel="Mark paid"
        busy={busy}
        error={refusal?.dialog}
        onConfirm={() => {
          if (!invoice.trim()) return setRefusal({ field: 'Give the invoice number.', dialog: null });
          setBusy(true);
          setRefusal(null);
          api
            .post(`/api/payments/${encodeURIComponent(String(row.id))}/mark-paid`, { invoiceNumber: invoice.trim() })
            .then(() => {
              close();
              notify('The payment is marked paid and the member is enrolled.', 'green');
              refresh();
            })
            .catch((e: unknown) => setRefusal(refusalOf(e, 'invoiceNumber')))
            .finally(() => setBusy(false));
        }}
      >
        {String(row.memberName)} is enrolled in {String(row.itemTitle)} as soon as you confirm that {money(row)} was received.
        <TextInput
          label="Invoice number"
          required
          value={invoice}
          onChange={(e) => {
            setInvoice(e.currentTarget.value);
            setRefusal(null);
          }}
          error={refusal?.field}
        />
      </ConfirmDialog>
    </>
  );
}

/** Staff refund a paid payment, with a reason, optionally ending the access it gave. */
function RefundButton({ row, refresh }: { row: Row; refresh: () => void }) {
  if (refundUnderWay(row)) return <CompleteRefundButton row={row} refresh={refresh} />;
  if (needsAttention(row)) return <BatchFullRefundButton row={row} refresh={refresh} />;
  return <NewRefundButton row={row} refresh={refresh} />;
}

/** The batch was full when the payment arrived: one click gives the money back, with that reason. */
function BatchFullRefundButton({ row, refresh }: { row: Row; refresh: () => void }) {
  return (
    <OneClickRefund
      row={row}
      refresh={refresh}
      color="red"
      reason="The batch was full when the payment arrived."
      done={`${money(row)} is refunded to ${String(row.memberName)}.`}
      label={`Refund ${money(row)} (batch full)`}
    />
  );
}

/** A coupon that a payment used keeps its code and discount (payments show them). */
const usedCoupon = (r: Row): boolean => Number(r.paymentCount) > 0;

/** Ends a coupon now (its Valid until becomes this moment), after a confirmation; shown while it can still be used. */
function EndCouponButton({ row, refresh }: { row: Row; refresh: () => void }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const until = row.validUntil ? String(row.validUntil) : null;
  const ended = until !== null && (until.length === 10 ? `${until}T23:59:59.999Z` : until) < new Date().toISOString();
  if (ended) return null;
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        End now
      </Button>
      <ConfirmDialog
        opened={open}
        onClose={() => setOpen(false)}
        title={`End coupon ${String(row.code)} now?`}
        cancelLabel="Keep it"
        confirmLabel="End now"
        color="red"
        busy={busy}
        error={error}
        onConfirm={() => {
          setBusy(true);
          setError(null);
          api
            .patch(`/api/coupons/${encodeURIComponent(String(row.id))}`, { validUntil: new Date().toISOString() })
            .then(() => {
              notify(`Coupon ${String(row.code)} has ended.`, 'green');
              setOpen(false);
              refresh();
            })
            .catch((e: unknown) => setError(errorMessage(e)))
            .finally(() => setBusy(false));
        }}
      >
        Learners can no longer use it from now on. Payments that used it keep their discount.
      </ConfirmDialog>
    </>
  );
}

/**
 * A refund left under way (the provider did not answer, or the server stopped): asking again
 * completes it with the reason and choice it was started with.
 */
function CompleteRefundButton({ row, refresh }: { row: Row; refresh: () => void }) {
  return (
    <OneClickRefund
      row={row}
      refresh={refresh}
      color="orange"
      // The light variant's orange text is too faint on its background: the text colour instead.
      labelColor="var(--mantine-color-gray-9)"
      reason={String(row.refundReason ?? 'Refund')}
      done="The refund is complete."
      label="Complete the refund"
    />
  );
}

/** A refund with a given reason (access kept), in one click; its error under the button. */
function OneClickRefund(p: { row: Row; refresh: () => void; color: string; labelColor?: string; reason: string; done: string; label: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Stack gap={4}>
      <Button
        color={p.color}
        variant="light"
        {...(p.labelColor ? { styles: { label: { color: p.labelColor } } } : {})}
        loading={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          api
            .post(`/api/payments/${encodeURIComponent(String(p.row.id))}/refund`, { reason: p.reason, revokeAccess: false })
            .then(() => {
              notify(p.done, 'green');
              p.refresh();
            })
            .catch((e: unknown) => setError(errorMessage(e)))
            .finally(() => setBusy(false));
        }}
      >
        {p.label}
      </Button>
      {error && (
        <Text size="sm" c="red.8" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}

function NewRefundButton({ row, refresh }: { row: Row; refresh: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [revoke, setRevoke] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOpen(false);
    setRefusal(null);
  };
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Refund
      </Button>
      <ConfirmDialog
        opened={open}
        onClose={close}
        title={`Refund ${money(row)} to ${String(row.memberName)}?`}
        confirmLabel="Refund"
        color="red"
        busy={busy}
        error={refusal?.dialog}
        onConfirm={() => {
          if (!reason.trim()) return setRefusal({ field: 'Give the reason for the refund.', dialog: null });
          setBusy(true);
          setRefusal(null);
          api
            .post(`/api/payments/${encodeURIComponent(String(row.id))}/refund`, { reason: reason.trim(), revokeAccess: revoke })
            .then(() => {
              close();
              notify('The payment is refunded.', 'green');
              refresh();
            })
            .catch((e: unknown) => setRefusal(refusalOf(e, 'reason')))
            .finally(() => setBusy(false));
        }}
      >
        <Textarea
          label="Reason"
          required
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            setRefusal(null);
          }}
          autosize
          minRows={2}
          error={refusal?.field}
        />
        <Checkbox
          label={`Also end ${String(row.memberName)}’s access to ${String(row.itemTitle)}`}
          description="Their lesson progress is kept in the audit log."
          checked={revoke}
          onChange={(e) => setRevoke(e.currentTarget.checked)}
        />
      </ConfirmDialog>
    </>
  );
}

export const PAYMENT_ENTITIES: EntityMeta[] = [
  {
    slug: 'lms-payment',
    label: 'Payments',
    singular: 'Payment',
    description: 'Payments for paid courses and batches: mark invoices paid, refund, export.',
    icon: <IconClipboard size={18} />,
    section: 'Learning',
    roles: MODERATORS,
    api: { list: '/api/payments', create: false, update: false, total: true, exportCsv: '/api/payments/export.csv' },
    auditEntity: 'payment',
    historyFields: {
      status: { value: (v) => PAYMENT_STATUS_WORDS[v as PaymentStatus] ?? String(v) },
      gateway: { label: 'Paid with', value: (v) => PAYMENT_GATEWAY_WORDS[v as PaymentGateway] ?? String(v) },
      via: { label: 'How it was confirmed', value: (v) => PAYMENT_CONFIRMED_VIA[String(v)] ?? String(v) },
      enrollmentId: {
        label: 'Enrollment',
        value: (v) => (
          <Anchor component={Link} to={`/app/lms-enrollment/${encodeURIComponent(String(v))}`}>
            Open the enrollment
          </Anchor>
        ),
      },
      batchMemberId: { label: 'Batch seat', value: () => 'Added to the batch' },
      couponId: { label: 'Coupon', value: (v) => <LinkedName link={COUPON_LINK} id={String(v)} /> },
      couponCode: { label: 'Coupon' },
    },
    title: (r) => `Payment of ${String(r.memberName)} for ${String(r.itemTitle)}`,
    columns: [
      { key: 'createdAt', label: 'Created', render: (r) => readableDateTime(r.createdAt) },
      { key: 'memberName', label: 'Member' },
      { key: 'itemTitle', label: 'Course or batch' },
      { key: 'amount', label: 'Amount', numeric: true, render: money },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge row={r} /> },
      { key: 'gateway', label: 'Paid with', render: gatewayWords },
      { key: 'invoiceNumber', label: 'Invoice' },
    ],
    filters: [
      { name: 'status', label: 'Status', kind: 'select', options: PAYMENT_STATUSES, optionLabel: (c) => PAYMENT_STATUS_WORDS[c as PaymentStatus] ?? c },
      { name: 'needsAttention', label: 'Needs attention', kind: 'boolean' },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
    ],
    fields: [
      { name: 'memberName', label: 'Member', kind: 'text', readOnly: true },
      { name: 'itemTitle', label: 'Course or batch', kind: 'text', readOnly: true },
      { name: 'amount', label: 'Amount', kind: 'text', readOnly: true, display: money },
      { name: 'discount', label: 'Coupon discount', kind: 'text', readOnly: true, display: (r) => (Number(r.discount) > 0 ? `${formatMoney(Number(r.discount), String(r.currency))} (${String(r.couponCode)})` : 'None') },
      { name: 'status', label: 'Status', kind: 'text', readOnly: true, display: (r) => <StatusBadge row={r} /> },
      {
        name: 'attention',
        label: 'Needs attention',
        kind: 'text',
        readOnly: true,
        display: (r) => (r.attention === 'batch_full' ? (r.status === 'paid' ? ATTENTION_TEXT : 'The batch was full when the payment arrived (resolved).') : 'No'),
      },
      { name: 'gateway', label: 'Paid with', kind: 'text', readOnly: true, display: gatewayWords },
      { name: 'invoiceNumber', label: 'Invoice number', kind: 'text', readOnly: true },
      { name: 'gatewayReference', label: 'Gateway reference', kind: 'text', readOnly: true },
      { name: 'paidAt', label: 'Paid at', kind: 'text', readOnly: true, display: (r) => readableDateTime(r.paidAt) },
      { name: 'refundedAt', label: 'Refunded at', kind: 'text', readOnly: true, display: (r) => readableDateTime(r.refundedAt) },
      { name: 'refundStartedAt', label: 'Refund started', kind: 'text', readOnly: true, display: (r) => (r.refundStartedAt ? `${readableDateTime(r.refundStartedAt)}${refundUnderWay(r) ? ' (under way: the payment provider has not confirmed it yet)' : ''}` : '—') },
      { name: 'refundReason', label: 'Refund reason', kind: 'text', readOnly: true },
    ],
    actions: (row, ctx) => (
      <Group gap="xs">
        {row.status === 'pending' && <MarkPaidButton row={row} refresh={ctx.refresh} />}
        {row.status === 'paid' && <RefundButton row={row} refresh={ctx.refresh} />}
        {(row.status === 'paid' || row.status === 'refunded') && (
          <Button component="a" variant="default" href={`/api/payments/${encodeURIComponent(String(row.id))}/receipt.pdf`} target="_blank" rel="noopener">
            Receipt (PDF)
          </Button>
        )}
      </Group>
    ),
  },
  {
    slug: 'lms-coupon',
    label: 'Coupons',
    singular: 'Coupon',
    description: 'Discount codes for paid courses: percent or amount off, validity, maximum uses.',
    icon: <IconClipboard size={18} />,
    section: 'Learning',
    roles: MODERATORS,
    createRoles: MODERATORS,
    deleteRoles: MODERATORS,
    api: { list: '/api/coupons', update: 'PATCH', delete: true },
    deleteWarning: 'A coupon that a payment used is not deleted: end it instead (End now, or a Valid until date).',
    auditEntity: 'coupon',
    title: (r) => `Coupon ${String(r.code)}`,
    columns: [
      { key: 'code', label: 'Code' },
      {
        key: 'discount',
        label: 'Discount',
        render: (r) => (r.percentOff !== null ? `${String(r.percentOff)}%` : formatMoney(Number(r.amountOff), String(r.currency))),
      },
      { key: 'uses', label: 'Uses', numeric: true, render: (r) => (r.maxUses === null ? String(r.uses) : `${String(r.uses)} / ${String(r.maxUses)}`) },
      { key: 'validUntil', label: 'Valid until', render: (r) => (r.validUntil ? readableDateTime(r.validUntil) : 'No end') },
    ],
    filters: [],
    fields: [
      {
        name: 'code',
        label: 'Code',
        kind: 'text',
        required: true,
        description: '3 to 40 letters, digits, "-" or "_"; learners may type it in any case.',
        fixedWhen: usedCoupon,
      },
      { name: 'percentOff', label: 'Percent off', kind: 'number', min: 1, max: 100, nullable: true, description: 'Either a percent or an amount off.', fixedWhen: usedCoupon },
      { name: 'amountOff', label: 'Amount off', kind: 'money', currencyField: 'currency', min: 1, max: 100_000_000, nullable: true, fixedWhen: usedCoupon },
      { name: 'currency', label: 'Currency of the amount off (ISO 4217)', kind: 'text', nullable: true, fixedWhen: usedCoupon },
      { name: 'validFrom', label: 'Valid from', kind: 'date', nullable: true },
      { name: 'validUntil', label: 'Valid until', kind: 'date', nullable: true, description: 'The coupon works through the end of this day (UTC). Empty: no end.' },
      {
        name: 'maxUses',
        label: 'Maximum uses',
        kind: 'number',
        min: 1,
        nullable: true,
        description: 'Leave empty for no limit. A use is taken at checkout and given back if the payment fails.',
      },
      {
        name: 'courseIds',
        label: 'Courses',
        kind: 'custom',
        wide: true,
        initial: [],
        render: (p) => <IdListField {...p} link={COURSE_LINK} label="Courses (none: every paid course)" />,
      },
      {
        name: 'paymentCount',
        label: 'Payments',
        kind: 'text',
        readOnly: true,
        editOnly: true,
        display: (r) => (Number(r.paymentCount) > 0 ? `Used in ${String(r.paymentCount)} payment${Number(r.paymentCount) === 1 ? '' : 's'}: its code and discount stay as they are.` : 'Not used yet'),
      },
    ],
    actions: (row, ctx) => <EndCouponButton row={row} refresh={ctx.refresh} />,
    validate: (v) => {
      const out: Record<string, string> = {};
      const pct = v.percentOff !== undefined && v.percentOff !== null && v.percentOff !== '';
      const amt = v.amountOff !== undefined && v.amountOff !== null && v.amountOff !== '';
      if (pct === amt) out.percentOff = 'Give either a percent or an amount off.';
      if (amt && !v.currency) out.currency = 'An amount off needs its currency.';
      return out;
    },
  },
];
