import type { Actor, AppContext } from './context.ts';
import { today } from './db/dialect.ts';
import { errors } from './http/errors.ts';
import { createUser, normalizeEmail } from './platform/users.service.ts';
import { updateSettings } from './platform/settings.service.ts';
import { createEmployee } from './hr/employees/index.ts';
import { createOnboardings } from './hr/onboarding/index.ts';
import { addDays } from './hr/index.ts';
import { createChapter, createCourse, createLesson } from './lms/courses/index.ts';
import { createQuiz, submitQuiz } from './lms/quizzes/index.ts';
import { adminEnroll, completeLesson, selfEnroll } from './lms/enrollments/index.ts';
import { createCoupon } from './lms/payments/index.ts';
import { seedDemoHrRecords } from './demo-seed-hr.ts';
import { seedDemoRenewals } from './demo-seed-renewal.ts';
import { table } from './cli-common.ts';
import { LEARNERS, learnerEmail, STAFF } from './demo-seed-people.ts';
import { COURSES, type DemoCourse } from './demo-seed-courses.ts';
import { CreateCourseBody, CreateLessonBody } from '../contract/courses.ts';
import { CreateQuizBody } from '../contract/quizzes.ts';
import { CreateEmployeeBody } from '../contract/employees.ts';
import { CreateUserBody } from '../contract/users.ts';
import { CreateCouponBody } from '../contract/payments.ts';
import type { Role } from '../contract/roles.ts';

/**
 * `smooth seed --demo`: a realistic demo organisation built through the real services (so every
 * rule, hook and audit entry applies): staff logins, ~30 learners linked to employees in
 * departments, compliance courses with Markdown lessons and quizzes, onboardings (mandatory
 * enrollments + training assignments, some overdue), self/admin enrollments and progress from 0
 * to 100 % (completed courses issue their certificates through the enrollment.completed hook).
 */

export const DEMO_PASSWORD = 'demo-password-2026';
export const DEMO_NOT_EMPTY = 'the database is not empty; seed --demo only fills an empty database';

export interface DemoLogin {
  role: string;
  email: string;
  password: string;
}

export interface DemoSeedResult {
  logins: DemoLogin[];
  counts: Record<string, number>;
}

/** The demo organisation's name: on certificates, reports, mails and the portal's header. */
export const DEMO_ORGANISATION = 'Meridian Logistics';

interface BuiltCourse {
  def: DemoCourse;
  id: string;
  /** Text lessons in course order. */
  textLessons: string[];
  quizId: string | null;
  /** Question ids in the order of `def.quiz.questions`. */
  questionIds: string[];
}

function actorFor(id: string, roles: Role[]): Actor {
  return { id, roles: new Set(roles) };
}

/** The answers to a demo quiz: all correct, or the first option / a wrong text everywhere. */
function answersFor(course: BuiltCourse, correct: boolean) {
  return course.def.quiz!.questions.map((q, i) => {
    const questionId = course.questionIds[i]!;
    if (q.kind === 'text') return { questionId, text: correct ? q.answers![0]! : 'I do not know' };
    const options = q.options ?? [];
    const right = options.flatMap((o, index) => (o.correct ? [index] : []));
    const wrong = options.flatMap((o, index) => (o.correct ? [] : [index]));
    return { questionId, choice: correct ? right : wrong.slice(0, 1) };
  });
}

/** The seed's steps, in order, as `onStep` names them (the command prints them as it goes). */
export const DEMO_STEPS = [
  'People and their logins',
  'Departments, designations and employees',
  'Courses, lessons and quizzes',
  'Onboardings and mandatory training',
  'HR documents and compliance records',
  'Enrollments and their progress',
  'A year on: certificates due for renewal',
] as const;

/**
 * Seeds the demo organisation; refuses (409 DATABASE_NOT_EMPTY, nothing written) when any course or
 * demo login exists. `onStep` hears each step as it starts (its number from 1 and its words).
 */
