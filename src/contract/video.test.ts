import { describe, expect, it } from 'vitest';
import { isVideoSite, videoEmbed } from './video.ts';

describe('video addresses', () => {
  it('finds the player of a YouTube or Vimeo video in the addresses people copy', () => {
    const cases: [string, string | null][] = [
      ['https://www.youtube.com/watch?v=dQw4w9WgXcQ', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'],
      ['https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1&t=90', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90'],
      ['https://youtu.be/dQw4w9WgXcQ?t=42', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=42'],
      ['https://m.youtube.com/shorts/dQw4w9WgXcQ', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'],
      ['https://www.youtube.com/embed/dQw4w9WgXcQ', 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'],
      ['https://vimeo.com/76979871', 'https://player.vimeo.com/video/76979871'],
      ['https://vimeo.com/76979871/8272103f6e', 'https://player.vimeo.com/video/76979871?h=8272103f6e'],
      ['https://player.vimeo.com/video/76979871', 'https://player.vimeo.com/video/76979871'],
      // Pages of those sites that are not one video, and look-alike hosts.
      ['https://www.youtube.com/@SafetyChannel/videos', null],
      ['https://www.youtube.com/playlist?list=PL123', null],
      ['https://www.youtube.com/watch?v=<script>', null],
      ['https://vimeo.com/channels/staffpicks', null],
      ['https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ', null],
      ['https://videos.example.com/ladder-safety.mp4', null],
    ];
    for (const [url, embed] of cases) expect(videoEmbed(url)?.embedUrl ?? null, url).toBe(embed);
    expect(isVideoSite('https://www.youtube.com/@SafetyChannel')).toBe(true);
    expect(isVideoSite('https://youtube.com.evil.example/watch')).toBe(false);
    expect(isVideoSite('not a url')).toBe(false);
  });
});
