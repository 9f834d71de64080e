/**
 * The message templates for System Managers: one per event, edited as Markdown with placeholders,
 * previewed with sample data in both parts of the mail. What is typed and not saved is kept per
 * event (picking another event or another tab loses nothing) and the page asks before it is left.
 */
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Group, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { api, errorMessage, ApiError } from '../ui/api.ts';
import { QueryState } from '../ui/states.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { MailParts } from './mail-parts.tsx';
import { NOTIFICATION_EVENT_WORDS, type Template } from '../../contract/notifications.ts';

export interface Draft {
  subject: string;
  body: string;
}
/** Unsaved words per event. */
export type Drafts = Partial<Record<string, Draft>>;

const templatesQuery = {
  queryKey: ['notification-templates'],
  queryFn: ({ signal }: { signal: AbortSignal }) => api.get<{ items: Template[] }>('/api/notification-templates', { signal }).then((r) => r.items),
};

function fieldError(err: unknown, path: string): string | undefined {
  return err instanceof ApiError ? err.fieldError(path) : undefined;
}

function unsaved(t: Template, d: Draft | undefined): boolean {
  return d !== undefined && (d.subject !== t.subject || d.body !== t.body);
}

function TemplateEditor({
  template,
  draft,
  setDraft,
  onSaved,
}: {
  template: Template;
  draft: Draft | undefined;
  setDraft: (d: Draft | undefined) => void;
  /** The words saved: the draft goes unless more was typed while they were on their way. */
  onSaved: (sent: Draft) => void;
}) {
  const qc = useQueryClient();
  const { subject, body } = draft ?? template;
  const changed = unsaved(template, draft);
  const edit = (d: Partial<Draft>) => setDraft({ subject, body, ...d });
  const [asking, setAsking] = useState(false);
  const preview = useMutation({
    mutationFn: () =>
      api.post<{ subject: string; text: string; html: string }>(`/api/notification-templates/${template.event}/preview`, { subject, body }),
  });
  const save = useMutation({
    mutationFn: (sent: Draft) => api.put<Template>(`/api/notification-templates/${template.event}`, sent),
    onSuccess: async (_saved, sent) => {
      await qc.invalidateQueries({ queryKey: ['notification-templates'] });
      onSaved(sent);
      // A preview on show follows what was saved.
      if (preview.data) preview.mutate();
    },
  });
  // Errors next to the fields come from the last save or preview, whichever was asked last.
  const checked = save.submittedAt >= preview.submittedAt ? save.error : preview.error;
  const reset = useMutation({
    mutationFn: () => api.delete(`/api/notification-templates/${template.event}`),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['notification-templates'] });
      setDraft(undefined);
      setAsking(false);
    },
  });
  const label = NOTIFICATION_EVENT_WORDS[template.event];
  return (
    <Stack gap="md">
      <ConfirmDialog
        opened={asking}
        onClose={() => setAsking(false)}
        title={`Put the default “${label}” message back?`}
        confirmLabel="Put the default back"
        color="red"
        busy={reset.isPending}
        error={reset.isError ? errorMessage(reset.error) : null}
        onConfirm={() => reset.mutate()}
      >
        Your words for this message are replaced by the ones Smooth LMS comes with, for every message sent from now on.
        {changed ? ' What you typed and did not save is dropped too.' : ''}
      </ConfirmDialog>
      <Text size="sm" c="gray.8">
        Placeholders: {template.placeholders.map((p) => `{{${p}}}`).join(', ')}. The body is Markdown; mail carries it as plain text and as
        HTML under the organisation&apos;s name.
      </Text>
      <TextInput label="Subject" value={subject} onChange={(e) => edit({ subject: e.currentTarget.value })} error={fieldError(checked, 'subject')} maxLength={300} />
      <Textarea
        label="Message (Markdown)"
        value={body}
        onChange={(e) => edit({ body: e.currentTarget.value })}
        autosize
        minRows={6}
        error={fieldError(checked, 'body')}
      />
      {save.isError && !fieldError(save.error, 'subject') && !fieldError(save.error, 'body') && (
        <Alert color="red" role="alert">
          {errorMessage(save.error)}
        </Alert>
      )}
      {changed ? (
        <Text size="sm" c="gray.9" fw={600} data-testid="template-unsaved">
          Not saved yet: messages are sent with the saved words until you save.
        </Text>
      ) : reset.isSuccess && reset.submittedAt > save.submittedAt ? (
        <Text size="sm" c="gray.9" fw={600} role="status">
          The default words are back: messages are sent with them.
        </Text>
      ) : (
        save.isSuccess && (
          <Text size="sm" c="gray.9" fw={600} role="status">
            Saved.
          </Text>
        )
      )}
      <Group gap="sm">
        <Button onClick={() => save.mutate({ subject, body })} loading={save.isPending} disabled={!changed}>
          Save template
        </Button>
        {changed && (
          <Button variant="default" onClick={() => setDraft(undefined)}>
            Undo my changes
          </Button>
        )}
        <Button variant="default" onClick={() => preview.mutate()} loading={preview.isPending}>
          Preview with sample data
        </Button>
        {template.customised && (
          <Button variant="subtle" color="red" onClick={() => setAsking(true)}>
            Put the default back
          </Button>
        )}
      </Group>
      {preview.isError && !fieldError(preview.error, 'subject') && !fieldError(preview.error, 'body') && (
        <Alert color="red" role="alert">
          {errorMessage(preview.error)}
        </Alert>
      )}
      {preview.data && <MailParts {...preview.data} label="Preview" testId="template-preview" />}
    </Stack>
  );
}

