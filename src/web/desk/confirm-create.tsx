/**
 * A question the desk asks before creating a record, when the record would be unusual (a certificate
 * for someone who has not finished the course): the entity's `confirmCreate.check` looks at what
 * would be sent and answers the question in words, or null when there is nothing to ask.
 */
import { useState } from 'react';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import type { EntityMeta } from './meta.ts';

export function useCreateConfirmation(meta: EntityMeta) {
  const [pending, setPending] = useState<{ message: string; resolve: (ok: boolean) => void } | null>(null);
  const answer = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };

  /** True when the create may go ahead: nothing to ask, the check could not tell, or the person confirmed. */
  const confirm = async (body: Record<string, unknown>): Promise<boolean> => {
    const rule = meta.confirmCreate;
    if (!rule) return true;
    const message = await rule.check(body).catch(() => null);
    if (!message) return true;
    return new Promise<boolean>((resolve) => setPending({ message, resolve }));
  };

  const modal = meta.confirmCreate ? (
    <ConfirmDialog
      opened={pending !== null}
      onClose={() => answer(false)}
      title={meta.confirmCreate.title}
      confirmLabel={meta.confirmCreate.confirmLabel}
      color="red.8"
      onConfirm={() => answer(true)}
    >
      {pending?.message ?? ''}
    </ConfirmDialog>
  ) : null;

  return { confirm, modal };
}
