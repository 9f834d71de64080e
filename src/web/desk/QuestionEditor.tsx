import { ActionIcon, Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import type { CustomFieldProps, Row } from './meta.ts';

export interface QuestionDraft {
  kind: 'single' | 'multiple' | 'text' | 'open';
  text: string;
  marks: number;
  options: { text: string; correct: boolean }[];
  /** Accepted answers of a short-text question, one per line. */
  answers: string;
  explanation: string;
}

const KINDS = [
  { value: 'single', label: 'Single choice' },
  { value: 'multiple', label: 'Multiple choice' },
  { value: 'text', label: 'Short text (auto-graded)' },
  { value: 'open', label: 'Open answer (graded by a person)' },
];

export function newQuestion(): QuestionDraft {
  return {
    kind: 'single',
    text: '',
    marks: 1,
    options: [
      { text: '', correct: true },
      { text: '', correct: false },
    ],
    answers: '',
    explanation: '',
  };
}

/** Staff view of a quiz's questions → drafts the editor works on. */
export function questionsFromQuiz(row: Row): QuestionDraft[] {
  const qs = (row.questions ?? []) as Row[];
  return qs.map((q) => ({
    kind: q.kind as QuestionDraft['kind'],
    text: String(q.text ?? ''),
    marks: Number(q.marks ?? 1),
    options: ((q.options ?? []) as Row[]).map((o) => ({ text: String(o.text), correct: o.correct === true })),
    answers: ((q.answers ?? []) as string[]).join('\n'),
    explanation: String(q.explanation ?? ''),
  }));
}

/** Drafts → the API's question input (only the members each kind takes). */
export function questionsToWire(drafts: QuestionDraft[]): unknown[] {
  return drafts.map((q) => {
    const base: Record<string, unknown> = { kind: q.kind, text: q.text, marks: q.marks };
    if (q.explanation.trim()) base.explanation = q.explanation;
    if (q.kind === 'single' || q.kind === 'multiple') base.options = q.options;
    if (q.kind === 'text')
      base.answers = q.answers
        .split('\n')
        .map((a) => a.trim())
        .filter(Boolean);
    return base;
  });
}

/** The quiz's question editor: add, remove, move questions; options with their correct flags. */
export function QuestionEditor({ value, onChange, errors, disabled }: CustomFieldProps) {
  const drafts = (Array.isArray(value) ? value : []) as QuestionDraft[];
  const update = (i: number, patch: Partial<QuestionDraft>) => onChange(drafts.map((q, j) => (j === i ? { ...q, ...patch } : q)));
  const move = (i: number, d: number) => {
    const next = [...drafts];
    const [q] = next.splice(i, 1);
    if (q) next.splice(i + d, 0, q);
    onChange(next);
  };
  const errorOf = (i: number, member?: string) =>
    errors
      .filter((e) =>
        member ? e.path.startsWith(`questions.${i}.${member}`) : e.path === `questions.${i}` || e.path.startsWith(`questions.${i}.`),
      )
      .map((e) => e.message)
      .join(' ') || undefined;
  const listError = errors.find((e) => e.path === 'questions')?.message;

  return (
    <Stack gap="sm" aria-labelledby="questions-title" role="group">
      <Title order={2} fz="md" id="questions-title">
        Questions
      </Title>
      {listError && (
        <Text c="red" size="sm" role="alert">
          {listError}
        </Text>
      )}
      {drafts.map((q, i) => (
        <Paper key={i} withBorder radius="md" p="md" data-testid="question">
          <Stack gap="xs">
            <Group justify="space-between" align="flex-end">
              <Select
                label={`Question ${i + 1} kind`}
                // Wide enough for the longest kind, "Open answer (graded by a person)".
                w={300}
                maw="100%"
                data={KINDS}
                value={q.kind}
                allowDeselect={false}
                disabled={disabled}
                onChange={(v) => update(i, { kind: (v ?? 'single') as QuestionDraft['kind'] })}
              />
              <NumberInput
                label="Marks"
                w={100}
                min={1}
                max={1000}
                value={q.marks}
                disabled={disabled}
                onChange={(v) => update(i, { marks: typeof v === 'number' ? v : 1 })}
              />
              <Group gap={4}>
                <Button
                  size="compact-sm"
                  variant="default"
                  disabled={disabled || i === 0}
                  onClick={() => move(i, -1)}
                  aria-label={`Move question ${i + 1} up`}
                >
                  ↑
                </Button>
                <Button
                  size="compact-sm"
                  variant="default"
                  disabled={disabled || i === drafts.length - 1}
                  onClick={() => move(i, 1)}
                  aria-label={`Move question ${i + 1} down`}
                >
                  ↓
                </Button>
                <Button
                  size="compact-sm"
                  color="red"
                  variant="light"
                  disabled={disabled}
                  onClick={() => onChange(drafts.filter((_, j) => j !== i))}
                >
                  Remove
                </Button>
              </Group>
            </Group>
            <Textarea
              label={`Question ${i + 1} text`}
              autosize
              minRows={2}
              value={q.text}
              disabled={disabled}
              error={errorOf(i, 'text')}
              onChange={(e) => update(i, { text: e.currentTarget.value })}
            />
            {(q.kind === 'single' || q.kind === 'multiple') && (
              <Stack gap={6}>
                {q.options.map((o, k) => (
                  <Group key={k} gap="xs" wrap="nowrap">
                    <Checkbox
                      aria-label={`Option ${k + 1} of question ${i + 1} is correct`}
                      checked={o.correct}
                      disabled={disabled}
                      onChange={(e) => {
                        const checked = e.currentTarget.checked;
                        update(i, {
                          options: q.options.map((x, m) =>
                            m === k ? { ...x, correct: checked } : q.kind === 'single' && checked ? { ...x, correct: false } : x,
                          ),
                        });
                      }}
                    />
                    <TextInput
                      aria-label={`Option ${k + 1} of question ${i + 1}`}
                      flex={1}
                      value={o.text}
                      disabled={disabled}
                      onChange={(e) => {
                        const text = e.currentTarget.value;
                        update(i, { options: q.options.map((x, m) => (m === k ? { ...x, text } : x)) });
                      }}
                    />
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove option ${k + 1} of question ${i + 1}`}
                      disabled={disabled}
                      onClick={() => update(i, { options: q.options.filter((_, m) => m !== k) })}
                    >
                      ×
                    </ActionIcon>
                  </Group>
                ))}
                {errorOf(i, 'options') && (
                  <Text c="red" size="sm">
                    {errorOf(i, 'options')}
                  </Text>
                )}
                <Button
                  size="compact-sm"
                  variant="subtle"
                  w="fit-content"
                  disabled={disabled}
                  onClick={() => update(i, { options: [...q.options, { text: '', correct: false }] })}
                >
                  Add option
                </Button>
              </Stack>
            )}
            {q.kind === 'text' && (
              <Textarea
                label="Accepted answers (one per line)"
                autosize
                minRows={2}
                value={q.answers}
                disabled={disabled}
                error={errorOf(i, 'answers')}
                onChange={(e) => update(i, { answers: e.currentTarget.value })}
              />
            )}
          </Stack>
        </Paper>
      ))}
      <Button variant="default" w="fit-content" disabled={disabled} onClick={() => onChange([...drafts, newQuestion()])}>
        Add question
      </Button>
    </Stack>
  );
}
