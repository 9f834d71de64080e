import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Paper, Radio, Stack, Switch, Text } from '@mantine/core';
import { api, errorMessage } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { QueryState } from '../ui/states.tsx';
import { notificationKeys, type NotificationPreferences } from './notifications-api.ts';

function PreferencesForm({ saved }: { saved: NotificationPreferences }) {
  const qc = useQueryClient();
  const [value, setValue] = useState(saved);
  useEffect(() => setValue(saved), [saved]);
  const save = useMutation({
    mutationFn: (v: NotificationPreferences) => api.patch<NotificationPreferences>('/api/me/notification-preferences', v),
    onSuccess: (v) => qc.setQueryData(notificationKeys.preferences, v),
  });
  return (
    <Paper
      withBorder
      radius="lg"
      p="lg"
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(value);
      }}
    >
      <Stack gap="md" maw={560}>
        <Text size="sm">Notifications always appear under the bell. Choose whether they also come by email, and how often.</Text>
        <Switch
          label="Send me notifications by email"
          checked={value.email}
          onChange={(e) => setValue({ ...value, email: e.currentTarget.checked })}
        />
        <Radio.Group
          label="How often"
          value={value.digest}
          onChange={(v) => setValue({ ...value, digest: v === 'daily' ? 'daily' : 'off' })}
        >
          <Stack gap={6} mt={6}>
            <Radio value="off" label="Each one as it happens" disabled={!value.email} />
            <Radio value="daily" label="One email a day with the day's notifications" disabled={!value.email} />
          </Stack>
        </Radio.Group>
        {save.isError && (
          <Alert color="red" role="alert">
            {errorMessage(save.error)}
          </Alert>
        )}
        {save.isSuccess && !save.isPending && (
          <Text size="sm" c="gray.9" fw={600} role="status">
            Saved.
          </Text>
        )}
        <div>
          <Button type="submit" loading={save.isPending}>
            Save preferences
          </Button>
        </div>
      </Stack>
    </Paper>
  );
}

/** Email preferences for notifications: off, each at once, or a daily digest. */
export default function NotificationPreferencesPage() {
  const prefs = useQuery({
    queryKey: notificationKeys.preferences,
    queryFn: ({ signal }) => api.get<NotificationPreferences>('/api/me/notification-preferences', { signal }),
  });
  return (
    <Page title="Email preferences" description="How you hear about enrollments, due dates and certificates.">
      <QueryState query={prefs} loadingLabel="Loading your preferences…">
        {(p) => <PreferencesForm saved={p} />}
      </QueryState>
    </Page>
  );
}
