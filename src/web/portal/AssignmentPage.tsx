import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Anchor } from '@mantine/core';
import { api } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { QueryState } from '../ui/states.tsx';
import { AssignmentPanel, type Assignment } from './AssignmentPanel.tsx';

/** An assignment on its own page (a batch assessment): instructions, submit, history with feedback. */
export default function AssignmentPage() {
  const { assignmentId = '' } = useParams();
  const a = useQuery({ queryKey: ['assignment', assignmentId], queryFn: ({ signal }) => api.get<Assignment>(`/api/assignments/${assignmentId}`, { signal }) });
  return (
    <Page title={a.data?.title ?? 'Assignment'} description={a.data?.courseTitle ? `Part of ${a.data.courseTitle}` : undefined}>
      <Anchor component={Link} to="/lms/batches" size="sm">
        ← My batches
      </Anchor>
      <QueryState query={a} loadingLabel="Loading the assignment…">
        {(x) => <AssignmentPanel assignmentId={x.id} />}
      </QueryState>
    </Page>
  );
}
