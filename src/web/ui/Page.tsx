import type { ReactNode } from 'react';
import { Box, Container, Group, Stack, Text, Title } from '@mantine/core';
import { useTitle } from './useTitle.ts';

/** A page inside a frame: heading (the page's h1), optional description and actions, then content. */
export function Page({
  title,
  description,
  actions,
  children,
  size = 'lg',
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  size?: 'md' | 'lg' | 'xl' | 'fluid';
}) {
  useTitle(title);
  return (
    <Container
      size={size === 'fluid' ? undefined : size}
      fluid={size === 'fluid'}
      px={{ base: 'md', sm: 'xl' }}
      py={{ base: 'lg', sm: 'xl' }}
    >
      <Stack gap="lg">
        <Group justify="space-between" align="flex-end" gap="md">
          <Box miw={0}>
            <Title order={1} fz={{ base: 24, sm: 28 }}>
              {title}
            </Title>
            {description && (
              <Text c="gray.7" mt={4}>
                {description}
              </Text>
            )}
          </Box>
          {actions && <Group gap="sm">{actions}</Group>}
        </Group>
        {children}
      </Stack>
    </Container>
  );
}
