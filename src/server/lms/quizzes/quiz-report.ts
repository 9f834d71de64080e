/**
 * The two assessment PDFs HR files for audits: the Quiz Submission Report (one attempt) and the
 * Course Quiz PDF (every quiz of one enrollment's course, best and latest attempts). Data comes
 * from quiz.service.ts (which applies the access rules); this file only lays it out, and the
 * render threads (the certificates' pool, same time bound) turn the layout into the PDF.
 */
import type { Actor, AppContext } from '../../context.ts';
import { reportFooter, type PdfContent, type PdfDocDefinition } from '../../platform/pdf.ts';
import { renderDocumentPdf } from '../certificates/index.ts';
import type { Submission } from '../../../contract/quizzes.ts';
import { courseQuizReportData, submissionReportData, type CourseQuizReportData, type ReportPerson, type SubmissionReportData } from './submission.service.ts';
import { readableStamp } from '../../platform/readable-instant.ts';
import { markdownToPlainText } from '../../platform/markdown.ts';
import { scoStatusWords, timeSpentWords } from '../../../contract/scorm-words.ts';

type Answer = Submission['answers'][number];

/** The layouts below run on the render threads (lms/certificates render pool), loaded from here. */
const THIS_MODULE = import.meta.url;

const GREY = '#666666';
const LINE = '#cccccc';
const HEAD_FILL = '#eeeeee';