export async function seedDemo(ctx: AppContext, onStep: (n: number, step: string) => void = () => {}): Promise<DemoSeedResult> {
  const step = (n: number) => onStep(n, DEMO_STEPS[n - 1]!);
  const course = await ctx.db.selectFrom('courses').select('id').limit(1).executeTakeFirst();
  const learnerEmails = LEARNERS.map(([name]) => learnerEmail(name));
  const allEmails = [...STAFF.map((s) => s.email), ...learnerEmails].map(normalizeEmail);
  const clash = await ctx.db.selectFrom('users').select('email').where('email', 'in', allEmails).limit(1).executeTakeFirst();
  if (course || clash) throw errors.conflict('DATABASE_NOT_EMPTY', DEMO_NOT_EMPTY);

  const operator: Actor = { id: null, roles: new Set(['System Manager']) };
  const logins: DemoLogin[] = [];

  // --- Users -----------------------------------------------------------------------------
  step(1);
  const staff = new Map<Role, string>();
  for (const s of STAFF) {
    const input = CreateUserBody.parse({ email: s.email, fullName: s.fullName, password: DEMO_PASSWORD, roles: [s.role] });
    const user = await createUser(ctx, operator, input);
    staff.set(s.role, user.id);
    logins.push({ role: s.role, email: user.email, password: DEMO_PASSWORD });
  }
  const admin = actorFor(staff.get('System Manager')!, ['System Manager']);
  const creator = actorFor(staff.get('Course Creator')!, ['Course Creator']);
  const hr = actorFor(staff.get('HR Manager')!, ['HR Manager']);
  await updateSettings(ctx, admin, { organisationName: DEMO_ORGANISATION });

  const learners: { userId: string; email: string; fullName: string; department: string; designation: string; employeeId: string }[] = [];
  for (const [i, [fullName, department, designation]] of LEARNERS.entries()) {
    const input = CreateUserBody.parse({ email: learnerEmails[i], fullName, password: DEMO_PASSWORD, roles: ['LMS Student'] });
    const user = await createUser(ctx, admin, input);
    learners.push({ userId: user.id, email: user.email, fullName, department, designation, employeeId: '' });
  }
  for (const l of learners.slice(0, 3)) logins.push({ role: 'LMS Student', email: l.email, password: DEMO_PASSWORD });

  // --- HR: departments, designations, employees (team leads first, the others report to them) --
  step(2);
  const hrEmployee = await createEmployee(
    ctx,
    hr,
    CreateEmployeeBody.parse({
      employeeCode: 'EMP-0001',
      fullName: STAFF[3]!.fullName,
      userId: hr.id,
      department: 'People & Culture',
      designation: 'HR Manager',
      dateOfJoining: addDays(today(), -1200),
    }),
  );
  const leads = new Map<string, string>();
  for (const [i, l] of learners.entries()) {
    const lead = leads.get(l.department);
    const employee = await createEmployee(
      ctx,
      hr,
      CreateEmployeeBody.parse({
        employeeCode: `EMP-${String(i + 2).padStart(4, '0')}`,
        fullName: l.fullName,
        userId: l.userId,
        department: l.department,
        designation: l.designation,
        reportsToId: lead ?? hrEmployee.id,
        dateOfJoining: addDays(today(), -(30 + ((i * 97) % 1500))),
      }),
    );
    l.employeeId = employee.id;
    if (!lead) leads.set(l.department, employee.id);
  }

  // --- Courses, chapters, lessons, quizzes (by the Course Creator, who becomes instructor) -----
  step(3);
  const built = new Map<string, BuiltCourse>();
  for (const def of COURSES) {
    const created = await createCourse(
      ctx,
      creator,
      CreateCourseBody.parse({
        title: def.title,
        shortIntroduction: def.shortIntroduction,
        description: def.description,
        category: def.category,
        tags: def.tags,
        published: def.published,
        mandatory: def.mandatory,
        ...(def.paid ? { paid: true, price: def.paid.price, currency: def.paid.currency } : {}),
        ...(def.certificateValidityMonths
          ? { enableCertification: true, certificateIssueMode: 'auto', certificateValidityMonths: def.certificateValidityMonths }
          : {}),
        ...(def.recertifyDaysBefore ? { recertifyDaysBefore: def.recertifyDaysBefore } : {}),
      }),
    );
    const b: BuiltCourse = { def, id: created.id, textLessons: [], quizId: null, questionIds: [] };
    let lastChapterId = '';
    for (const ch of def.chapters) {
      const chapter = await createChapter(ctx, creator, created.id, ch.title);
      lastChapterId = chapter.id;
      for (const [li, lesson] of ch.lessons.entries()) {
        const input = CreateLessonBody.parse({ title: lesson.title, kind: 'text', body: lesson.body, isPreview: li === 0 && b.textLessons.length === 0 });
        b.textLessons.push((await createLesson(ctx, creator, chapter.id, input)).id);
      }
    }
    if (def.quiz) {
      const quiz = await createQuiz(
        ctx,
        creator,
        CreateQuizBody.parse({
          title: def.quiz.title,
          description: `You need **${def.quiz.passingPercentage}%** to pass, in up to 3 attempts.`,
          courseId: created.id,
          passingPercentage: def.quiz.passingPercentage,
          maxAttempts: 3,
          // A mandatory course's assessment keeps its answers: a retake would otherwise copy them.
          showAnswers: !def.mandatory,
          questions: def.quiz.questions.map((q) => ({ ...q, options: q.options?.map((o) => ({ text: o.text, correct: o.correct ?? false })) })),
        }),
      );
      b.quizId = quiz.id;
      b.questionIds = [...quiz.questions].sort((x, y) => x.position - y.position).map((q) => q.id);
      await createLesson(ctx, creator, lastChapterId, CreateLessonBody.parse({ title: def.quiz.title, kind: 'quiz', quizId: quiz.id }));
    }
    built.set(def.key, b);
  }
  // A coupon for the paid course, to try a discount at checkout.
  const moderator = actorFor(staff.get('Moderator')!, ['Moderator']);
  await createCoupon(ctx, moderator, CreateCouponBody.parse({ code: 'WELCOME20', percentOff: 20, maxUses: 100 }), null);

  // --- Onboardings: the integration enrolls in every published mandatory course and assigns it --
  step(4);
  // 20 learners: four onboarded 90 days ago (their assignments are overdue unless completed).
  const onboarded = learners.slice(0, 20);
  await createOnboardings(
    ctx,
    hr,
    onboarded.map((l, i) => ({
      employeeId: l.employeeId,
      onboardingDate: i % 5 === 4 ? addDays(today(), -90) : addDays(today(), -(i % 10)),
      activities: [
        { title: 'Collect laptop and badge', ownerId: null, dueOffsetDays: 0, done: i % 3 === 0 },
        { title: 'Meet your buddy', ownerId: hr.id, dueOffsetDays: 3, done: false },
      ],
    })),
  );

  // --- HR records: documents with expiry dates, and compliance obligations at every stage ------
  step(5);
  await seedDemoHrRecords(ctx, hr, { firstAiders: [...leads.values()], employees: learners });

  // --- Self and admin enrollments ------------------------------------------------------------
  step(6);
  const harassment = built.get('harassment')!;
  for (const l of learners.filter((_, i) => i % 3 === 0)) await selfEnroll(ctx, actorFor(l.userId, ['LMS Student']), harassment.id);
  const fire = built.get('fire')!;
  for (const l of learners.slice(20, 26)) await adminEnroll(ctx, admin, { courseId: fire.id, memberId: l.userId });
  const dpo = built.get('dpo')!;
  for (const l of learners.filter((x) => x.department === 'Legal & Compliance')) await adminEnroll(ctx, admin, { courseId: dpo.id, memberId: l.userId });

  // --- Progress: each enrollment gets a level 0..4 (lessons done; 4 = passed the quiz) --------
  const enrollments = await ctx.db
    .selectFrom('enrollments')
    .select(['member_id', 'course_id'])
    .orderBy('course_id')
    .orderBy('member_id')
    .execute();
  const byId = new Map([...built.values()].map((b) => [b.id, b]));
  const overdueMembers = new Set(onboarded.filter((_, i) => i % 5 === 4).map((l) => l.userId));
  for (const [i, e] of enrollments.entries()) {
    const b = byId.get(e.course_id);
    if (!b) continue;
    const learner = actorFor(e.member_id, ['LMS Student']);
    // Overdue learners stay behind in the mandatory courses (at most half done).
    const level = overdueMembers.has(e.member_id) && b.def.mandatory ? i % 3 : (i * 7 + 3) % 5;
    const lessonsDone = Math.min(level, b.textLessons.length);
    for (const lessonId of b.textLessons.slice(0, lessonsDone)) await completeLesson(ctx, learner, lessonId);
    if (!b.quizId || lessonsDone < b.textLessons.length) continue;
    if (level >= 4) {
      // Some pass at the second attempt after failing the first.
      if (i % 4 === 0) await submitQuiz(ctx, learner, b.quizId, { answers: answersFor(b, false) }, null);
      await submitQuiz(ctx, learner, b.quizId, { answers: answersFor(b, true) }, null);
    } else if (i % 2 === 0) {
      await submitQuiz(ctx, learner, b.quizId, { answers: answersFor(b, false) }, null);
    }
  }

  // --- A year on: Fire Safety certificates near their yearly renewal ---------------------------
  step(7);
  await seedDemoRenewals(ctx, fire.id, fire.def.certificateValidityMonths!);

  const tables = [
    'users',
    'departments',
    'designations',
    'employees',
    'employee_onboardings',
    'courses',
    'chapters',
    'lessons',
    'quizzes',
    'enrollments',
    'lesson_completions',
    'quiz_submissions',
    'certificates',
    'training_assignments',
    'employee_documents',
    'employee_compliance',
  ] as const;
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const r = await ctx.db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[t] = Number(r.n);
  }
  return { logins, counts };
}

/** The CLI's report: the logins as a table, then what was created. */
export function formatDemoSeed(result: DemoSeedResult): string {
  const rows = [['Role', 'Email', 'Password'], ...result.logins.map((l) => [l.role, l.email, l.password])];
  const counts = Object.entries(result.counts)
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
    .join(', ');
  return (
    'Demo organisation created.\n\nDemo logins (every demo user, including the other learners, has the same password):\n' +
    `${table(rows)}\n\nCreated: ${counts}.\n`
  );
}
