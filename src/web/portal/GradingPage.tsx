import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Anchor, Badge, Button, Group, NumberInput, Paper, Radio, Stack, Table, Textarea, Title } from '@mantine/core';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { readableDay } from '../ui/dates.ts';
import { Page } from '../ui/Page.tsx';
import { Empty, QueryState } from '../ui/states.tsx';
import { SubmissionCard, type Submission } from './AssignmentPanel.tsx';
import { ALERT_STYLES } from './PortalParts.tsx';
import type { Page as ListPage } from './portal-api.ts';

/** The evaluator's grading queue: waiting submissions of their batches and courses, oldest first. */
export default function GradingPage() {
  const queue = useQuery({
    queryKey: ['assignment-submissions', 'queue'],
    queryFn: ({ signal }) => api.get<ListPage<Submission>>('/api/assignment-submissions?status=submitted&limit=100', { signal }).then((r) => r.items),
  });
  return (
    <Page
      title="Grading"
      description="Assignment submissions waiting for a grade, oldest first."
      actions={
        // Open quiz answers are graded on each quiz submission's page in the desk.
        <Button component={Link} to="/app/lms-quiz-submission?status=pending_review" variant="default">
          Quiz answers to grade
        </Button>
      }
    >
      <QueryState query={queue} loadingLabel="Loading the grading queue…">
        {(items) =>
          items.length === 0 ? (
            <Paper withBorder radius="lg" p="xl">
              <Empty title="No assignment to grade" description="New assignment submissions of your batches appear here. Open quiz answers wait under Quiz answers to grade." />
            </Paper>
          ) : (
            <Paper withBorder radius="lg" p="sm">
              <Table striped highlightOnHover aria-label="Submissions waiting for a grade">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Learner</Table.Th>
                    <Table.Th>Assignment</Table.Th>
                    <Table.Th>Handed in</Table.Th>
                    <Table.Th>Due</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/lms/grading/${s.id}`}>
                          {s.memberName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        {s.assignmentTitle} {s.version > 1 ? `(version ${s.version})` : ''}
                      </Table.Td>
                      <Table.Td>{readableDay(s.submittedAt)}</Table.Td>
                      <Table.Td>
                        {readableDay(s.dueDate)}{' '}
                        {s.late && (
                          <Badge color="orange.9" variant="outline">
                            Late
                          </Badge>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
          )
        }
      </QueryState>
    </Page>
  );
}

/** One submission with the learner's earlier versions and the grade form. */
export function GradeSubmissionPage() {
  const { submissionId = '' } = useParams();
  const [graded, setGraded] = useState(false);
  const submission = useQuery({ queryKey: ['assignment-submission', submissionId], queryFn: ({ signal }) => api.get<Submission>(`/api/assignment-submissions/${submissionId}`, { signal }) });
  const history = useQuery({
    enabled: !!submission.data,
    queryKey: ['assignment-submissions', submission.data?.assignmentId, submission.data?.memberId],
    queryFn: ({ signal }) =>
      api.get<ListPage<Submission>>(`/api/assignment-submissions?assignmentId=${submission.data!.assignmentId}&memberId=${submission.data!.memberId}&limit=100`, { signal }),
  });
  return (
    <Page title={submission.data ? `${submission.data.assignmentTitle}: ${submission.data.memberName}` : 'Submission'}>
      <Anchor component={Link} to="/lms/grading" size="sm">
        ← Grading queue
      </Anchor>
      <QueryState query={submission} loadingLabel="Loading the submission…">
        {(s) => (
          <Stack gap="md">
            {graded && s.status !== 'submitted' && (
              <Alert styles={ALERT_STYLES} color={s.status === 'passed' ? 'green' : 'blue'} variant="light" role="status" title="Grade saved">
                {s.memberName} sees it now: {s.status === 'passed' ? 'passed' : 'not passed yet, and may hand in again'}.{' '}
                <Anchor component={Link} to="/lms/grading" c="inherit" fw={600} underline="always">
                  Back to the grading queue
                </Anchor>
              </Alert>
            )}
            <SubmissionCard s={s} showMember />
            {s.status === 'submitted' && <GradeForm submission={s} onGraded={() => setGraded(true)} />}
            {history.data && history.data.items.length > 1 && (
              <Stack gap="sm">
                <Title order={2} fz="lg">
                  Earlier versions
                </Title>
                {history.data.items
                  .filter((h) => h.id !== s.id)
                  .reverse()
                  .map((h) => (
                    <SubmissionCard key={h.id} s={h} />
                  ))}
              </Stack>
            )}
          </Stack>
        )}
      </QueryState>
    </Page>
  );
}

function GradeForm({ submission, onGraded }: { submission: Submission; onGraded: () => void }) {
  const client = useQueryClient();
  const [result, setResult] = useState<'pass' | 'fail' | ''>('');
  const [score, setScore] = useState<number | string>('');
  const [comment, setComment] = useState('');
  const grade = useMutation({
    mutationFn: () =>
      api.post<Submission>(`/api/assignment-submissions/${submission.id}/grade`, {
        result: result || undefined,
        ...(typeof score === 'number' ? { score } : {}),
        ...(comment.trim() ? { comment } : {}),
      }),
    onSuccess: (s) => {
      onGraded();
      client.setQueryData(['assignment-submission', s.id], s);
      void client.invalidateQueries({ queryKey: ['assignment-submissions'] });
    },
  });
  const err = grade.error instanceof ApiError ? grade.error : null;
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="grade-heading">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          grade.mutate();
        }}
      >
        <Stack gap="sm">
          <Title order={2} fz="lg" id="grade-heading">
            Grade
          </Title>
          <Radio.Group label="Result" value={result} onChange={(v) => setResult(v)} error={err?.fieldError('result')} required>
            <Group mt={4}>
              <Radio value="pass" label="Pass" />
              <Radio value="fail" label="Fail" />
            </Group>
          </Radio.Group>
          <NumberInput label="Score (optional)" min={0} max={100000} value={score} onChange={setScore} error={err?.fieldError('score')} w={200} />
          <Textarea label="Feedback for the learner" autosize minRows={3} value={comment} onChange={(e) => setComment(e.currentTarget.value)} error={err?.fieldError('comment')} />
          {grade.isError && !err?.fieldErrors.length && (
            <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The grade was not saved">
              {errorMessage(grade.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={grade.isPending}>
              Save the grade
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
