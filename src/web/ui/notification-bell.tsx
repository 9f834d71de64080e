/** The notifications bell of the portal's and the desk's headers, with the unread count. */
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ActionIcon, Indicator } from '@mantine/core';
import { api } from './api.ts';
import { IconBell } from './icons.tsx';

/** The unread count's query key (reading or marking a notification refreshes it). */
export const UNREAD_COUNT_KEY = ['me', 'notifications', 'unread-count'] as const;

/** The bell's number: refreshed every minute and when the window gets focus. */
export function useUnreadCount() {
  return useQuery({
    queryKey: UNREAD_COUNT_KEY,
    queryFn: ({ signal }) => api.get<{ count: number }>('/api/me/notifications/unread-count', { signal }).then((r) => r.count),
    refetchInterval: 60_000,
  });
}

/** The bell: a link to the notifications with the unread count (said in words to screen readers). */
export function NotificationBell() {
  const unread = useUnreadCount();
  const n = unread.data ?? 0;
  return (
    // In the portal, on phones (the links are in the menu) and from 1200 px; tablets' headers have no
    // room for it between the links (they reach it from Profile): app.css, .notification-bell.
    <Indicator label={n > 99 ? '99+' : n} size={18} disabled={n === 0} color="red.8" offset={4} className="notification-bell">
      <ActionIcon
        component={Link}
        to="/lms/notifications"
        variant="subtle"
        color="gray"
        size={36}
        aria-label={n === 0 ? 'Notifications, none unread' : `Notifications, ${n} unread`}
        data-testid="notification-bell"
      >
        <IconBell size={20} />
      </ActionIcon>
    </Indicator>
  );
}
