/**
 * Code loaded on demand: the two areas, each its own chunk (the login page does not download the
 * desk, and so on), and the pages inside them. Loading a module again returns the same module, so a
 * page may start it early (after a login, while the session is checked) and the route then renders
 * without waiting.
 */
import { useEffect, useState, type ComponentProps, type ComponentType } from 'react';
import { PageLoader } from './states.tsx';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any component, as with React's lazy()
type AnyComponent = ComponentType<any>;

/** A component whose code is downloaded when it is first rendered, or earlier with `start()`. */
export type Loadable<C extends AnyComponent> = C & { start: () => Promise<C> };

/**
 * A component that renders at once when its module has arrived, and shows the page loader (a plain
 * render) while it has not. Not React's lazy(): it suspends on its first render even for a module
 * already loaded, and React then holds the revealed page back for up to 300 ms after the fallback
 * (so that it does not flicker), which on a cold load of My Courses was most of the time to
 * interactive. A download that fails reaches the page's error boundary.
 */
export function loadable<C extends AnyComponent>(load: () => Promise<{ default: C }>): Loadable<C> {
  let loaded: C | null = null;
  let loading: Promise<C> | null = null;
  const start = () =>
    (loading ??= load().then(
      (m) => (loaded = m.default),
      (error: unknown) => {
        loading = null;
        throw error;
      },
    ));
  function Loaded(props: ComponentProps<C>) {
    const [state, setState] = useState<{ component: C | null; error: unknown }>({ component: loaded, error: null });
    // The download starts with the first render, not after the commit of the loader.
    const pending = state.component || state.error ? null : start();
    useEffect(() => {
      if (!pending) return;
      let live = true;
      pending.then(
        (component) => live && setState({ component, error: null }),
        (error: unknown) => live && setState({ component: null, error }),
      );
      return () => {
        live = false;
      };
    }, [pending]);
    if (state.error) throw state.error;
    const Component = state.component;
    return Component ? <Component {...props} /> : <PageLoader />;
  }
  return Object.assign(Loaded, { start }) as unknown as Loadable<C>;
}

export const PortalArea = loadable(() => import('../portal/PortalFrame.tsx'));
export const DeskArea = loadable(() => import('../desk/DeskFrame.tsx'));
export const loadPortal = PortalArea.start;
export const loadDesk = DeskArea.start;

/** Fetches the code of the area a path belongs to (nothing for other paths). */
export function preloadAreaOf(path: string): Promise<unknown> {
  if (path.startsWith('/app')) return loadDesk();
  if (path.startsWith('/lms')) return loadPortal();
  return Promise.resolve();
}
