import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Alert, Badge, Center, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { api, ApiError } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { useTitle } from '../ui/useTitle.ts';
import { ALERT_STYLES } from './PortalParts.tsx';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { IconAward, IconLogo } from '../ui/icons.tsx';
import { keys, type Verification } from './portal-api.ts';

const STATUS_TEXT: Record<Verification['status'], { label: string; color: string; sentence: string }> = {
  valid: { label: 'Valid', color: 'teal.9', sentence: 'This certificate is genuine and valid.' },
  expired: { label: 'Expired', color: 'gray.8', sentence: 'This certificate is genuine but has expired.' },
  revoked: { label: 'Revoked', color: 'red.9', sentence: 'This certificate was revoked by the issuing organisation.' },
};

/**
 * The public verification page (/lms/certificates/verify/:code): anyone with the link sees whether
 * the certificate is genuine and valid, without logging in. Shows only holder, course, dates, status.
 * `embedded`: inside the portal frame (which already holds the main landmark).
 */
export default function CertificateVerifyPage({ embedded = false }: { embedded?: boolean }) {
  const { code = '' } = useParams();
  useTitle('Verify a certificate');
  const v = useQuery({
    queryKey: keys.verify(code),
    queryFn: ({ signal }) => api.get<Verification>(`/api/certificates/verify/${encodeURIComponent(code)}`, { signal }),
  });
  return (
    <Center component={embedded ? 'div' : 'main'} mih={embedded ? '60vh' : '100vh'} p="md" bg="gray.0">
      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }} w="100%" maw={560}>
        <Stack gap="md">
          <Group gap={8}>
            <IconLogo />
            <Text fw={750} fz="lg">
              Smooth LMS
            </Text>
          </Group>
          <Title order={1} fz={24}>
            Certificate verification
          </Title>
          {v.isPending ? (
            <PageLoader label="Checking the certificate…" />
          ) : v.isError ? (
            v.error instanceof ApiError && (v.error.status === 404 || v.error.status === 400) ? (
              <Alert styles={ALERT_STYLES} color="red" variant="light" title="No certificate has this code" role="alert">
                Check that the link was copied completely. A certificate that was never issued cannot be verified.
              </Alert>
            ) : (
              <ErrorState error={v.error} onRetry={() => void v.refetch()} title="The certificate could not be checked" />
            )
          ) : (
            <Stack gap="md" data-testid="verification">
              <Alert styles={ALERT_STYLES} color={STATUS_TEXT[v.data.status].color.split('.')[0]} variant="light" icon={<IconAward size={18} />} title={STATUS_TEXT[v.data.status].sentence}>
                <Badge color={STATUS_TEXT[v.data.status].color} variant="filled">
                  {STATUS_TEXT[v.data.status].label}
                </Badge>
              </Alert>
              <Table variant="vertical" withTableBorder layout="fixed">
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Th w={140}>Holder</Table.Th>
                    <Table.Td>{v.data.holderName}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th>Course</Table.Th>
                    <Table.Td>{v.data.courseTitle}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th>Issued</Table.Th>
                    <Table.Td>{readableDay(v.data.issueDate)}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th>Valid until</Table.Th>
                    <Table.Td>{v.data.expiryDate ? readableDay(v.data.expiryDate) : 'No expiry'}</Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            </Stack>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
