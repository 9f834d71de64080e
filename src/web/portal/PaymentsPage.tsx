import { useEffect } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { api, errorMessage } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, PageLoader, QueryState } from '../ui/states.tsx';
import { PAYMENT_STATUS_WORDS, formatMoney, type Payment, type PaymentStatus } from '../../contract/payments.ts';
import { keys } from './portal-api.ts';
import { ALERT_STYLES } from './PortalParts.tsx';

const STATUS_COLOR: Record<PaymentStatus, string> = { pending: 'yellow', paid: 'green', failed: 'red', refunded: 'gray', expired: 'gray' };

function itemLink(p: Payment) {
  const to = p.courseId ? `/lms/courses/${p.courseId}` : `/lms/batches/${p.batchId ?? ''}`;
  return (
    <Anchor component={Link} to={to}>
      {p.itemTitle}
    </Anchor>
  );
}

/** My payments: what the caller bought, its status, and the receipt of each paid one. */
export default function PaymentsPage() {
  const payments = useQuery({
    queryKey: ['payments', 'mine'],
    queryFn: ({ signal }) => api.get<{ items: Payment[] }>('/api/payments?limit=100', { signal }),
  });
  return (
    <Page title="My payments" description="Courses and batches you paid for, with their receipts.">
      <QueryState query={payments} loadingLabel="Loading your payments…">
        {(data) =>
          data.items.length === 0 ? (
            <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
              <Empty title="No payments yet" description="When you buy a paid course or batch, its payment and receipt appear here." />
            </Paper>
          ) : (
            <Paper withBorder radius="lg" p="md">
              <Table.ScrollContainer minWidth={560}>
                <Table verticalSpacing="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Date</Table.Th>
                      <Table.Th scope="col">Course or batch</Table.Th>
                      <Table.Th scope="col">Amount</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">Receipt</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.items.map((p) => (
                      <Table.Tr key={p.id} data-testid="payment-row">
                        <Table.Td>{readableDay(p.createdAt)}</Table.Td>
                        <Table.Td>{itemLink(p)}</Table.Td>
                        <Table.Td>{formatMoney(p.amount, p.currency)}</Table.Td>
                        <Table.Td>
                          <Badge variant="light" color={STATUS_COLOR[p.status]} c="gray.9">
                            {PAYMENT_STATUS_WORDS[p.status]}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          {p.status === 'paid' || p.status === 'refunded' ? (
                            <Anchor href={`/api/payments/${p.id}/receipt.pdf`} target="_blank" rel="noopener">
                              Receipt for {p.itemTitle} (PDF)
                            </Anchor>
                          ) : p.status === 'pending' ? (
                            <Anchor component={Link} to={`/lms/payments/${p.id}`}>
                              See how to pay
                            </Anchor>
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          )
        }
      </QueryState>
    </Page>
  );
}

/**
 * Where the gateway sends the learner back (`/lms/payments/:id`): asks the server to confirm the
 * payment with the gateway, then says what happened in words, with the way into what was bought.
 */
export function PaymentReturnPage() {
  const { paymentId = '' } = useParams();
  const [params] = useSearchParams();
  const cancelled = params.get('cancelled') === '1';
  const client = useQueryClient();
  const confirm = useMutation({
    mutationFn: () => api.post<Payment>(`/api/payments/${paymentId}/confirm`),
    onSuccess: async (p) => {
      if (p.status === 'paid') {
        await client.invalidateQueries({ queryKey: keys.myCourses });
        if (p.courseId) await client.invalidateQueries({ queryKey: keys.outline(p.courseId) });
      }
    },
  });
  const { mutate } = confirm;
  useEffect(() => mutate(), [mutate, paymentId]);
  if (confirm.isIdle || confirm.isPending) return <PageLoader label="Checking your payment…" />;
  if (confirm.isError) {
    return (
      <Page title="Payment">
        <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="Your payment could not be checked">
          <Text size="sm">{errorMessage(confirm.error)}</Text>
        </Alert>
      </Page>
    );
  }
  const p = confirm.data;
  const where = p.courseId ? `/lms/courses/${p.courseId}` : `/lms/batches/${p.batchId ?? ''}`;
  return (
    <Page title={`Payment for ${p.itemTitle}`}>
      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }}>
        <Stack gap="sm">
          {p.status === 'paid' && p.attention === 'batch_full' && (
            <Alert styles={ALERT_STYLES} color="orange" variant="light" title="Payment received, but the batch is full">
              <Text size="sm">
                {formatMoney(p.amount, p.currency)} was paid, but the last seat of {p.itemTitle} was taken while you were paying, so you were not
                added. Your training team has been told: they will refund you or find you a seat.
              </Text>
            </Alert>
          )}
          {p.status === 'paid' && p.attention === null && (
            <Alert styles={ALERT_STYLES} color="green" variant="light" title="Payment received">
              <Text size="sm">
                Thank you: {formatMoney(p.amount, p.currency)} was paid and you are enrolled in {p.itemTitle}.
              </Text>
            </Alert>
          )}
          {p.status === 'pending' && p.gateway === 'manual' && (
            <Alert styles={ALERT_STYLES} color="blue" variant="light" title={PAYMENT_STATUS_WORDS.pending}>
              <Text size="sm">
                You will receive an invoice for {formatMoney(p.amount, p.currency)}. Once it is paid, your training team confirms it and you are
                enrolled.
              </Text>
            </Alert>
          )}
          {p.status === 'pending' && p.gateway !== 'manual' && (
            <Alert styles={ALERT_STYLES} color="yellow" variant="light" title={cancelled ? 'You left the checkout' : 'Your payment is being processed'}>
              <Text size="sm">
                {cancelled
                  ? 'Nothing was charged. You can start the checkout again from the course page.'
                  : 'This can take a moment. Reload this page to check again.'}
              </Text>
            </Alert>
          )}
          {(p.status === 'expired' || p.status === 'failed') && (
            <Alert styles={ALERT_STYLES} color="orange" variant="light" title="This payment did not go through">
              <Text size="sm">Nothing was charged. You can start the checkout again from the course page.</Text>
            </Alert>
          )}
          {p.status === 'refunded' && (
            <Alert styles={ALERT_STYLES} color="gray" variant="light" title="This payment was refunded">
              <Text size="sm">{p.refundReason}</Text>
            </Alert>
          )}
          <Group>
            <Button component={Link} to={where}>
              {p.status === 'paid' && p.attention === null ? (p.courseId ? 'Go to the course' : 'Go to the batch') : `Back to ${p.itemTitle}`}
            </Button>
            <Button component={Link} to="/lms/payments" variant="default">
              My payments
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Page>
  );
}
