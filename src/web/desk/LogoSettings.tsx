/** The organisation logo on the LMS Settings page: shows the current one, uploads a new one, removes it. */
import { useState } from 'react';
import { Button, FileInput, Group, Image, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api, errorMessage } from '../ui/api.ts';
import { ORGANISATION_KEY, useOrganisation } from '../ui/organisation.ts';
import { notify } from './notify.ts';

const MAX_BYTES = 1024 * 1024;

/** What is wrong with a chosen file before it is sent (the server checks the bytes again), or null. */
function fileProblem(file: File): string | null {
  if (file.size > MAX_BYTES) return `The file is ${(file.size / MAX_BYTES).toFixed(1)} MB: the logo may be at most 1 MB.`;
  return null;
}

export function LogoSettings() {
  const client = useQueryClient();
  const organisation = useOrganisation();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const logo = organisation.data?.logo ?? null;

  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ORGANISATION_KEY });
    await client.invalidateQueries({ queryKey: ['desk-audit'] });
  };

  const upload = async () => {
    if (!file) {
      setError('Choose a PNG or JPEG image first.');
      return;
    }
    const problem = fileProblem(file);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const form = new FormData();
      form.append('file', file);
      await api.put('/api/settings/logo', form);
      setFile(null);
      await refresh();
      notify('Saved.', 'green');
    } catch (err) {
      setError(err instanceof ApiError ? (err.fieldErrors[0]?.message ?? err.detail) : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.delete('/api/settings/logo');
      await refresh();
      notify('Logo removed.', 'green');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="logo-settings-title">
      <Stack gap="sm">
        <Title order={2} fz="lg" id="logo-settings-title">
          Organisation logo
        </Title>
        <Text size="sm" c="dimmed">
          Shown in the header, in every mail and on receipts and training records. A PNG or JPEG image of at most 1 MB.
        </Text>
        {logo ? (
          <Group gap="md">
            <Image src={logo.url} alt="Current organisation logo" h={48} w="auto" fit="contain" data-testid="settings-logo-preview" />
            <Button variant="default" color="red" onClick={() => void remove()} loading={busy}>
              Remove logo
            </Button>
          </Group>
        ) : (
          <Text size="sm">No logo yet.</Text>
        )}
        <Group align="flex-end">
          <FileInput
            label="New logo"
            accept="image/png,image/jpeg"
            value={file}
            onChange={(f) => {
              setFile(f);
              setError(null);
            }}
            error={error}
            clearable
            w={320}
          />
          <Button onClick={() => void upload()} loading={busy}>
            Upload logo
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