/** Whether any event has words typed and not saved (the page asks before it is left). */
export function useUnsavedTemplates(drafts: Drafts): boolean {
  const templates = useQuery({ ...templatesQuery, enabled: Object.keys(drafts).length > 0 });
  const any = (templates.data ?? []).some((t) => unsaved(t, drafts[t.event]));
  useEffect(() => {
    if (!any) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [any]);
  return any;
}

export function NotificationTemplates({ drafts, setDrafts }: { drafts: Drafts; setDrafts: (f: (d: Drafts) => Drafts) => void }) {
  const templates = useQuery(templatesQuery);
  // The event is in the address (?tab=templates&event=...), so a link opens it.
  const [params, setParams] = useSearchParams();
  const event = params.get('event') ?? 'enrolled';
  return (
    <QueryState query={templates} loadingLabel="Loading the templates…">
      {(items) => {
        const t = items.find((x) => x.event === event) ?? items[0];
        return (
          <Stack gap="md">
            <Select
              label="Event"
              data={items.map((x) => ({
                value: x.event,
                label: `${NOTIFICATION_EVENT_WORDS[x.event]}${x.customised ? ' (edited)' : ''}${unsaved(x, drafts[x.event]) ? ' — not saved' : ''}`,
              }))}
              value={t?.event ?? null}
              onChange={(v) =>
                v &&
                setParams(
                  (p) => {
                    const next = new URLSearchParams(p);
                    next.set('event', v);
                    return next;
                  },
                  { replace: true },
                )
              }
              allowDeselect={false}
              maw={460}
            />
            {t && (
              <TemplateEditor
                key={t.event}
                template={t}
                draft={drafts[t.event]}
                setDraft={(d) =>
                  setDrafts((all) => {
                    const next = { ...all };
                    if (d) next[t.event] = d;
                    else delete next[t.event];
                    return next;
                  })
                }
                onSaved={(sent) =>
                  setDrafts((all) => {
                    const now = all[t.event];
                    if (!now || now.subject !== sent.subject || now.body !== sent.body) return all;
                    const next = { ...all };
                    delete next[t.event];
                    return next;
                  })
                }
              />
            )}
          </Stack>
        );
      }}
    </QueryState>
  );
}
