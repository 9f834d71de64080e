import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { ApiError, api, errorMessage } from '../ui/api.ts';
import { formatMoney, type CheckoutResult } from '../../contract/payments.ts';

/**
 * Buy a paid course or batch: an optional coupon code, then the checkout. With Stripe the learner
 * goes to its checkout page; with invoices (or 100% off) to the payment's own page.
 */
export function BuyButton({ target, price, currency }: { target: { courseId: string } | { batchId: string }; price: number; currency: string }) {
  const navigate = useNavigate();
  const [coupon, setCoupon] = useState('');
  const buy = useMutation({
    mutationFn: () => api.post<CheckoutResult>('/api/payments/checkout', { ...target, ...(coupon.trim() ? { couponCode: coupon.trim() } : {}) }),
    onSuccess: (p) => {
      if (p.checkoutUrl) window.location.assign(p.checkoutUrl);
      else void navigate(`/lms/payments/${p.id}`);
    },
  });
  const couponError = buy.error instanceof ApiError && buy.error.code === 'COUPON_INVALID' ? errorMessage(buy.error) : undefined;
  return (
    <Stack gap="xs" maw={420}>
      <TextInput label="Coupon code (optional)" value={coupon} onChange={(e) => setCoupon(e.currentTarget.value)} error={couponError} maxLength={40} />
      {buy.isError && !couponError && (
        <Text size="sm" c="red.8" role="alert">
          {errorMessage(buy.error)}
        </Text>
      )}
      <Group>
        <Button onClick={() => buy.mutate()} loading={buy.isPending}>
          Buy for {formatMoney(price, currency)}
        </Button>
      </Group>
    </Stack>
  );
}
