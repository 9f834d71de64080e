import { Navigate } from 'react-router';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { homeOf, useMe, useSetupStatus } from '../ui/session.ts';

/** `/`: setup while no user exists, else the user's home, else the login page. */
export default function HomeRedirect() {
  const setup = useSetupStatus();
  const me = useMe();
  if (setup.isPending || (setup.data && !setup.data.needed && me.isPending)) return <PageLoader />;
  if (setup.isError) return <ErrorState error={setup.error} onRetry={() => void setup.refetch()} />;
  if (setup.data.needed) return <Navigate to="/setup" replace />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (me.data) return <Navigate to={homeOf(me.data)} replace />;
  return <Navigate to="/login" replace />;
}
