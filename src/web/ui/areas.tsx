/**
 * The two areas' code, each its own chunk: the login page does not download the desk, and so on.
 * Loading one again returns the same module, so a page may start it early (after a login, while the
 * session is checked) and the route then renders without waiting.
 */
import { useEffect, useState, type ComponentType } from 'react';
import type { Me } from './session.ts';
import { PageLoader } from './states.tsx';

type AreaFrame = ComponentType<{ me: Me }>;

/**
 * An area's frame as a component that renders at once when its code has arrived, and shows the
 * page loader (a plain render) while it has not. Not React's lazy(): it suspends on its first
 * render even for a module already loaded, and React then holds the revealed page back for up to
 * 300 ms after the fallback (so that it does not flicker), which on a cold load of My Courses was
 * most of the time to interactive. A download that fails reaches the page's error boundary.
 */
function area(load: () => Promise<{ default: AreaFrame }>) {
  let loaded: AreaFrame | null = null;
  const start = () =>
    load().then((m) => {
      loaded = m.default;
      return m;
    });
  function Area(props: { me: Me }) {
    const [state, setState] = useState<{ frame: AreaFrame | null; error: unknown }>({ frame: loaded, error: null });
    useEffect(() => {
      if (state.frame) return;
      let live = true;
      start().then(
        (m) => live && setState({ frame: m.default, error: null }),
        (error: unknown) => live && setState({ frame: null, error }),
      );
      return () => {
        live = false;
      };
    }, [state.frame]);
    if (state.error) throw state.error;
    const Frame = state.frame;
    return Frame ? <Frame {...props} /> : <PageLoader />;
  }
  return { Area, start };
}

const portal = area(() => import('../portal/PortalFrame.tsx'));
const desk = area(() => import('../desk/DeskFrame.tsx'));

export const PortalArea = portal.Area;
export const DeskArea = desk.Area;
export const loadPortal = portal.start;
export const loadDesk = desk.start;

/** Fetches the code of the area a path belongs to (nothing for other paths). */
export function preloadAreaOf(path: string): Promise<unknown> {
  if (path.startsWith('/app')) return loadDesk();
  if (path.startsWith('/lms')) return loadPortal();
  return Promise.resolve();
}
