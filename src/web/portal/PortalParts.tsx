import { Badge, Box, Button, CopyButton, Group, Progress, Stack, Text, TextInput } from '@mantine/core';
import { IconAward, IconBook } from '../ui/icons.tsx';
import { readableDay } from '../ui/dates.ts';
import type { Certificate } from './portal-api.ts';

export { ALERT_STYLES, RefusalAlert, useEnroll } from './enroll.tsx';

/** A labelled progress bar with the percentage next to it. */
export function ProgressLine({ value, label, size = 'md' }: { value: number; label: string; size?: 'sm' | 'md' | 'lg' }) {
  const done = value >= 100;
  return (
    <Group gap="sm" wrap="nowrap" data-testid="progress">
      <Progress.Root size={size} radius="xl" style={{ flex: 1 }}>
        <Progress.Section value={value} color={done ? 'teal.8' : 'blue.8'} aria-label={label} />
      </Progress.Root>
      <Text size="sm" fw={700} c={done ? 'teal.9' : 'gray.8'} miw={42} ta="right" data-testid="progress-value">
        {value}%
      </Text>
    </Group>
  );
}

/** The course image, or a calm placeholder. Decorative: the title is right next to it. */
export function CourseImage({ url, height = 140 }: { url: string | null; height?: number }) {
  if (url) {
    return <img src={url} alt="" style={{ display: 'block', width: '100%', height, objectFit: 'cover' }} loading="lazy" />;
  }
  return (
    <Box
      h={height}
      aria-hidden="true"
      style={{
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(135deg, var(--mantine-color-blue-1), var(--mantine-color-cyan-0))',
        color: 'var(--mantine-color-blue-7)',
      }}
    >
      <IconBook size={40} />
    </Box>
  );
}

export const STATUS_COLOR: Record<Certificate['status'], string> = { valid: 'teal.9', expired: 'gray.8', revoked: 'red.9' };

/** View, download and share a certificate. */
export function CertificateActions({ certificate }: { certificate: Certificate }) {
  const pdf = `/api/certificates/${certificate.id}/pdf`;
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Badge color={STATUS_COLOR[certificate.status]} variant="outline" leftSection={<IconAward size={14} />}>
          {certificate.status === 'valid' ? 'Valid' : certificate.status === 'expired' ? 'Expired' : 'Revoked'}
        </Badge>
        <Text size="sm" c="gray.7">
          Issued {readableDay(certificate.issueDate)}
          {certificate.expiryDate ? ` · valid until ${readableDay(certificate.expiryDate)}` : ''}
        </Text>
      </Group>
      <Group gap="sm">
        <Button component="a" href={pdf} target="_blank" rel="noopener" variant="light">
          View certificate
        </Button>
        <Button component="a" href={`${pdf}?download=true`} download variant="default">
          Download PDF
        </Button>
      </Group>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput
          label="Verification link"
          value={certificate.verificationUrl}
          readOnly
          onFocus={(e) => e.currentTarget.select()}
          style={{ flex: 1, minWidth: 0 }}
          data-testid="verification-link"
        />
        <CopyButton value={certificate.verificationUrl}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy} aria-live="polite">
              {copied ? 'Copied' : 'Copy link'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}
