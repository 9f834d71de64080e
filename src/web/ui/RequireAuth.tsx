import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorState, PageLoader } from './states.tsx';
import { isStaff, useMe, type Me } from './session.ts';

/**
 * Renders its children only for a logged-in user; anyone else goes to /login?next=<this page>.
 * With `staff`, users who only hold "LMS Student" are sent to the learning portal instead.
 */
export function RequireAuth({ children, staff = false }: { children: (me: Me) => ReactNode; staff?: boolean }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <PageLoader label="Checking your session…" />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) {
    const next = location.pathname + location.search + location.hash;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (staff && !isStaff(me.data)) return <Navigate to="/lms" replace />;
  return <>{children(me.data)}</>;
}
