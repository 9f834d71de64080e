import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ActionIcon, Alert, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import type { Availability } from '../../contract/assignments.ts';
import { isoDateProblem } from '../../contract/evaluation-dates.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { ALERT_STYLES } from './PortalParts.tsx';

const TIMEZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

interface Window {
  weekday: number;
  start: string;
  end: string;
}

/** The away dates typed in the field, separated by commas or spaces. */
function awayDates(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/** The evaluator's weekly availability in their own time zone, unavailable dates and meeting link. */
export function AvailabilityEditor({ userId }: { userId: string }) {
  const client = useQueryClient();
  const current = useQuery({ queryKey: ['availability', userId], queryFn: ({ signal }) => api.get<Availability>(`/api/evaluators/${userId}/availability`, { signal }) });
  const [timezone, setTimezone] = useState<string | null>(null);
  const [windows, setWindows] = useState<Window[]>([]);
  const [meetingUrl, setMeetingUrl] = useState('');
  const [offDates, setOffDates] = useState('');
  // What is wrong with the first away date not written YYYY-MM-DD, said before anything is sent.
  const [offDatesError, setOffDatesError] = useState<string | null>(null);
  useEffect(() => {
    if (!current.data) return;
    setTimezone(current.data.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone);
    setWindows(current.data.slots);
    setMeetingUrl(current.data.meetingUrl ?? '');
    setOffDates(current.data.unavailableDates.join(', '));
  }, [current.data]);
  const save = useMutation({
    mutationFn: () =>
      api.put<Availability>(`/api/evaluators/${userId}/availability`, {
        timezone,
        slots: windows,
        meetingUrl: meetingUrl.trim() || null,
        unavailableDates: awayDates(offDates),
      }),
    onSuccess: (a) => client.setQueryData(['availability', userId], a),
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const set = (i: number, patch: Partial<Window>) => setWindows(windows.map((w, j) => (j === i ? { ...w, ...patch } : w)));
  if (current.isPending) return <Text c="gray.7">Loading your availability…</Text>;
  if (current.isError) return null;
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-labelledby="availability-heading">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const problem = awayDates(offDates).map(isoDateProblem).find(Boolean) ?? null;
          setOffDatesError(problem);
          if (problem) {
            save.reset();
            return;
          }
          save.mutate();
        }}
      >
        <Stack gap="sm">
          <Title order={2} fz="lg" id="availability-heading">
            Your availability
          </Title>
          <Select label="Your time zone" data={TIMEZONES} value={timezone} onChange={setTimezone} searchable error={err?.fieldError('timezone')} />
          {windows.map((w, i) => (
            <Group key={i} align="flex-end" gap="xs">
              <Select
                label="Day"
                data={WEEKDAYS.map((d, k) => ({ value: String(k + 1), label: d }))}
                value={String(w.weekday)}
                onChange={(v) => set(i, { weekday: Number(v ?? 1) })}
                allowDeselect={false}
                w={160}
                error={err?.fieldError(`slots.${i}.weekday`) ?? err?.fieldError(`slots.${i}`)}
              />
              <TextInput label="From" type="time" value={w.start} onChange={(e) => set(i, { start: e.currentTarget.value })} error={err?.fieldError(`slots.${i}.start`)} w={120} />
              <TextInput label="Until" type="time" value={w.end} onChange={(e) => set(i, { end: e.currentTarget.value })} error={err?.fieldError(`slots.${i}.end`)} w={120} />
              <ActionIcon variant="subtle" color="red" aria-label={`Remove ${WEEKDAYS[w.weekday - 1] ?? ''} ${w.start}–${w.end}`} onClick={() => setWindows(windows.filter((_, j) => j !== i))} mb={4}>
                ✕
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button variant="default" onClick={() => setWindows([...windows, { weekday: 1, start: '09:00', end: '12:00' }])}>
              Add a time window
            </Button>
          </Group>
          <TextInput label="Meeting link learners join" placeholder="https://…" value={meetingUrl} onChange={(e) => setMeetingUrl(e.currentTarget.value)} error={err?.fieldError('meetingUrl')} />
          <TextInput
            label="Dates you are away (YYYY-MM-DD, separated by commas)"
            value={offDates}
            onChange={(e) => {
              setOffDates(e.currentTarget.value);
              setOffDatesError(null);
            }}
            error={offDatesError ?? err?.fieldErrors.find((x) => x.path.startsWith('unavailableDates'))?.message}
          />
          {save.isError && !err?.fieldErrors.length && (
            <Alert styles={ALERT_STYLES} color="red" variant="light" role="alert" title="Your availability was not saved">
              {errorMessage(save.error)}
            </Alert>
          )}
          {save.isSuccess && (
            <Text size="sm" role="status">
              Saved.
            </Text>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save availability
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
