import { useQuery } from '@tanstack/react-query';
import { api } from '../ui/api.ts';

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationPreferences {
  email: boolean;
  digest: 'off' | 'daily';
}

export const notificationKeys = {
  unread: ['me', 'notifications', 'unread-count'] as const,
  list: ['me', 'notifications'] as const,
  preferences: ['me', 'notification-preferences'] as const,
};

/** The bell's number: refreshed every minute and when the window gets focus. */
export function useUnreadCount() {
  return useQuery({
    queryKey: notificationKeys.unread,
    queryFn: ({ signal }) => api.get<{ count: number }>('/api/me/notifications/unread-count', { signal }).then((r) => r.count),
    refetchInterval: 60_000,
  });
}

/** A notification's body as plain words: Markdown emphasis and links reduced to their text. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]*)\*\*/g, '$1')
    .replace(/https?:\/\/\S+/g, '')
    .trim();
}
