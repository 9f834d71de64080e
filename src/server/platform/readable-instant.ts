/** "13 December 2026 at 14:00 UTC": a moment in words for messages people read (mails, errors). */
export function readableInstant(iso: string): string {
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}