export function duration(seconds: number | null): string {
  return seconds === null ? '—' : timeSpentWords(seconds);
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function resultText(s: Pick<Submission, 'status' | 'passed'>): string {
  if (s.status === 'pending_review') return 'Pending review';
  if (s.status === 'expired') return 'Expired';
  return s.passed ? 'Passed' : 'Failed';
}

function given(a: Answer): string {
  if (a.options) {
    const picked = (a.givenChoice ?? []).map((i) => a.options?.[i]?.text ?? `#${i}`);
    return picked.length ? picked.join('\n') : '(no answer)';
  }
  const t = (a.givenText ?? '').trim();
  return t ? t : '(no answer)';
}

function correctAnswer(a: Answer): string {
  if (a.kind === 'open') return a.comment ? `Graded by a person: ${a.comment}` : 'Graded by a person';
  if (a.options) return a.options.filter((o) => o.correct).map((o) => o.text).join('\n');
  return (a.acceptedAnswers ?? []).join(' / ');
}

function markCell(a: Answer): string {
  return a.awardedMarks === null || a.awardedMarks === undefined ? `– / ${num(a.marks)}` : `${num(a.awardedMarks)} / ${num(a.marks)}`;
}

const tableLayout = {
  hLineWidth: () => 0.5,
  vLineWidth: () => 0.5,
  hLineColor: () => LINE,
  vLineColor: () => LINE,
  paddingTop: () => 3,
  paddingBottom: () => 3,
};

function keyValues(rows: [string, string][]): PdfContent {
  return {
    layout: 'noBorders',
    margin: [0, 0, 0, 8],
    table: { widths: [110, '*'], body: rows.map(([k, v]) => [{ text: k, color: GREY }, { text: v }]) },
  };
}

function personRows(p: ReportPerson): [string, string][] {
  const rows: [string, string][] = [
    ['Learner', p.fullName],
    ['Email', p.email],
  ];
  if (p.details) {
    rows.push(['Employee code', p.details.employeeCode ?? '—']);
    rows.push(['Department', p.details.department ?? '—']);
    rows.push(['Designation', p.details.designation ?? '—']);
  }
  return rows;
}

function heading(organisation: string, title: string): PdfContent[] {
  return [
    { text: organisation, style: 'org' },
    { text: title, style: 'title' },
  ];
}

/** The question table of one attempt; without answers visible it shows only what was given. */
function questionsTable(s: Submission, answersVisible: boolean): PdfContent {
  const head = answersVisible
    ? ['#', 'Question', 'Given answer', 'Correct answer', 'Marks']
    : ['#', 'Question', 'Given answer'];
  const widths = answersVisible ? [16, '*', 110, 110, 44] : [16, '*', 160];
  const body: PdfContent[][] = [head.map((h) => ({ text: h, bold: true, fillColor: HEAD_FILL }))];
  for (const a of [...s.answers].sort((x, y) => x.position - y.position)) {
    const row: PdfContent[] = [String(a.position + 1), markdownToPlainText(a.text), given(a)];
    if (answersVisible) {
      row.push(correctAnswer(a));
      const ok = a.correct === true;
      row.push({ text: markCell(a), alignment: 'right', color: a.correct === null || a.correct === undefined ? '#000000' : ok ? '#1b7a33' : '#b3261e' });
    }
    body.push(row);
  }
  return { layout: tableLayout, fontSize: 9, table: { headerRows: 1, dontBreakRows: true, widths, body } };
}

function scoreBlock(s: Submission, passingPercentage: number): PdfContent {
  return keyValues([
    ['Score', `${num(s.score)} / ${num(s.maxScore)}`],
    ['Percentage', s.percentage === null ? 'pending review' : `${num(s.percentage)}%`],
    ['Passing mark', `${num(passingPercentage)}%`],
    ['Result', resultText(s)],
  ]);
}

const STYLES = {
  org: { fontSize: 10, color: GREY },
  title: { fontSize: 16, bold: true, margin: [0, 2, 0, 10] },
  h2: { fontSize: 12, bold: true, margin: [0, 10, 0, 4] },
};

export function submissionReportDoc(d: SubmissionReportData): PdfDocDefinition {
  const s = d.submission;
  return {
    info: { title: `Quiz Submission Report — ${d.quizTitle} — ${d.person.fullName}`, subject: d.documentId },
    footer: reportFooter(d.documentId, d.generatedAt),
    styles: STYLES,
    content: [
      ...heading(d.organisation, 'Quiz Submission Report'),
      keyValues([
        ...personRows(d.person),
        ['Course', d.courseTitle ?? '—'],
        ['Quiz', d.quizTitle],
        ['Submitted', readableStamp(s.submittedAt)],
        ['Attempt', s.preview ? `Preview ${s.attempt} (an author trying the quiz out; not a learner record)` : String(s.attempt)],
        ['Duration', duration(s.timeTakenSeconds)],
      ]),
      scoreBlock(s, d.passingPercentage),
      { text: 'Questions', style: 'h2' },
      questionsTable(s, d.answersVisible),
      ...(s.gradedBy && s.gradedAt ? [{ text: `Open answers graded ${readableStamp(s.gradedAt)}.`, color: GREY, fontSize: 8, margin: [0, 6, 0, 0] }] : []),
    ],
  };
}

function pct(s: Submission | null): string {
  if (!s) return '—';
  return s.percentage === null ? 'pending' : `${num(s.percentage)}%`;
}

export function courseQuizReportDoc(d: CourseQuizReportData): PdfDocDefinition {
  const summary: PdfContent[][] = [
    ['Quiz', 'Attempts', 'Best', 'Latest', 'Pass mark', 'Result'].map((h) => ({ text: h, bold: true, fillColor: HEAD_FILL })),
    ...d.quizzes.map((q) => [
      q.title,
      { text: String(q.attempts), alignment: 'right' },
      { text: pct(q.best), alignment: 'right' },
      { text: pct(q.latest), alignment: 'right' },
      { text: `${num(q.passingPercentage)}%`, alignment: 'right' },
      q.best ? resultText(q.best) : q.latest ? resultText(q.latest) : 'Not taken',
    ]),
  ];
  const passed = d.quizzes.filter((q) => q.best?.passed).length;
  const sections: PdfContent[] = d.quizzes.flatMap((q) => {
    const shown = q.best ?? q.latest;
    if (!shown) return [{ text: q.title, style: 'h2' }, { text: 'Not taken.', color: GREY }];
    const label = q.best ? 'best attempt' : 'latest attempt';
    return [
      { text: q.title, style: 'h2' },
      {
        text: `${label[0]!.toUpperCase()}${label.slice(1)}: attempt ${shown.attempt}, submitted ${readableStamp(shown.submittedAt)}, duration ${duration(shown.timeTakenSeconds)}, score ${num(shown.score)} / ${num(shown.maxScore)} (${pct(shown)}), ${resultText(shown).toLowerCase()}.`,
        margin: [0, 0, 0, 4],
      },
      questionsTable(shown, d.answersVisible || shown.answersVisible),
    ];
  });
  return {
    info: { title: `Course Quiz Report — ${d.courseTitle} — ${d.person.fullName}`, subject: d.documentId },
    footer: reportFooter(d.documentId, d.generatedAt),
    styles: STYLES,
    content: [
      ...heading(d.organisation, 'Course Quiz Report'),
      keyValues([
        ...personRows(d.person),
        ['Course', d.courseTitle],
        ['Enrolled', readableStamp(d.enrollment.createdAt)],
        ['Progress', `${d.enrollment.progress}%${d.enrollment.completedAt ? ` (completed ${readableStamp(d.enrollment.completedAt)})` : ''}`],
        ['Quizzes passed', `${passed} of ${d.quizzes.length}`],
      ]),
      { text: 'Summary', style: 'h2' },
      { layout: tableLayout, fontSize: 9, table: { headerRows: 1, widths: ['*', 56, 50, 50, 56, 70], body: summary } },
      ...sections,
      ...scormSection(d.scorm),
    ],
  };
}

/** The SCORM lessons' items with the member's status, score and time (what the package last reported). */
function scormSection(rows: CourseQuizReportData['scorm']): PdfContent[] {
  if (!rows.length) return [];
  const body: PdfContent[][] = [
    ['Lesson', 'Item', 'Status', 'Score', 'Time', 'Last reported'].map((h) => ({ text: h, bold: true, fillColor: HEAD_FILL })),
    ...rows.map((r) => {
      const status = scoStatusWords(r.reported ? r : null);
      const score = r.scoreRaw !== null ? `${num(r.scoreRaw)}${r.scoreMax !== null ? ` / ${num(r.scoreMax)}` : ''}` : r.scoreScaled !== null ? `${num(r.scoreScaled * 100)}%` : '—';
      return [r.lessonTitle, r.scoTitle, status, { text: score, alignment: 'right' }, { text: r.reported ? duration(r.totalSeconds) : '—', alignment: 'right' }, readableStamp(r.lastReportedAt)] as PdfContent[];
    }),
  ];
  const lessons = new Map(rows.map((r) => [r.lessonId, r.lessonCompleted]));
  const complete = [...lessons.values()].filter(Boolean).length;
  return [
    { text: 'SCORM lessons', style: 'h2' },
    { text: `${complete} of ${lessons.size} SCORM lesson${lessons.size === 1 ? '' : 's'} complete. Each item shows what its package last reported.`, margin: [0, 0, 0, 4] },
    { layout: tableLayout, fontSize: 9, table: { headerRows: 1, widths: ['*', '*', 70, 50, 60, 80], body } },
  ];
}

function fileSafe(s: string): string {
  return s.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '').slice(0, 60) || 'report';
}

export async function quizSubmissionPdf(ctx: AppContext, actor: Actor, submissionId: string): Promise<{ pdf: Buffer; filename: string }> {
  const data = await submissionReportData(ctx, actor, submissionId);
  const pdf = await renderDocumentPdf(ctx, THIS_MODULE, 'submissionReportDoc', data, 'The quiz submission report');
  return { pdf, filename: `quiz-report-${fileSafe(data.person.fullName)}-${fileSafe(data.quizTitle)}-attempt-${data.submission.attempt}.pdf` };
}

export async function courseQuizPdf(ctx: AppContext, actor: Actor, enrollmentId: string): Promise<{ pdf: Buffer; filename: string }> {
  const data = await courseQuizReportData(ctx, actor, enrollmentId);
  const pdf = await renderDocumentPdf(ctx, THIS_MODULE, 'courseQuizReportDoc', data, 'The course quiz report');
  return { pdf, filename: `course-quiz-report-${fileSafe(data.person.fullName)}-${fileSafe(data.courseTitle)}.pdf` };
}
