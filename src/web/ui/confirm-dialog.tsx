/**
 * A question asked before an action that reaches people or cannot be taken back: its words, any
 * fields the action needs (a reason, a day), Cancel, and the action; busy while the request runs,
 * and the server's refusal said in the dialog. Desk and portal both ask through it.
 */
import { Children, isValidElement, type ReactNode } from 'react';
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { ApiError, errorMessage } from './api.ts';

/** Why a dialog's action was refused: the words about its field (said under it) and any others (the dialog's error). */
export interface Refusal {
  field: string | null;
  dialog: string | null;
}

/**
 * A refusal of a dialog's action, split for where it is said: what the server said about `field`
 * goes under that field, anything else is the dialog's error.
 */
export function refusalOf(err: unknown, field: string): Refusal {
  const onField = err instanceof ApiError ? (err.fieldError(field) ?? null) : null;
  return { field: onField, dialog: onField ? null : errorMessage(err) };
}

/**
 * The dialog's body in a Stack: each run of plain text (strings, numbers) is a paragraph of small
 * text; an element (an input, an alert) stands as it is, never inside a <p>.
 */
function Body({ children }: { children: ReactNode }) {
  const blocks: ReactNode[] = [];
  let words: (string | number)[] = [];
  const endParagraph = () => {
    const text = words.join('');
    words = [];
    if (!text.trim()) return;
    blocks.push(
      <Text key={`text-${blocks.length}`} size="sm">
        {text}
      </Text>,
    );
  };
  for (const child of Children.toArray(children)) {
    if (typeof child === 'string' || typeof child === 'number') words.push(child);
    else if (isValidElement(child)) {
      endParagraph();
      blocks.push(child);
    }
  }
  endParagraph();
  return <>{blocks}</>;
}

export function ConfirmDialog(p: {
  opened: boolean;
  title: string;
  /** The words (plain text becomes paragraphs) and any fields the action needs. */
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
        <Body>{p.children}</Body>
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
