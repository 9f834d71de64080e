import { notifications } from '@mantine/notifications';

/** A desk notification; its close button has a name screen readers can announce. */
export function notify(message: string, color?: 'green' | 'red'): void {
  notifications.show({ message, ...(color ? { color } : {}), closeButtonProps: { 'aria-label': 'Dismiss notification' } });
}
