import type { ReactNode } from 'react';
import { Anchor, Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconLogo } from '../ui/icons.tsx';

/** Alert titles in the text colour (the coloured default is too faint on the light background). */
export const ALERT_STYLES = { title: { color: 'var(--mantine-color-gray-9)' } } as const;

/** The centered card used by the setup and login pages. */
export function AuthLayout({
  title,
  subtitle,
  children,
  width = 420,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  width?: number;
}) {
  return (
    <Box className="auth-page">
      <Center mih="100vh" px="md" py="xl">
        <Stack gap="lg" w="100%" maw={width}>
          <Box component="header">
            <Group gap={10} justify="center">
              <IconLogo size={36} />
              <Text fw={750} fz={24} c="gray.9">
                Smooth LMS
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
