/** A question asked before an action that reaches people or cannot be taken back: its words, Cancel, and the action. */
import type { ReactNode } from 'react';
import { Button, Group, Modal, Stack, Text } from '@mantine/core';

export function ConfirmDialog(p: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  color?: string;
  busy?: boolean;
  /** Why the action failed, said in the dialog. */
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal opened={p.opened} onClose={p.onClose} title={p.title} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack>
        <Text size="sm">{p.children}</Text>
        {p.error && (
          <Text size="sm" c="red.8" role="alert">
            {p.error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={p.onClose}>
            {p.cancelLabel ?? 'Cancel'}
          </Button>
          <Button color={p.color} loading={p.busy} onClick={p.onConfirm}>
            {p.confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
