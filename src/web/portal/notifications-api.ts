import { UNREAD_COUNT_KEY } from '../ui/notification-bell.tsx';

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
  unread: UNREAD_COUNT_KEY,
  list: ['me', 'notifications'] as const,
  preferences: ['me', 'notification-preferences'] as const,
};


const LINK_LINE = /^[ \t]*\[([^\]]*)\]\([^)]*\)[ \t]*$/gm;

/**
 * A notification's body as plain words: Markdown emphasis and links reduced to their text, and a
 * line that is only a link left out (the card shows that link itself: see linkLabel).
 */
export function plainText(markdown: string): string {
  return markdown
    .replace(LINK_LINE, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*([^*]*)\*\*/g, '$1')
    .replace(/https?:\/\/\S+/g, '')
    .trim();
}

/** The words of the body's last link on a line of its own ("Start the course"), for the card's link; else "Open". */
export function linkLabel(markdown: string): string {
  const labels = [...markdown.matchAll(LINK_LINE)].map((m) => (m[1] ?? '').trim()).filter(Boolean);
  return labels[labels.length - 1] ?? 'Open';
}
