import { Component, type ReactNode } from 'react';
import { Link, Route, Routes, useLocation } from 'react-router';
import { Button, Center, Stack, Text, Title } from '@mantine/core';
import HomeRedirect from './pages/HomeRedirect.tsx';
import { errorMessage } from './ui/api.ts';
import { DeskArea, loadable, loadDesk, loadPortal, PortalArea } from './ui/areas.tsx';
import { RequireAuth } from './ui/RequireAuth.tsx';

const SetupPage = loadable(() => import('./pages/SetupPage.tsx'));
const LoginPage = loadable(() => import('./pages/LoginPage.tsx'));
const ForgotPasswordPage = loadable(() => import('./pages/ForgotPasswordPage.tsx'));
const SetPasswordPage = loadable(() => import('./pages/SetPasswordPage.tsx'));
const CertificateVerifyPage = loadable(() => import('./portal/CertificateVerifyPage.tsx'));

// Opening a portal or desk URL directly: fetch that area's code while the session is checked,
// not after.
if (window.location.pathname.startsWith('/lms')) void loadPortal();
else if (window.location.pathname.startsWith('/app')) void loadDesk();

/** Shown when a page crashes or its code cannot be downloaded (e.g. after an upgrade). */
function RouteError({ error }: { error: unknown }) {
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

/**
 * Catches a page that crashed (or whose code could not be downloaded) and shows RouteError instead;
 * opening another page clears it.
 */
class PageErrorBoundary extends Component<{ pathname: string; children: ReactNode }, { error: unknown; at: string | null }> {
  override state: { error: unknown; at: string | null } = { error: null, at: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  static getDerivedStateFromProps(props: { pathname: string }, state: { error: unknown; at: string | null }) {
    if (state.at === null && state.error !== null) return { at: props.pathname };
    if (state.at !== null && state.at !== props.pathname) return { error: null, at: null };
    return null;
  }

  override render() {
    return this.state.error !== null ? <RouteError error={this.state.error} /> : this.props.children;
  }
}

/**
 * The pages of the app. Declared routes inside a BrowserRouter (main.tsx): the app loads its data
 * with TanStack Query, so the router's data APIs (loaders, actions) and their code are left out.
 */
export function AppRoutes() {
  const { pathname } = useLocation();
  return (
    <PageErrorBoundary pathname={pathname}>
      <Routes>
        <Route path="/" element={<HomeRedirect />} />
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        {/* Public: the page of an invitation or password reset link (the person has no session yet). */}
        <Route path="/lms/set-password" element={<SetPasswordPage />} />
        {/* Public: anyone holding a verification link may check a certificate without logging in. */}
        <Route path="/lms/certificates/verify/:code" element={<CertificateVerifyPage />} />
        <Route path="/lms/*" element={<RequireAuth>{(me) => <PortalArea me={me} />}</RequireAuth>} />
        <Route path="/app/*" element={<RequireAuth staff>{(me) => <DeskArea me={me} />}</RequireAuth>} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </PageErrorBoundary>
  );
}
