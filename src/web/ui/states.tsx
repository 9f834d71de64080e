import type { ReactNode } from 'react';
import { Alert, Button, Center, EmptyState, Loader, Stack, Text } from '@mantine/core';
import { ApiError, errorMessage } from './api.ts';
import { IconAlert, IconInbox } from './icons.tsx';

/** Shown while a page or its data loads. */
export function PageLoader({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center mih="40vh" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="md" aria-hidden="true" />
        <Text size="sm" c="dimmed">
          {label}
        </Text>
      </Stack>
    </Center>
  );
}

/** A readable error with a way to try again. */
export function ErrorState({
  error,
  onRetry,
  title = 'This page could not be loaded',
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  // What is not there, or not the caller's to see, does not come back by trying again.
  const final = error instanceof ApiError && (error.status === 404 || error.status === 403 || error.status === 410);
  return (
    <Alert variant="light" color="red" title={title} icon={<IconAlert />} role="alert" maw={640} mx="auto" my="xl">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && !final && (
          <Button variant="default" size="xs" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

/** A friendly "nothing here yet" panel with an optional next step. */
export function Empty({
  title,
  description,
  action,
  icon,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <EmptyState py="xl" variant="light" icon={icon ?? <IconInbox />}>
      <EmptyState.Title order={2}>{title}</EmptyState.Title>
      {description && <EmptyState.Description c="gray.7">{description}</EmptyState.Description>}
      {action && <EmptyState.Actions mt="sm">{action}</EmptyState.Actions>}
    </EmptyState>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  isError: boolean;
  refetch: () => unknown;
}

/** Renders a loader, an error with retry, or the children with the loaded data. */
export function QueryState<T>({
  query,
  children,
  loadingLabel,
}: {
  query: QueryLike<T>;
  children: (data: T) => ReactNode;
  loadingLabel?: string;
}) {
  if (query.isPending) return <PageLoader {...(loadingLabel ? { label: loadingLabel } : {})} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data as T)}</>;
}
