import '@mantine/core/styles.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { setNonce } from 'get-nonce';
import { ApiError, takeUpPreloads } from './ui/api.ts';
import { AppRoutes } from './routes.tsx';
import { ME_KEY } from './ui/session.ts';
import { cssVariablesResolver, theme } from './theme.ts';

// The requests the server named in the page are already on their way: keep their answers for the
// pages about to ask (who is logged in, My Courses).
takeUpPreloads();

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    // A session that ended (expired, logged out elsewhere) shows up as a 401 on any page's data:
    // forget the user, and RequireAuth sends them to the login page and back here afterwards.
    onError: (error, query) => {
      if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== ME_KEY[0]) queryClient.setQueryData(ME_KEY, null);
    },
  }),
  defaultOptions: {
    queries: {
      // A 4xx answer will not change by asking again; network trouble and 5xx get two more tries.
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});

/** The response's style nonce: the page's CSP accepts the <style> elements Mantine writes only with it. */
const styleNonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';

// The scroll lock of Mantine's modals and menus (react-remove-scroll) writes its <style> with this nonce.
setNonce(styleNonce);
// zod probes `new Function` for its fast path; the CSP (no unsafe-eval) refuses it, and reports each try.
// Its settings live in one global object that every part of zod reads and keeps when it exists
// already (zod/v4/core: `globalThis.__zod_globalConfig ??= {}`): set here, before any page's code
// builds a schema, without bringing zod itself into the first download (only some pages use it).
(globalThis as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig = { jitless: true };

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');

createRoot(root).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="light"
      getStyleNonce={() => styleNonce}
    >
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
