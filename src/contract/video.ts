/**
 * Video lessons given as a YouTube or Vimeo address play in that site's player (embedded); any
 * other https URL is played by the browser as a video file (MP4 or WebM).
 */

export interface VideoEmbed {
  provider: 'YouTube' | 'Vimeo';
  /** The player's address, for an iframe. */
  embedUrl: string;
}

const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com', 'youtu.be', 'www.youtube-nocookie.com', 'youtube-nocookie.com']);
const VIMEO_HOSTS = new Set(['vimeo.com', 'www.vimeo.com', 'player.vimeo.com']);
const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether the address is on YouTube or Vimeo (a page there, not a video file). */
export function isVideoSite(url: string): boolean {
  const u = parse(url);
  return u !== null && (YOUTUBE_HOSTS.has(u.hostname.toLowerCase()) || VIMEO_HOSTS.has(u.hostname.toLowerCase()));
}

/** The embedded player of a YouTube or Vimeo video address, or null (not such an address, or not one video). */
export function videoEmbed(url: string): VideoEmbed | null {
  const u = parse(url);
  if (!u) return null;
  const host = u.hostname.toLowerCase();
  const parts = u.pathname.split('/').filter(Boolean);
  if (YOUTUBE_HOSTS.has(host)) {
    const id = host === 'youtu.be' ? parts[0] : ['embed', 'shorts', 'live', 'v'].includes(parts[0] ?? '') ? parts[1] : parts[0] === 'watch' ? u.searchParams.get('v') : null;
    if (!id || !YOUTUBE_ID.test(id)) return null;
    const start = Number.parseInt(u.searchParams.get('t') ?? u.searchParams.get('start') ?? '', 10);
    return { provider: 'YouTube', embedUrl: `https://www.youtube-nocookie.com/embed/${id}${start > 0 ? `?start=${start}` : ''}` };
  }
  if (VIMEO_HOSTS.has(host)) {
    const id = host === 'player.vimeo.com' ? (parts[0] === 'video' ? parts[1] : null) : parts[0];
    if (!id || !/^\d{5,12}$/.test(id)) return null;
    // An unlisted video's address carries its hash as the next segment (vimeo.com/123456789/abcdef0123).
    const hash = host === 'player.vimeo.com' ? u.searchParams.get('h') : parts[1];
    return { provider: 'Vimeo', embedUrl: `https://player.vimeo.com/video/${id}${hash && /^[0-9a-f]{6,20}$/i.test(hash) ? `?h=${hash}` : ''}` };
  }
  return null;
}
