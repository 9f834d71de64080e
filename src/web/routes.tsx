import { lazy, Suspense } from 'react';
import { createBrowserRouter, Link, Outlet, useRouteError } from 'react-router';
import { Button, Center, Stack, Text, Title } from '@mantine/core';
import HomeRedirect from './pages/HomeRedirect.tsx';
import { errorMessage } from './ui/api.ts';
import { loadDesk, loadPortal } from './ui/areas.ts';
import { RequireAuth } from './ui/RequireAuth.tsx';
import { PageLoader } from './ui/states.tsx';

const SetupPage = lazy(() => import('./pages/SetupPage.tsx'));
const LoginPage = lazy(() => import('./pages/LoginPage.tsx'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage.tsx'));
const SetPasswordPage = lazy(() => import('./pages/SetPasswordPage.tsx'));
const PortalFrame = lazy(loadPortal);
const DeskFrame = lazy(loadDesk);
const CertificateVerifyPage = lazy(() => import('./portal/CertificateVerifyPage.tsx'));

// Opening a portal or desk URL directly: fetch that area's code while the session is checked,
// not after.
if (window.location.pathname.startsWith('/lms')) void loadPortal();
else if (window.location.pathname.startsWith('/app')) void loadDesk();

function Root() {
  return (
    <Suspense fallback={<PageLoader />}>
      <Outlet />
    </Suspense>
  );
}

/** Shown when a page crashes or its code cannot be downloaded (e.g. after an upgrade). */
function RouteError() {
  const error = useRouteError();
  return (
    <Center component="main" mih="100vh" p="md">
      <Stack align="center" gap="sm" maw={480} ta="center">
        <Title order={1} fz={24}>
          Something went wrong
        </Title>
        <Text c="gray.7">{errorMessage(error)}</Text>
        <Button onClick={() => window.location.reload()}>Reload the page</Button>
      </Stack>
    </Center>
  );
}

function NotFound() {
  return (
    <Center component="main" mih="100vh" p="md">
      <Stack align="center" gap="sm" maw={480} ta="center">
        <Title order={1} fz={24}>
          Page not found
        </Title>
        <Text c="gray.7">The link may be old or mistyped.</Text>
        <Button component={Link} to="/">
          Go to Smooth LMS
        </Button>
      </Stack>
    </Center>
  );
}

export const router = createBrowserRouter([
  {
    element: <Root />,
    errorElement: <RouteError />,
    children: [
      { path: '/', element: <HomeRedirect /> },
      { path: '/setup', element: <SetupPage /> },
      { path: '/login', element: <LoginPage /> },
      { path: '/forgot-password', element: <ForgotPasswordPage /> },
      // Public: the page of an invitation or password reset link (the person has no session yet).
      { path: '/lms/set-password', element: <SetPasswordPage /> },
      // Public: anyone holding a verification link may check a certificate without logging in.
      { path: '/lms/certificates/verify/:code', element: <CertificateVerifyPage /> },
      { path: '/lms/*', element: <RequireAuth>{(me) => <PortalFrame me={me} />}</RequireAuth> },
      {
        path: '/app/*',
        element: <RequireAuth staff>{(me) => <DeskFrame me={me} />}</RequireAuth>,
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
