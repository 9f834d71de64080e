import { useQuery } from '@tanstack/react-query';
import { Text } from '@mantine/core';
import { api } from '../ui/api.ts';
import { AssignmentPanel, type Assignment } from './AssignmentPanel.tsx';

/** The assignment of a lesson of kind assignment. */
export function LessonAssignment({ lessonId }: { lessonId: string }) {
  const a = useQuery({ queryKey: ['lesson-assignment', lessonId], queryFn: () => api.get<Assignment>(`/api/lessons/${lessonId}/assignment`) });
  if (a.isPending) return <Text c="gray.7">Loading the assignment…</Text>;
  if (a.isError) return <Text c="gray.7">This assignment lesson has no assignment yet.</Text>;
  return <AssignmentPanel assignmentId={a.data.id} />;
}
