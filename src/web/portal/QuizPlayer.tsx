import { useCallback, useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Paper,
  Radio,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { readableDateTime } from '../ui/dates.ts';
import { ALERT_STYLES } from './PortalParts.tsx';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { keys, useLatestSubmission, useQuiz, type Quiz, type Submission, type SubmissionResult } from './portal-api.ts';
import { MarkdownBody } from '../ui/MarkdownBody.tsx';
import { correctAnswerText, givenAnswerText } from '../ui/quiz-answers.ts';

type Question = Quiz['questions'][number];
interface Answer {
  choice?: number[];
  text?: string;
}

/** Plays a quiz lesson: start, answer (one per screen or all at once), timer, submit, result, retry. */
export function QuizPlayer({ quizId, courseId }: { quizId: string; courseId: string }) {
  const quiz = useQuiz(quizId);
  const latest = useLatestSubmission(quizId);
  const client = useQueryClient();
  const [result, setResult] = useState<SubmissionResult | null>(null);
  const [started, setStarted] = useState(false);

  const start = useMutation({
    mutationFn: () => api.post<{ id: string }>(`/api/quizzes/${quizId}/attempts`),
    onSuccess: async () => {
      // The attempt fixes the order of questions and options: read the quiz again in that order.
      await client.invalidateQueries({ queryKey: keys.quiz(quizId) });
      setResult(null);
      setStarted(true);
    },
  });

  const onSubmitted = useCallback(
    (r: SubmissionResult) => {
      setResult(r);
      setStarted(false);
      void client.invalidateQueries({ queryKey: keys.quiz(quizId) });
      void client.invalidateQueries({ queryKey: keys.latestSubmission(quizId) });
      // A passed quiz completes its lesson on the server: read the progress again.
      void client.invalidateQueries({ queryKey: keys.outline(courseId) });
      void client.invalidateQueries({ queryKey: keys.myCourses });
      void client.invalidateQueries({ queryKey: keys.certificateState(courseId) });
    },
    [client, quizId, courseId],
  );

  if (quiz.isPending) return <PageLoader label="Loading the quiz…" />;
  if (quiz.isError) return <ErrorState error={quiz.error} onRetry={() => void quiz.refetch()} title="The quiz could not be loaded" />;
  const q = quiz.data;
  // Not while the last attempt waits for a grader: its result may yet be a pass.
  const waiting = (result ?? latest.data)?.status === 'pending_review';
  const canTry = (q.attemptsLeft === null || q.attemptsLeft > 0) && q.availability === 'open' && !waiting;
  const inProgress = !!q.currentAttempt;
  // Coming back to a quiz already taken: the last finished attempt's result.
  const shown = result ?? (latest.data && latest.data.status !== 'in_progress' ? latest.data : null);

  if ((started || inProgress) && q.currentAttempt && !result) {
    return <Attempt quiz={q} attemptId={q.currentAttempt.id} deadlineAt={q.currentAttempt.deadlineAt} onSubmitted={onSubmitted} />;
  }

  return (
    <Stack gap="md">
      {shown && <QuizResult quiz={q} result={shown} />}
      <Paper withBorder radius="lg" p="md">
        <Stack gap="xs">
          <Title order={2} fz="lg">
            {q.title}
          </Title>
          {q.descriptionHtml && <MarkdownBody html={q.descriptionHtml} />}
          <Group gap="xs">
            <Badge c="gray.9" variant="light" color="gray">
              {q.questionCount} {q.questionCount === 1 ? 'question' : 'questions'}
            </Badge>
            <Badge c="gray.9" variant="light" color="gray">
              Pass mark {q.passingPercentage}%
            </Badge>
            {q.timeLimitMinutes && (
              <Badge c="gray.9" variant="light" color="orange">
                Time limit {q.timeLimitMinutes} min
              </Badge>
            )}
            <Badge c="gray.9" variant="light" color="gray" data-testid="attempts-left">
              {q.attemptsLeft === null ? 'Unlimited attempts' : `${q.attemptsLeft} of ${q.maxAttempts + q.extraAttempts} attempts left`}
            </Badge>
            {q.outcome === 'completed_not_passed' && (
              <Badge c="red.9" variant="light" color="red" data-testid="quiz-outcome">
                Completed, not passed
              </Badge>
            )}
          </Group>
          {q.availability === 'not_open' && q.opensAt && <Text size="sm">This quiz opens on {readableDateTime(q.opensAt)}.</Text>}
          {q.availability === 'closed' && q.closesAtForYou && <Text size="sm">This quiz closed on {readableDateTime(q.closesAtForYou)}.</Text>}
          {q.availability === 'open' && q.closesAtForYou && <Text size="sm">This quiz closes on {readableDateTime(q.closesAtForYou)}.</Text>}
          {start.isError && (
            <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="The quiz could not be started">
              {start.error instanceof ApiError && start.error.code === 'MAX_ATTEMPTS_REACHED'
                ? 'You have used all your attempts at this quiz. Ask your instructor if you need another.'
                : errorMessage(start.error)}
            </Alert>
          )}
          {q.outcome === 'passed' && (
            <Text size="sm" data-testid="quiz-passed">
              You passed this quiz.{canTry ? ' You may take it again: your best score is kept.' : ''}
            </Text>
          )}
          {canTry ? (
            <Group>
              <Button onClick={() => start.mutate()} loading={start.isPending} variant={q.outcome === 'passed' ? 'default' : 'filled'}>
                {q.outcome === 'passed' ? 'Take it again' : result || q.attemptsUsed > 0 ? 'Try again' : 'Start the quiz'}
              </Button>
            </Group>
          ) : waiting ? (
            <Text size="sm" c="gray.7" data-testid="quiz-waiting">
              Your last attempt waits for a grader. Once it is graded you will be told, and you can try again if you need to.
            </Text>
          ) : q.availability === 'open' ? (
            <Text size="sm" c="gray.7">
              You have used all your attempts at this quiz.
            </Text>
          ) : null}
        </Stack>
      </Paper>
    </Stack>
  );
}

function secondsLeft(deadlineAt: string | null): number | null {
  if (!deadlineAt) return null;
  return Math.max(0, Math.round((new Date(deadlineAt).getTime() - Date.now()) / 1000));
}

function Attempt({
  quiz,
  attemptId,
  deadlineAt,
  onSubmitted,
}: {
  quiz: Quiz;
  attemptId: string;
  deadlineAt: string | null;
  onSubmitted: (r: SubmissionResult) => void;
}) {
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [layout, setLayout] = useState<'one' | 'all'>(quiz.questions.length > 5 ? 'one' : 'all');
  const [index, setIndex] = useState(0);
  const [left, setLeft] = useState(() => secondsLeft(deadlineAt));
  const answersRef = useRef(answers);
  answersRef.current = answers;

  const submit = useMutation({
    mutationFn: (given: Record<string, Answer>) =>
      api.post<SubmissionResult>(`/api/quizzes/${quiz.id}/submissions`, {
        attemptId,
        answers: quiz.questions.map((qq) => ({ questionId: qq.id, ...(given[qq.id] ?? {}) })),
      }),
    onSuccess: onSubmitted,
  });
  const submitRef = useRef(submit);
  submitRef.current = submit;

  useEffect(() => {
    if (!deadlineAt) return;
    const timer = setInterval(() => {
      const s = secondsLeft(deadlineAt);
      setLeft(s);
      if (s === 0) {
        clearInterval(timer);
        // Time is up: hand in what was answered.
        if (!submitRef.current.isPending) submitRef.current.mutate(answersRef.current);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [deadlineAt]);

  const [confirming, setConfirming] = useState(false);
  const set = (id: string, a: Answer) => setAnswers((prev) => ({ ...prev, [id]: a }));
  const shown = layout === 'all' ? quiz.questions : quiz.questions.slice(index, index + 1);
  const answered = quiz.questions.filter((qq) => {
    const a = answers[qq.id];
    return !!a && ((a.choice?.length ?? 0) > 0 || !!a.text?.trim());
  }).length;

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        // Unanswered questions count as wrong and the attempt is used: ask first.
        if (answered < quiz.questions.length) setConfirming(true);
        else submit.mutate(answers);
      }}
      aria-label={`Quiz: ${quiz.title}`}
    >
      <Stack gap="md">
        <Paper withBorder radius="lg" p="md">
          <Group justify="space-between" gap="sm">
            <Title order={2} fz="lg">
              {quiz.title}
            </Title>
            {left !== null && (
              <Badge
                c="gray.9"
                size="lg"
                color={left < 60 ? 'red' : 'blue'}
                variant="light"
                role="timer"
                aria-label={`Time left ${formatClock(left)}`}
              >
                Time left {formatClock(left)}
              </Badge>
            )}
          </Group>
          <Group justify="space-between" mt="sm" gap="sm">
            <Text size="sm" c="gray.7" aria-live="polite">
              {answered} of {quiz.questions.length} answered
            </Text>
            <SegmentedControl
              size="xs"
              value={layout}
              onChange={(v) => setLayout(v === 'one' ? 'one' : 'all')}
              data={[
                { value: 'one', label: 'One per screen' },
                { value: 'all', label: 'All on one page' },
              ]}
              aria-label="How to show the questions"
            />
          </Group>
        </Paper>

        {shown.map((question) => (
          <QuestionCard
            key={question.id}
            question={question}
            number={quiz.questions.indexOf(question) + 1}
            total={quiz.questions.length}
            answer={answers[question.id]}
            onChange={(a) => set(question.id, a)}
          />
        ))}

        {submit.isError && (
          <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="Your answers were not submitted">
            {submitErrorText(submit.error)}
          </Alert>
        )}

        <Group justify="space-between">
          {layout === 'one' ? (
            <Group gap="sm">
              <Button variant="default" onClick={() => setIndex((i) => Math.max(0, i - 1))} disabled={index === 0}>
                Previous question
              </Button>
              <Button
                variant="default"
                onClick={() => setIndex((i) => Math.min(quiz.questions.length - 1, i + 1))}
                disabled={index >= quiz.questions.length - 1}
              >
                Next question
              </Button>
            </Group>
          ) : (
            <span />
          )}
          {(layout === 'all' || index === quiz.questions.length - 1) && (
            <Button type="submit" loading={submit.isPending}>
              Submit answers
            </Button>
          )}
        </Group>
      </Stack>
      <ConfirmDialog
        opened={confirming}
        onClose={() => setConfirming(false)}
        title="Submit with unanswered questions?"
        cancelLabel="Keep answering"
        confirmLabel="Submit anyway"
        busy={submit.isPending}
        onConfirm={() => {
          setConfirming(false);
          submit.mutate(answers);
        }}
      >
        {`${quiz.questions.length - answered} of ${quiz.questions.length} ${quiz.questions.length - answered === 1 ? 'question is' : 'questions are'} not answered. They count as wrong, and submitting uses this attempt.`}
      </ConfirmDialog>
    </form>
  );
}

function submitErrorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'ATTEMPT_EXPIRED') return 'The time for this attempt ran out before the answers arrived.';
    if (error.code === 'MAX_ATTEMPTS_REACHED') return 'You have used all your attempts at this quiz.';
    if (error.code === 'ATTEMPT_ALREADY_SUBMITTED') return 'This attempt was already submitted.';
    if (error.code === 'QUIZ_CLOSED') return 'This quiz has closed, so the answers could not be submitted.';
    if (error.code === 'QUIZ_NOT_OPEN') return 'This quiz is not open yet.';
  }
  return errorMessage(error);
}

