/**
 * A quiz submission's answers on its desk page, question by question; while it waits for a grader,
 * the open answers take marks (and a comment) here, and saving them makes the score final.
 */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Alert, Badge, Button, Group, NumberInput, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import type { z } from 'zod';
import type { Submission, SubmissionResultSchema } from '../../contract/quizzes.ts';

type SubmissionResult = z.infer<typeof SubmissionResultSchema>;
import { api, errorMessage } from '../ui/api.ts';
import { notify } from './notify.ts';
import { correctAnswerText, givenAnswerText } from '../ui/quiz-answers.ts';
import type { Row } from './meta.ts';

type Answer = Submission['answers'][number];

export function SubmissionAnswers({ row, refresh }: { row: Row; refresh: () => void }) {
  const answers = (row.answers as Answer[] | undefined) ?? [];
  const pending = row.status === 'pending_review';
  const open = answers.filter((a) => a.kind === 'open');
  const [marks, setMarks] = useState<Record<string, number | string>>({});
  const [comments, setComments] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<Record<string, string>>({});
  const grade = useMutation({
    mutationFn: () =>
      api.post<SubmissionResult>(`/api/quiz-submissions/${encodeURIComponent(String(row.id))}/grade`, {
        marks: open.map((a) => ({
          questionId: a.questionId,
          marks: Number(marks[a.questionId]),
          ...(comments[a.questionId]?.trim() ? { comment: comments[a.questionId]!.trim() } : {}),
        })),
      }),
    onSuccess: (r) => {
      notify(`Graded: ${r.score} of ${r.maxScore} marks${r.percentage !== null ? ` (${r.percentage}%)` : ''}, ${r.passed ? 'passed' : 'not passed'}.`);
      refresh();
    },
  });
  const save = () => {
    const problems: Record<string, string> = {};
    for (const a of open) {
      const v = marks[a.questionId];
      const n = typeof v === 'number' ? v : Number.NaN;
      if (v === undefined || v === '' || !Number.isFinite(n)) problems[a.questionId] = 'Give the marks for this answer.';
      else if (n < 0 || n > a.marks) problems[a.questionId] = `Give between 0 and ${a.marks} marks.`;
    }
    setMissing(problems);
    if (Object.keys(problems).length === 0) grade.mutate();
  };
  if (answers.length === 0) return null;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="submission-answers-title" data-testid="submission-answers">
      <Stack gap="md">
        <Title order={2} fz="lg" id="submission-answers-title">
          {pending ? 'Answers — open ones to grade' : 'Answers'}
        </Title>
        {pending && (
          <Text size="sm" c="gray.8">
            The other questions were marked when the learner submitted. Give marks to each open answer; the score and the result are final once
            saved, and the learner is told.
          </Text>
        )}
        <Stack gap="md" component="ol" style={{ margin: 0, paddingLeft: '1.25rem' }}>
          {answers.map((a) => {
            const right = correctAnswerText(a);
            return (
              <li key={a.questionId}>
                <Stack gap={4}>
                  <Group gap="xs">
                    <Text size="sm" fw={600}>
                      {a.text}
                    </Text>
                    <Text size="xs" c="gray.7">
                      ({a.marks} {a.marks === 1 ? 'mark' : 'marks'})
                    </Text>
                    {a.kind !== 'open' || !pending ? (
                      <Badge variant="light" tt="none" c="gray.9" color={a.correct ? 'teal' : a.correct === false ? 'red' : 'gray'}>
                        {a.awardedMarks === null || a.awardedMarks === undefined ? 'Not marked' : `${a.awardedMarks} of ${a.marks}`}
                      </Badge>
                    ) : null}
                  </Group>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    Answer: {givenAnswerText(a) ?? 'No answer'}
                  </Text>
                  {a.kind !== 'open' && a.correct === false && right && (
                    <Text size="sm" c="gray.7">
                      Correct answer: {right}
                    </Text>
                  )}
                  {a.comment && !pending && (
                    <Text size="sm" c="gray.7">
                      Comment: {a.comment}
                    </Text>
                  )}
                  {pending && a.kind === 'open' && (
                    <Group align="flex-start" gap="sm">
                      <NumberInput
                        label="Marks"
                        w={120}
                        min={0}
                        max={a.marks}
                        // Out of range is said next to the field, not silently changed to the limit.
                        clampBehavior="none"
                        value={marks[a.questionId] ?? ''}
                        onChange={(v) => setMarks((m) => ({ ...m, [a.questionId]: v }))}
                        error={missing[a.questionId]}
                      />
                      <Textarea
                        label="Comment for the learner (optional)"
                        autosize
                        minRows={1}
                        maxLength={2000}
                        style={{ flex: 1, minWidth: 240 }}
                        value={comments[a.questionId] ?? ''}
                        onChange={(e) => {
                          const text = e.currentTarget.value;
                          setComments((c) => ({ ...c, [a.questionId]: text }));
                        }}
                      />
                    </Group>
                  )}
                </Stack>
              </li>
            );
          })}
        </Stack>
        {grade.isError && (
          <Alert color="red" role="alert">
            {errorMessage(grade.error)}
          </Alert>
        )}
        {pending && open.length > 0 && (
          <Group>
            <Button onClick={save} loading={grade.isPending}>
              Save grades
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
