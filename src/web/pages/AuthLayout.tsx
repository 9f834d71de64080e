import type { ReactNode } from 'react';
import { Anchor, Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconLogo } from '../ui/icons.tsx';
import { useBrand } from '../ui/organisation.ts';

/** Alert titles in the text colour (the coloured default is too faint on the light background). */
export const ALERT_STYLES = { title: { color: 'var(--mantine-color-gray-9)' } } as const;

/** The organisation's logo when one is set (public: no login needed), else the product's mark. */
function BrandMark() {
  const brand = useBrand().data;
  if (!brand?.logo) return <IconLogo size={36} />;
  return (
    <img
      src={brand.logo.url}
      alt={`${brand.organisationName} logo`}
      data-testid="login-organisation-logo"
      style={{ height: 40, maxWidth: 180, objectFit: 'contain', display: 'block' }}
    />
  );
}

/** The organisation's name on the login page (the product's until the settings give one). */
function BrandName() {
  return <>{useBrand().data?.organisationName ?? 'Smooth LMS'}</>;
}

/** The centered card used by the setup and login pages; `brand` shows the organisation's logo (login). */
export function AuthLayout({
  title,
  subtitle,
  children,
  width = 420,
  brand = false,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  width?: number;
  brand?: boolean;
}) {
  return (
    <Box className="auth-page">
      <Center mih="100vh" px="md" py="xl">
        <Stack gap="lg" w="100%" maw={width}>
          <Box component="header">
            <Group gap={10} justify="center">
              {brand ? <BrandMark /> : <IconLogo size={36} />}
              <Text fw={750} fz={24} c="gray.9" ta="center">
                {brand ? <BrandName /> : 'Smooth LMS'}
              </Text>
            </Group>
          </Box>
          <Paper component="main" withBorder shadow="md" radius="lg" p={{ base: 'lg', xs: 'xl' }}>
            <Stack gap={4} mb="lg">
              <Title order={1} fz={24}>
                {title}
              </Title>
              {subtitle && (
                <Text size="sm" c="gray.7">
                  {subtitle}
                </Text>
              )}
            </Stack>
            {children}
          </Paper>
          <Text component="footer" size="xs" c="gray.7" ta="center">
            Smooth LMS · training for your whole organisation ·{' '}
            <Anchor href="/api/docs" size="xs">
              API
            </Anchor>
          </Text>
        </Stack>
      </Center>
    </Box>
  );
}
