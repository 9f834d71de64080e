import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor, Button, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { api } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { IconAward } from '../ui/icons.tsx';
import { CertificateActions } from './PortalParts.tsx';
import { keys, type Certificate } from './portal-api.ts';

/** My Certificates: every certificate the caller holds, newest first. */
export default function CertificatesPage() {
  const certs = useQuery({ queryKey: keys.myCertificates, queryFn: ({ signal }) => api.get<Certificate[]>('/api/me/certificates', { signal }) });
  return (
    <Page
      title="Certificates"
      description={
        <>
          Certificates you have earned by completing courses. Some courses certify after an evaluation:{' '}
          <Anchor component={Link} to="/lms/evaluations">
            book a certificate evaluation
          </Anchor>
          .
        </>
      }
    >
      <QueryState query={certs} loadingLabel="Loading your certificates…">
        {(items) =>
          items.length === 0 ? (
            <Paper withBorder radius="lg" p={{ base: 'md', sm: 'xl' }}>
              <Empty
                title="No certificates yet"
                description="Courses that give a certificate (their page says so) add it here once you complete them. Your certificates can be downloaded and verified here."
                icon={<IconAward size={28} />}
                action={
                  <Button component={Link} to="/lms" variant="default">
                    Go to My Courses
                  </Button>
                }
              />
            </Paper>
          ) : (
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {items.map((c) => (
                <li key={c.id}>
                  <Paper withBorder radius="lg" p="md" component="article" aria-labelledby={`cert-${c.id}`} data-testid="certificate-card">
                    <Stack gap="sm">
                      <Title order={2} fz="md" id={`cert-${c.id}`}>
                        <Link to={`/lms/courses/${c.courseId}`} style={{ color: 'inherit' }}>
                          {c.courseTitle}
                        </Link>
                      </Title>
                      {c.status === 'revoked' && c.revokeReason && (
                        <Text size="sm" c="red.8">
                          Revoked: {c.revokeReason}
                        </Text>
                      )}
                      <CertificateActions certificate={c} />
                    </Stack>
                  </Paper>
                </li>
              ))}
            </SimpleGrid>
          )
        }
      </QueryState>
    </Page>
  );
}
