import { useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { ApiError, api, errorMessage } from '../ui/api.ts';
import { PAYMENT_STATUS_WORDS, formatMoney, type CheckoutResult, type Payment, type Quote } from '../../contract/payments.ts';
import { ALERT_STYLES } from './PortalParts.tsx';

type Target = { courseId: string } | { batchId: string };

/** The caller's pending payment for the course or batch (null when none is waiting); one request shared by every caller on the page. */
export function usePendingPayment(target: Target, enabled = true) {
  const params = new URLSearchParams({ ...target, status: 'pending', limit: '1' });
  return useQuery({
    queryKey: ['payments', 'pending', target],
    queryFn: ({ signal }) => api.get<{ items: Payment[] }>(`/api/payments?${params.toString()}`, { signal }),
    select: (d) => d.items[0] ?? null,
    enabled,
  });
}

/**
 * Buy a paid course or batch: an optional coupon code, priced by the server before buying
 * (POST /api/payments/quote), then the checkout. With Stripe the learner goes to its checkout page;
 * with invoices (or 100% off) to the payment's own page. While a payment for it is waiting, says so
 * (with the way to it) instead of offering to buy again. `intro`: the words above the form, shown
 * only while there is something to buy.
 */
export function BuyButton({ target, price, currency, intro }: { target: Target; price: number; currency: string; intro?: ReactNode }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const pending = usePendingPayment(target);
  const [coupon, setCoupon] = useState('');
  /** The price the server gave for the code as typed (null: none asked yet). */
  const [quoted, setQuoted] = useState<{ code: string; quote: Quote } | null>(null);
  const code = coupon.trim();
  const applied = quoted !== null && quoted.code === code ? quoted.quote : null;

  const quote = useMutation({
    mutationFn: (couponCode: string) => api.post<Quote>('/api/payments/quote', { ...target, couponCode }),
    onSuccess: (q, couponCode) => setQuoted({ code: couponCode, quote: q }),
  });
  const buy = useMutation({
    mutationFn: () => api.post<CheckoutResult>('/api/payments/checkout', { ...target, ...(code ? { couponCode: code } : {}) }),
    onSuccess: async (p) => {
      await client.invalidateQueries({ queryKey: ['payments'] });
      if (p.checkoutUrl) window.location.assign(p.checkoutUrl);
      else void navigate(`/lms/payments/${p.id}`);
    },
    // The coupon was used up (or ended) since it was priced: the price without it again.
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'COUPON_INVALID') setQuoted(null);
    },
  });
  /**
   * The Stripe checkout of a waiting payment: the checkout answers it again with its open session
   * (or, when that session expired, starts a new one with the same coupon).
   */
  const resume = useMutation({
    mutationFn: (couponCode: string | null) => api.post<CheckoutResult>('/api/payments/checkout', { ...target, ...(couponCode ? { couponCode } : {}) }),
    onSuccess: (p) => {
      if (p.checkoutUrl) window.location.assign(p.checkoutUrl);
      else void navigate(`/lms/payments/${p.id}`);
    },
  });

  if (pending.isPending) return null;
  const waiting = pending.data;
  if (waiting) {
    const amount = formatMoney(waiting.amount, waiting.currency);
    return (
      <Alert styles={ALERT_STYLES} color="blue" variant="light" title={PAYMENT_STATUS_WORDS.pending} maw={560} data-testid="payment-waiting">
        <Stack gap="xs">
          <Text size="sm">
            {waiting.gateway === 'manual'
              ? `Your payment of ${amount} is waiting: you will receive an invoice, and you are enrolled once your training team confirms it is paid.`
              : `Your payment of ${amount} is waiting: finish it at the checkout, and you are enrolled once it is paid.`}
          </Text>
          {resume.isError && (
            <Text size="sm" c="red.8" role="alert">
              {errorMessage(resume.error)}
            </Text>
          )}
          <Group>
            {waiting.gateway === 'stripe' && (
              <Button size="sm" onClick={() => resume.mutate(waiting.couponCode)} loading={resume.isPending}>
                Continue to the payment
              </Button>
            )}
            <Anchor component={Link} to="/lms/payments" size="sm">
              See it under My payments
            </Anchor>
          </Group>
        </Stack>
      </Alert>
    );
  }

  const couponProblem = (e: unknown) => (e instanceof ApiError && e.code === 'COUPON_INVALID' ? (e.fieldError('couponCode') ?? errorMessage(e)) : undefined);
  // The error of the last request about the code as it is now typed.
  const couponError = code ? (couponProblem(buy.error) ?? (quote.variables === code ? couponProblem(quote.error) : undefined)) : undefined;
  const otherError = [buy.error, quote.error].find((e) => e && !couponProblem(e));
  const apply = () => {
    buy.reset();
    if (code) quote.mutate(code);
  };
  const total = applied ? applied.amount : price;
  return (
    <Stack gap="xs" maw={420}>
      {intro}
      <TextInput
        label="Coupon code (optional)"
        value={coupon}
        onChange={(e) => {
          setCoupon(e.currentTarget.value);
          buy.reset();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            apply();
          }
        }}
        error={couponError}
        maxLength={40}
        rightSectionWidth={84}
        rightSectionPointerEvents="all"
        rightSection={
          <Button size="compact-sm" variant="subtle" onClick={apply} loading={quote.isPending} disabled={!code}>
            Apply
          </Button>
        }
      />
      {applied && applied.couponCode && (
        <Text size="sm" fw={500} data-testid="coupon-price" aria-live="polite">
          {formatMoney(applied.price, applied.currency)} → {formatMoney(applied.amount, applied.currency)} with {applied.couponCode}
        </Text>
      )}
      {otherError && (
        <Text size="sm" c="red.8" role="alert">
          {errorMessage(otherError)}
        </Text>
      )}
      <Group>
        <Button
          // A code typed but not yet priced is priced first: the learner sees the price before buying.
          onClick={() => (code && !applied ? apply() : buy.mutate())}
          loading={buy.isPending}
        >
          {total === 0 ? 'Get it at no cost' : `Buy for ${formatMoney(total, currency)}`}
        </Button>
      </Group>
    </Stack>
  );
}
