import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Text } from '@mantine/core';
import { api, ApiError } from '../ui/api.ts';
import { enrollRefusal } from './enroll-refusal.ts';
import { keys, type Enrollment } from './portal-api.ts';

/** Alert titles in the body text colour: the light variants' coloured titles miss WCAG AA contrast. */
export const ALERT_STYLES = { title: { color: 'var(--mantine-color-gray-9)' } } as const;

/** Enroll the caller in a course; on refusal the reason in plain words. */
export function useEnroll(courseId: string) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [refusal, setRefusal] = useState<{ title: string; message: string } | null>(null);
  const mutation = useMutation({
    mutationFn: () => api.post<Enrollment>(`/api/courses/${courseId}/enroll`),
    onMutate: () => setRefusal(null),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.myCourses });
      await client.invalidateQueries({ queryKey: keys.outline(courseId) });
      void navigate(`/lms/courses/${courseId}`);
    },
    onError: async (error) => {
      if (error instanceof ApiError && error.code === 'ALREADY_ENROLLED') {
        await client.invalidateQueries({ queryKey: keys.myCourses });
        void navigate(`/lms/courses/${courseId}`);
        return;
      }
      setRefusal(enrollRefusal(error));
    },
  });
  return { enroll: () => mutation.mutate(), pending: mutation.isPending, refusal };
}

export function RefusalAlert({ refusal }: { refusal: { title: string; message: string } | null }) {
  if (!refusal) return null;
  return (
    <Alert styles={ALERT_STYLES} color="orange" variant="light" title={refusal.title} role="alert" data-testid="enroll-refusal">
      <Text size="sm">{refusal.message}</Text>
    </Alert>
  );
}
