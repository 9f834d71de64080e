/**
 * The two areas' code, each its own chunk: the login page does not download the desk, and so on.
 * Loading one again returns the same module, so a page may start it early (after a login, while the
 * session is checked) and the route then renders without waiting.
 */
export const loadPortal = () => import('../portal/PortalFrame.tsx');
export const loadDesk = () => import('../desk/DeskFrame.tsx');

/** Fetches the code of the area a path belongs to (nothing for other paths). */
export function preloadAreaOf(path: string): Promise<unknown> {
  if (path.startsWith('/app')) return loadDesk();
  if (path.startsWith('/lms')) return loadPortal();
  return Promise.resolve();
}