function formatClock(s: number): string {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function QuestionCard({
  question,
  number,
  total,
  answer,
  onChange,
}: {
  question: Question;
  number: number;
  total: number;
  answer: Answer | undefined;
  onChange: (a: Answer) => void;
}) {
  const labelId = `q-${question.id}`;
  const heading = (
    <Stack gap={4} id={labelId}>
      <Text size="xs" c="gray.7" fw={600}>
        Question {number} of {total} · {question.marks} {question.marks === 1 ? 'mark' : 'marks'}
      </Text>
      <MarkdownBody html={question.textHtml} />
    </Stack>
  );
  const options = question.options ?? [];
  return (
    <Paper withBorder radius="lg" p="md" data-testid="question">
      {question.kind === 'single' ? (
        <Radio.Group
          label={heading}
          value={answer?.choice?.[0] !== undefined ? String(answer.choice[0]) : null}
          onChange={(v) => onChange({ choice: [Number(v)] })}
        >
          <Stack gap="xs" mt="xs">
            {options.map((o) => (
              <Radio key={o.index} value={String(o.index)} label={o.text} />
            ))}
          </Stack>
        </Radio.Group>
      ) : question.kind === 'multiple' ? (
        <Checkbox.Group
          label={heading}
          description="Choose every answer that applies."
          value={(answer?.choice ?? []).map(String)}
          onChange={(v) => onChange({ choice: v.map(Number) })}
        >
          <Stack gap="xs" mt="xs">
            {options.map((o) => (
              <Checkbox key={o.index} value={String(o.index)} label={o.text} />
            ))}
          </Stack>
        </Checkbox.Group>
      ) : question.kind === 'text' ? (
        <TextInput
          label={heading}
          value={answer?.text ?? ''}
          onChange={(e) => onChange({ text: e.currentTarget.value })}
          maxLength={20_000}
        />
      ) : (
        <Textarea
          label={heading}
          description="A person grades this answer."
          value={answer?.text ?? ''}
          onChange={(e) => onChange({ text: e.currentTarget.value })}
          autosize
          minRows={3}
          maxLength={20_000}
        />
      )}
    </Paper>
  );
}

function QuizResult({ quiz, result }: { quiz: Quiz; result: SubmissionResult }) {
  const details = useQuery({
    queryKey: ['quiz-submissions', result.id],
    queryFn: ({ signal }) => api.get<Submission>(`/api/quiz-submissions/${result.id}`, { signal }),
    enabled: quiz.showAnswers,
  });
  const expired = result.status === 'expired' && result.passed === null;
  const pending = result.passed === null && !expired;
  return (
    <Stack gap="md">
      <Alert
        styles={ALERT_STYLES}
        color={pending ? 'blue' : result.passed ? 'teal' : 'red'}
        variant="light"
        role="status"
        title={
          expired ? 'Time ran out — not passed' : pending ? 'Submitted — waiting for grading' : result.passed ? 'Passed' : 'Not passed'
        }
        data-testid="quiz-result"
      >
        <Text size="sm">
          Attempt {result.attempt}: {result.score} of {result.maxScore} marks
          {result.percentage !== null ? ` (${result.percentage}%)` : ''}. The pass mark is {quiz.passingPercentage}%.
          {result.passed === false && (quiz.attemptsLeft === null || quiz.attemptsLeft > 0) ? ' You can try again.' : ''}
          {result.passed ? ' This lesson is now complete.' : ''}
        </Text>
      </Alert>
      {quiz.showAnswers && details.data && !details.data.answersVisible && result.passed === false && (
        <Text size="sm" c="gray.8" data-testid="answers-later">
          The correct answers show once you pass this quiz or have no attempts left.
        </Text>
      )}
      {quiz.showAnswers && details.data?.answersVisible && (
        <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="answers-heading">
          <Title order={3} fz="md" mb="sm" id="answers-heading">
            Your answers
          </Title>
          <Stack gap="sm" component="ol" style={{ margin: 0, paddingLeft: '1.25rem' }}>
            {details.data.answers.map((a) => (
              <li key={a.questionId}>
                <Text size="sm" fw={600}>
                  {a.text}
                </Text>
                <Text size="sm" c={a.correct ? 'teal.9' : a.correct === false ? 'red.8' : 'gray.7'}>
                  {a.correct ? 'Correct' : a.correct === false ? 'Incorrect' : 'Not graded yet'}
                  {' — your answer: '}
                  {givenAnswerText(a) ?? 'no answer'}
                </Text>
                {a.correct === false && <Text size="sm">Correct answer: {correctAnswerText(a) ?? '—'}</Text>}
                {a.explanation && (
                  <Text size="sm" c="gray.7">
                    {a.explanation}
                  </Text>
                )}
              </li>
            ))}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

