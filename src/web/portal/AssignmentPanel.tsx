import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, FileInput, Group, Paper, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import type { Assignment, Submission } from '../../contract/assignments.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { readableDateTime, readableDay } from '../ui/dates.ts';
import { ALERT_STYLES } from './PortalParts.tsx';
import type { Page } from './portal-api.ts';
import { MarkdownBody } from '../ui/MarkdownBody.tsx';

export type { Assignment, Submission };

export const SUBMISSION_STATUS: Record<Submission['status'], { label: string; color: string }> = {
  submitted: { label: 'Waiting for a grade', color: 'blue.9' },
  passed: { label: 'Passed', color: 'teal.9' },
  failed: { label: 'Not passed yet', color: 'red.9' },
};

/** One submitted version: what was handed in, when, and the grade with its feedback. */
export function SubmissionCard({ s, showMember = false }: { s: Submission; showMember?: boolean }) {
  const status = SUBMISSION_STATUS[s.status];
  return (
    <Paper withBorder radius="md" p="md" data-testid={`submission-v${s.version}`}>
      <Stack gap="xs">
        <Group justify="space-between" gap="xs">
          <Text fw={600}>
            {showMember ? `${s.memberName} · ` : ''}Version {s.version}
          </Text>
          <Group gap={6}>
            {s.late && (
              <Badge color="orange.9" variant="outline">
                Late
              </Badge>
            )}
            <Badge color={status.color} variant="outline">
              {status.label}
            </Badge>
          </Group>
        </Group>
        <Text size="sm" c="gray.7">
          Handed in {readableDateTime(s.submittedAt)}
          {s.dueDate ? ` · due ${readableDay(s.dueDate)}` : ''}
        </Text>
        {s.text && (
          <Text style={{ whiteSpace: 'pre-wrap' }} data-testid="submission-text">
            {s.text}
          </Text>
        )}
        {s.url && (
          <Anchor href={s.url} target="_blank" rel="noopener noreferrer">
            {s.url}
          </Anchor>
        )}
        {s.file && (
          <Anchor href={s.file.url}>
            {s.file.filename} ({Math.max(1, Math.round(s.file.size / 1024))} KB)
          </Anchor>
        )}
        {s.status !== 'submitted' && (
          <Paper radius="sm" p="sm" bg="gray.0" data-testid="feedback">
            <Text size="sm" fw={600}>
              Feedback from {s.gradedByName ?? 'the evaluator'}
              {s.score !== null ? ` · score ${s.score}` : ''}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {s.comment || 'No written feedback.'}
            </Text>
          </Paper>
        )}
      </Stack>
    </Paper>
  );
}

/** The learner's side of an assignment: instructions, the submit form, every version with its feedback. */
export function AssignmentPanel({ assignmentId, onPassed }: { assignmentId: string; onPassed?: () => void }) {
  const client = useQueryClient();
  const assignment = useQuery({ queryKey: ['assignment', assignmentId], queryFn: () => api.get<Assignment>(`/api/assignments/${assignmentId}`) });
  const history = useQuery({
    queryKey: ['assignment-submissions', assignmentId, 'mine'],
    queryFn: () => api.get<Page<Submission>>(`/api/assignment-submissions?assignmentId=${assignmentId}&limit=100`),
  });
  if (assignment.isPending || history.isPending) return <Text c="gray.7">Loading the assignment…</Text>;
  if (assignment.isError) return <Alert color="red" styles={ALERT_STYLES} title="The assignment could not be loaded">{errorMessage(assignment.error)}</Alert>;
  if (history.isError) return <Alert color="red" styles={ALERT_STYLES} title="Your submissions could not be loaded">{errorMessage(history.error)}</Alert>;
  const versions = [...history.data.items].reverse();
  const passed = versions.some((v) => v.status === 'passed');
  const pending = versions.some((v) => v.status === 'submitted');
  return (
    <Stack gap="md">
      <MarkdownBody html={assignment.data.instructionsHtml} />
      {passed ? (
        <Alert styles={ALERT_STYLES} color="teal" variant="light" title="Passed" role="status">
          Your work passed. Well done.
        </Alert>
      ) : pending ? (
        <Alert styles={ALERT_STYLES} color="blue" variant="light" title="Handed in" role="status">
          Your work is waiting for its grade. You can hand in a new version if it does not pass.
        </Alert>
      ) : (
        <SubmitForm
          assignment={assignment.data}
          onDone={() => {
            void client.invalidateQueries({ queryKey: ['assignment-submissions', assignmentId] });
            onPassed?.();
          }}
        />
      )}
      {versions.length > 0 && (
        <Stack gap="sm">
          <Title order={2} fz="lg">
            Your submissions
          </Title>
          {versions.map((s) => (
            <SubmissionCard key={s.id} s={s} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

function SubmitForm({ assignment, onDone }: { assignment: Assignment; onDone: () => void }) {
  const [text, setText] = useState('');
  const [url, setUrl] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const send = useMutation({
    mutationFn: () => {
      if (assignment.submissionKind === 'file') {
        const form = new FormData();
        if (file) form.append('file', file);
        return api.post<Submission>(`/api/assignments/${assignment.id}/submissions`, form);
      }
      return api.post<Submission>(`/api/assignments/${assignment.id}/submissions`, assignment.submissionKind === 'url' ? { url } : { text });
    },
    onSuccess: () => {
      setText('');
      setUrl('');
      setFile(null);
      onDone();
    },
  });
  const err = send.error instanceof ApiError ? send.error : null;
  const fieldError = (path: string) => err?.fieldError(path);
  return (
    <Paper withBorder radius="lg" p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <Stack gap="sm">
          {assignment.submissionKind === 'text' && (
            <Textarea label="Your answer" autosize minRows={5} value={text} onChange={(e) => setText(e.currentTarget.value)} error={fieldError('text')} required />
          )}
          {assignment.submissionKind === 'url' && (
            <TextInput label="Web address of your work" placeholder="https://…" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={fieldError('url')} required />
          )}
          {assignment.submissionKind === 'file' && (
            <FileInput label="Your file (PDF, PNG or JPEG, at most 20 MB)" value={file} onChange={setFile} accept="application/pdf,image/png,image/jpeg" placeholder="Choose a file" error={fieldError('file')} clearable required />
          )}
          {send.isError && !err?.fieldErrors.length && (
            <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="Your work was not handed in">
              {errorMessage(send.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={send.isPending}>
              Hand in
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
