/** Desk entities: quizzes and their submissions. */
import { IconClipboard, IconQuiz } from '../../ui/icons.tsx';
import { SubmissionAnswers } from '../submission-grading.tsx';
import { LMS_STAFF_ROLES } from '../../ui/session.ts';
import { DownloadButton, FileToRecordButton } from '../actions.tsx';
import { StatusBadge } from '../ListView.tsx';
import type { EntityMeta } from '../meta.ts';
import { wordsOf } from '../words.ts';
import { QuizOverrides } from '../QuizOverrides.tsx';
import { newQuestion, QuestionEditor, questionsFromQuiz, questionsToWire, type QuestionDraft } from '../QuestionEditor.tsx';
import { AUTHORS, USER_LINK, COURSE_LINK, QUIZ_LINK } from './shared.tsx';
import { quizOutcomeInWords, type QuizOutcome } from '../../../contract/quizzes.ts';


/** The member's result on a quiz over all attempts, as read next to one attempt. */
function quizResult(outcome: QuizOutcome | null, thisAttemptPassed: boolean): string {
  if (outcome === 'passed' && !thisAttemptPassed) return 'Passed in another attempt';
  return quizOutcomeInWords(outcome);
}

export const QUIZ_ENTITIES: EntityMeta[] = [
  {
    slug: 'lms-quiz',
    label: 'Quizzes',
    singular: 'Quiz',
    description: 'Quizzes, questions and pass marks.',
    icon: <IconQuiz size={18} />,
    section: 'Learning',
    roles: AUTHORS,
    api: { list: '/api/quizzes', update: 'PATCH', delete: true, total: true, exportCsv: '/api/quizzes/export.csv' },
    auditEntity: 'quiz',
    columns: [
      { key: 'title', label: 'Title' },
      { key: 'courseTitle', label: 'Course' },
      { key: 'questionCount', label: 'Questions', numeric: true },
      { key: 'passingPercentage', label: 'Pass %', numeric: true },
      {
        key: 'maxAttempts',
        label: 'Max attempts',
        numeric: true,
        render: (r) => (r.maxAttempts === 0 ? 'unlimited' : String(r.maxAttempts)),
      },
    ],
    filters: [
      { name: 'q', label: 'Title contains', kind: 'text' },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
    ],
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true },
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK, fixedWhen: () => true },
      { name: 'description', label: 'Description (Markdown)', kind: 'textarea' },
      { name: 'passingPercentage', label: 'Passing percentage', kind: 'number', min: 0, max: 100, required: true },
      { name: 'maxAttempts', label: 'Max attempts (0 = unlimited)', kind: 'number', min: 0, max: 1000 },
      { name: 'timeLimitMinutes', label: 'Time limit (minutes)', kind: 'number', min: 1, nullable: true },
      { name: 'shuffle', label: 'Shuffle questions and options', kind: 'boolean' },
      {
        name: 'showAnswers',
        label: 'Show answers after submit',
        kind: 'boolean',
        description: 'Learners see their answers marked right or wrong, with the correct ones, once they pass the quiz or have no attempts left (never while a retake could copy them).',
      },
      {
        name: 'opensAt',
        label: 'Opens (your time)',
        kind: 'datetime',
        nullable: true,
        description: 'Empty: open now. Learners cannot start an attempt before this.',
      },
      {
        name: 'closesAt',
        label: 'Closes (your time)',
        kind: 'datetime',
        nullable: true,
        description: 'Empty: never closes. A timed attempt started before the close may be finished within its time limit.',
      },
      {
        name: 'questions',
        label: 'Questions',
        kind: 'custom',
        wide: true,
        initial: [newQuestion()],
        fromRow: questionsFromQuiz,
        toWire: (v) => questionsToWire(v as QuestionDraft[]),
        render: (p) => <QuestionEditor {...p} />,
      },
    ],
    extras: (row) => <QuizOverrides quizId={String(row.id)} courseId={row.courseId ? String(row.courseId) : null} />,
  },
  {
    slug: 'lms-quiz-submission',
    label: 'Quiz submissions',
    singular: 'Quiz submission',
    description: 'Quiz attempts with their scores.',
    icon: <IconClipboard size={18} />,
    section: 'Learning',
    roles: [...LMS_STAFF_ROLES, 'HR Manager', 'HR User'],
    api: { list: '/api/quiz-submissions', create: false, update: false, total: true, exportCsv: '/api/quiz-submissions/export.csv' },
    auditEntity: 'quiz_submission',
    title: (r) => `${String(r.quizTitle)} — ${String(r.memberName)} (attempt ${String(r.attempt)})`,
    columns: [
      { key: 'memberName', sort: 'memberName', label: 'Member', wrap: true },
      { key: 'quizTitle', sort: 'quizTitle', label: 'Quiz', wrap: true },
      { key: 'courseTitle', label: 'Course', wrap: true },
      { key: 'attempt', sort: 'attempt', label: 'Attempt', numeric: true },
      { key: 'percentage', sort: 'percentage', label: 'Score %', numeric: true },
      { key: 'passed', label: 'Passed', render: (r) => (r.passed === null || r.passed === undefined ? '' : r.passed ? 'Yes' : 'No') },
      { key: 'status', label: 'Status', render: (r) => <StatusBadge value={r.status as string} /> },
      // The member's result on the quiz over all their attempts, which this attempt may not be.
      { key: 'memberOutcome', label: 'Quiz result', wrap: true, render: (r) => quizResult((r.memberOutcome as QuizOutcome | null) ?? null, r.passed === true) },
    ],
    filters: [
      { name: 'courseId', label: 'Course', kind: 'link', link: COURSE_LINK },
      { name: 'quizId', label: 'Quiz', kind: 'link', link: QUIZ_LINK },
      { name: 'memberId', label: 'Member', kind: 'link', link: USER_LINK },
      { name: 'passed', label: 'Passed', kind: 'boolean' },
      { name: 'status', label: 'Status', kind: 'select', options: ['pending_review', 'graded', 'in_progress', 'expired'] },
    ],
    fields: [
      { name: 'memberName', label: 'Member', kind: 'text', readOnly: true },
      { name: 'quizTitle', label: 'Quiz', kind: 'text', readOnly: true },
      { name: 'courseTitle', label: 'Course', kind: 'text', readOnly: true },
      { name: 'attempt', label: 'Attempt', kind: 'number', readOnly: true },
      {
        name: 'score',
        label: 'Score',
        kind: 'text',
        readOnly: true,
        display: (r) => (r.status === 'graded' ? `${String(r.score)} of ${String(r.maxScore)} marks` : '—'),
      },
      { name: 'percentage', label: 'Percentage', kind: 'text', readOnly: true, display: (r) => (r.percentage === null || r.percentage === undefined ? '—' : `${String(r.percentage)}%`) },
      {
        name: 'passed',
        label: 'Result',
        kind: 'text',
        readOnly: true,
        display: (r) => (r.passed === true ? 'Passed' : r.passed === false ? 'Not passed' : r.status === 'pending_review' ? 'Waiting for a grader' : '—'),
      },
      { name: 'status', label: 'Status', kind: 'text', readOnly: true, display: (r) => wordsOf(String(r.status)) },
      { name: 'submittedAt', label: 'Submitted at', kind: 'text', readOnly: true },
    ],
    // The answers; open ones waiting for a grader are graded here.
    extras: (row, { refresh }) => <SubmissionAnswers row={row} refresh={refresh} />,
    actions: (row) => (
      <>
        <DownloadButton
          url={`/api/quiz-submissions/${encodeURIComponent(String(row.id))}/report.pdf`}
          fileName="quiz-submission-report.pdf"
          label="Download report PDF"
        />
        <FileToRecordButton kind="quiz-submission" id={String(row.id)} />
      </>
    ),
  },
];
