import { useEffect } from 'react';

/** Sets the browser tab title for the current page ("Catalog · Smooth LMS"). */
export function useTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · Smooth LMS` : 'Smooth LMS';
  }, [title]);
}
