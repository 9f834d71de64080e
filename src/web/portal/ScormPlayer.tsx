import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Badge, Box, Button, Group, Paper, Stack, Text, UnstyledButton } from '@mantine/core';
import { Scorm12API, Scorm2004API } from 'scorm-again';
import type { ScormAttempt, ScormScoAttempt } from '../../contract/scorm.ts';
import { api } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { ALERT_STYLES } from './PortalParts.tsx';
import { applyEnrollment, keys, type Enrollment } from './portal-api.ts';
import { scoStatusWords } from '../../contract/scorm-words.ts';

type RuntimeApi = Scorm12API | Scorm2004API;
type Sco = ScormAttempt['scos'][number]['sco'];

declare global {
  interface Window {
    API?: Scorm12API;
    API_1484_11?: Scorm2004API;
  }
}

const attemptKey = (lessonId: string) => ['lessons', lessonId, 'scorm-attempt'] as const;

/** Seconds as a SCORM 1.2 timespan (HHHH:MM:SS.SS) or a 2004 duration (PT#H#M#S). */
function formatTime(version: '1.2' | '2004', seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round((seconds - h * 3600 - m * 60) * 100) / 100;
  if (version === '2004') return `PT${h}H${m}M${s}S`;
  return `${String(h).padStart(4, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

/** The data a SCO starts with: where it left off, its suspend data and the time spent so far. */
function startingData(version: '1.2' | '2004', a: ScormScoAttempt | null, learner: { id: string; name: string }) {
  const resume = !!a && (a.exit === 'suspend' || a.suspendData !== '' || a.location !== '');
  if (version === '1.2') {
    return {
      core: {
        student_id: learner.id,
        student_name: learner.name,
        credit: 'credit',
        lesson_location: a?.location ?? '',
        // Left out when nothing was reported: the runtime then decides the status on LMSFinish.
        lesson_status: a && a.completionStatus !== 'unknown' && a.completionStatus !== 'not attempted' ? a.completionStatus : undefined,
        entry: resume ? 'resume' : 'ab-initio',
        total_time: formatTime('1.2', a?.totalSeconds ?? 0),
        score: a?.scoreRaw != null ? { raw: String(a.scoreRaw), min: a.scoreMin != null ? String(a.scoreMin) : '', max: a.scoreMax != null ? String(a.scoreMax) : '' } : undefined,
      },
      suspend_data: a?.suspendData ?? '',
    };
  }
  return {
    learner_id: learner.id,
    learner_name: learner.name,
    credit: 'credit',
    location: a?.location ?? '',
    completion_status: a?.completionStatus ?? 'unknown',
    success_status: a?.successStatus ?? 'unknown',
    entry: resume ? 'resume' : 'ab-initio',
    total_time: formatTime('2004', a?.totalSeconds ?? 0),
    suspend_data: a?.suspendData ?? '',
  };
}

/**
 * Plays a SCORM lesson: the package runs in a frame and finds scorm-again's window.API (1.2) or
 * window.API_1484_11 (2004) on this page. Every commit goes to PUT/POST
 * /api/lessons/:id/scorm-attempt with the SCO's id and a growing sequence number; the last commit
 * of a session (and of a page being closed) goes by navigator.sendBeacon. A package with several
 * SCOs gets a table of contents.
 */
export default function ScormPlayer({
  lessonId,
  courseId,
  learner,
  title,
  preview = false,
}: {
  lessonId: string;
  courseId: string;
  learner: { id: string; name: string };
  title: string;
  /** An author trying the lesson: the package runs, nothing is sent or kept. */
  preview?: boolean;
}) {
  const client = useQueryClient();
  const attempt = useQuery({
    queryKey: attemptKey(lessonId),
    queryFn: ({ signal }) => api.get<ScormAttempt>(`/api/lessons/${lessonId}/scorm-attempt`, { signal }),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const data = attempt.data;
  const scos = useMemo(() => data?.scos ?? [], [data]);
  // Start at the first SCO not done yet (or the first).
  const scoId = current ?? scos.find((s) => s.sco.kind === 'sco' && !s.attempt?.done)?.sco.id ?? scos[0]?.sco.id ?? null;
  const entry = scos.find((s) => s.sco.id === scoId) ?? null;

  const onCommitted = useCallback(
    (r: { attempt: ScormScoAttempt; enrollment: Enrollment; scosDone: boolean }) => {
      client.setQueryData<ScormAttempt>(attemptKey(lessonId), (old) =>
        old ? { ...old, lessonCompleted: old.lessonCompleted || r.scosDone, scos: old.scos.map((s) => (s.sco.id === r.attempt.scoId ? { ...s, attempt: r.attempt } : s)) } : old,
      );
      applyEnrollment(client, courseId, r.enrollment, r.scosDone ? lessonId : undefined);
    },
    [client, courseId, lessonId],
  );

  const onFinished = useCallback(() => {
    void client.invalidateQueries({ queryKey: attemptKey(lessonId) });
    void client.invalidateQueries({ queryKey: keys.outline(courseId) });
    void client.invalidateQueries({ queryKey: keys.myCourses });
  }, [client, courseId, lessonId]);
  // The SCO on screen stays until the learner picks another (a refreshed attempt does not move it).
  useEffect(() => {
    if (current === null && scoId !== null) setCurrent(scoId);
  }, [current, scoId]);

  if (attempt.isPending) return <PageLoader label="Loading the SCORM package…" />;
  if (attempt.isError) return <ErrorState error={attempt.error} onRetry={() => void attempt.refetch()} title="This SCORM lesson could not be loaded" />;
  if (!data || !entry) return <Text c="gray.7">This SCORM package has nothing to launch.</Text>;

  const at = scos.indexOf(entry);
  const multi = scos.length > 1;
  return (
    <Stack gap="md">
      {error && (
        <Alert styles={ALERT_STYLES} color="red" variant="light" title="Your progress could not be saved" role="alert">
          {error}
        </Alert>
      )}
      <Group align="flex-start" gap="md" wrap="wrap">
        {multi && (
          <Paper withBorder radius="lg" p="sm" style={{ flex: '0 0 260px', maxHeight: '75vh', overflowY: 'auto' }} component="nav" aria-label="Contents of the package">
            <Stack gap={2}>
              {scos.map((s) => {
                const label = scoStatusWords(s.attempt);
                const active = s.sco.id === entry.sco.id;
                return (
                  <UnstyledButton
                    key={s.sco.id}
                    onClick={() => setCurrent(s.sco.id)}
                    aria-current={active ? 'true' : undefined}
                    data-testid={`scorm-toc-${s.sco.id}`}
                    style={{ padding: '6px 8px', paddingLeft: 8 + s.sco.depth * 12, borderRadius: 8, background: active ? 'var(--mantine-color-blue-0)' : undefined }}
                  >
                    <Text size="sm" fw={active ? 600 : 400} c="gray.9">
                      {s.sco.title}
                    </Text>
                    <Text size="xs" c="gray.7">
                      {label}
                    </Text>
                  </UnstyledButton>
                );
              })}
            </Stack>
          </Paper>
        )}
        <Box style={{ flex: '1 1 480px', minWidth: 0 }}>
          <ScoFrame
            key={`${entry.sco.id}`}
            lessonId={lessonId}
            version={data.version}
            sco={entry.sco}
            packageId={data.packageId}
            stored={entry.attempt}
            learner={learner}
            title={`${title}: ${entry.sco.title}`}
            onCommitted={onCommitted}
            preview={preview}
            onError={setError}
            onFinished={onFinished}
          />
        </Box>
      </Group>
      <Group gap="sm" justify="space-between">
        <Group gap="xs">
          <Badge variant="outline" color="gray.7" c="gray.9" data-testid="scorm-status">
            {scoStatusWords(entry.attempt)}
          </Badge>
          {data.lessonCompleted && (
            <Text size="sm" c="teal.9" data-testid="scorm-lesson-complete">
              Lesson complete
            </Text>
          )}
        </Group>
        {multi && (
          <Group gap="xs">
            <Button variant="default" disabled={at <= 0} onClick={() => setCurrent(scos[at - 1]!.sco.id)}>
              Previous item
            </Button>
            <Button variant="default" disabled={at >= scos.length - 1} onClick={() => setCurrent(scos[at + 1]!.sco.id)}>
              Next item
            </Button>
          </Group>
        )}
      </Group>
    </Stack>
  );
}

function ScoFrame(props: {
  lessonId: string;
  version: '1.2' | '2004';
  sco: Sco;
  packageId: string;
  stored: ScormScoAttempt | null;
  learner: { id: string; name: string };
  title: string;
  onCommitted: (r: { attempt: ScormScoAttempt; enrollment: Enrollment; scosDone: boolean }) => void;
  preview: boolean;
  onError: (message: string | null) => void;
  onFinished: () => void;
}) {
  const { lessonId, version, sco, packageId } = props;
  const [ready, setReady] = useState(false);
  const latest = useRef(props);
  latest.current = props;

  // The runtime is made before the frame loads, and made again for each SCO.
  useLayoutEffect(() => {
    const url = `/api/lessons/${lessonId}/scorm-attempt`;
    const session = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    let last = 0;
    // Greater than every earlier commit of this learner's browser: a commit from a page closed
    // before this one opened carries a smaller number and cannot overwrite this one's.
    const nextSeq = () => (last = Math.max(Date.now() * 1000, last + 1));
    const envelope = (cmiExport: unknown) => {
      const obj = (cmiExport ?? {}) as { cmi?: unknown };
      return { scoId: sco.id, seq: nextSeq(), session, cmi: (obj.cmi ?? obj) as Record<string, unknown> };
    };
    const settings = {
      // A preview commits to nothing: scorm-again keeps the data in the page and answers "true".
      lmsCommitUrl: props.preview ? (false as const) : url,
      autocommit: true,
      autocommitSeconds: 15,
      dataCommitFormat: 'json',
      autoCompleteLessonStatus: true,
      logLevel: 'ERROR' as const,
      requestHandler: (commitObject: unknown) => envelope(commitObject),
      xhrResponseHandler: (xhr: XMLHttpRequest) => {
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            latest.current.onCommitted(JSON.parse(xhr.responseText) as { attempt: ScormScoAttempt; enrollment: Enrollment; scosDone: boolean });
            latest.current.onError(null);
          } catch {
            // A commit that was stored but answered oddly still counts as stored.
          }
          return { result: 'true', errorCode: 0 };
        }
        latest.current.onError('The last change could not be saved. Keep this page open and try again in a moment.');
        return { result: 'false', errorCode: 101 };
      },
    };
    const runtime: RuntimeApi = version === '1.2' ? new Scorm12API(settings) : new Scorm2004API(settings);
    runtime.loadFromJSON(startingData(version, latest.current.stored, latest.current.learner), '');
    if (runtime instanceof Scorm12API) {
      window.API = runtime;
      // scorm-again's default status ("not attempted") reads as set by the SCO at LMSInitialize,
      // which would keep autoCompleteLessonStatus from completing a SCO that reports no status
      // (SCORM 1.2: such a SCO counts as completed once it finishes).
      const reported = latest.current.stored?.completionStatus;
      if (!reported || reported === 'not attempted' || reported === 'unknown')
        runtime.on('LMSInitialize', () => {
          runtime.statusSetByModule = false;
        });
    } else window.API_1484_11 = runtime;

    // A finish commit goes by sendBeacon, so its answer is not seen here: read the attempt again.
    runtime.on(version === '1.2' ? 'LMSFinish' : 'Terminate', () => {
      window.setTimeout(() => latest.current.onFinished(), 500);
    });

    // Closing the page (or leaving this SCO) before the package finished: the runtime finishes the
    // session on its behalf, and that last commit goes by sendBeacon (the page may be gone before
    // an answer could arrive). Browsers that no longer fire unload in frames need this.
    const flush = () => {
      if (!runtime.isInitialized() || runtime.isTerminated()) return;
      if (runtime instanceof Scorm12API) runtime.LMSFinish('');
      else runtime.Terminate('');
    };
    window.addEventListener('pagehide', flush);
    setReady(true);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
      if (window.API === runtime) delete window.API;
      if (window.API_1484_11 === runtime) delete window.API_1484_11;
    };
  }, [lessonId, version, sco.id]);

  if (!ready) return null;
  return (
    <iframe
      src={`/scorm/${packageId}/${sco.launch}`}
      title={props.title}
      data-testid="scorm-frame"
      style={{ width: '100%', height: '75vh', border: '1px solid var(--mantine-color-gray-3)', borderRadius: 'var(--mantine-radius-lg)', background: 'white' }}
    />
  );
}
