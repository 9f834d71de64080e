import { useEffect, useState } from 'react';
import { readableDateTime, readableTime } from '../ui/dates.ts';
import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { joinOpen, viewerZone, type LiveClass } from './batch-time.ts';

/** The current time, refreshed every 15 seconds (for join buttons that open on time). */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** One live class: when (the viewer's time, and the batch's), the join button, the description. */
export function LiveClassCard({ liveClass: c, heading = 'h3', now }: { liveClass: LiveClass; heading?: 'h2' | 'h3'; now: number }) {
  const open = joinOpen(c, now);
  const ended = now >= Date.parse(c.endsAt);
  const zone = viewerZone();
  return (
    <Paper withBorder radius="md" p="md" component="article" aria-label={c.title} data-testid="live-class">
      <Stack gap={6}>
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <div>
            <Title order={heading === 'h2' ? 2 : 3} fz="md">
              {c.title}
            </Title>
            <Text size="sm" data-testid="live-class-when">
              {readableDateTime(c.startsAt, { weekday: true })} – {readableTime(c.endsAt)} <Text span c="gray.7">({zone})</Text>
            </Text>
            {c.timezone !== zone && (
              <Text size="sm" c="gray.7">
                Batch time: {readableDateTime(c.startsAt, { weekday: true, timeZone: c.timezone })} ({c.timezone})
              </Text>
            )}
          </div>
          {ended ? (
            <Badge variant="light" color="gray" c="gray.9">
              Ended
            </Badge>
          ) : open ? (
            <Button component="a" href={c.joinUrl} target="_blank" rel="noopener noreferrer">
              Join class
            </Button>
          ) : (
            <Button disabled title="Opens 10 minutes before the start">
              Join opens 10 min before
            </Button>
          )}
        </Group>
        {c.description && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {c.description}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
