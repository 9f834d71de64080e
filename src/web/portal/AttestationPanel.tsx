import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Blockquote, Button, Group, Paper, PasswordInput, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { IconShield } from '../ui/icons.tsx';
import { keys, useCertificateState } from './portal-api.ts';

/**
 * A completed course that asks for an attestation: the learner reads the statement and signs it
 * by re-entering their password. The certificate (where the course issues one) follows.
 */
export function AttestationPanel({ courseId, statement }: { courseId: string; statement: string }) {
  const state = useCertificateState(courseId, true);
  const client = useQueryClient();
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const sign = useMutation({
    mutationFn: () => api.post(`/api/courses/${courseId}/attestation`, { password }),
    onSuccess: () => {
      setPassword('');
      void client.invalidateQueries({ queryKey: keys.certificateState(courseId) });
      void client.invalidateQueries({ queryKey: keys.myCertificates });
    },
  });
  if (!state.data?.attestationRequired) return null;
  const fieldError = missing ?? (sign.error instanceof ApiError ? sign.error.fieldError('password') : undefined);
  const otherError = sign.error && !(sign.error instanceof ApiError && sign.error.fieldError('password')) ? errorMessage(sign.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!password) {
      setMissing('Enter your password to sign.');
      return;
    }
    setMissing(null);
    sign.mutate();
  };
  return (
    <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }} component="section" aria-labelledby="attestation-heading">
      <Group gap="sm" mb="sm">
        <ThemeIcon color="blue.8" variant="light" radius="xl" aria-hidden="true">
          <IconShield size={18} />
        </ThemeIcon>
        <Title order={2} fz="lg" id="attestation-heading">
          Your attestation
        </Title>
      </Group>
      <Blockquote color="blue" p="sm" mb="sm" fz="sm">
        {statement}
      </Blockquote>
      {state.data.attested ? (
        <Text size="sm" role="status">
          You signed this statement. It is kept on your training record with the version of the course you completed.
        </Text>
      ) : (
        <Stack gap="xs" component="form" onSubmit={submit} maw={420}>
          <Text size="sm">This course asks you to sign the statement above. Enter your password to confirm it is you.</Text>
          <PasswordInput
            id="attestation-password"
            label="Your password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError}
          />
          <Button type="submit" loading={sign.isPending} style={{ alignSelf: 'flex-start' }}>
            Sign the statement
          </Button>
          {otherError && (
            <Text size="sm" c="red.8" role="alert">
              {otherError}
            </Text>
          )}
        </Stack>
      )}
    </Paper>
  );
}
