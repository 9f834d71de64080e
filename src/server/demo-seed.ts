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
import { CreateCourseBody, CreateLessonBody } from '../contract/courses.ts';
import { CreateQuizBody, type QuestionKind } from '../contract/quizzes.ts';
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

const STAFF: { role: Role; email: string; fullName: string }[] = [
  { role: 'System Manager', email: 'admin@demo.smooth', fullName: 'Amara Okafor' },
  { role: 'Moderator', email: 'moderator@demo.smooth', fullName: 'Lars Øvergaard' },
  { role: 'Course Creator', email: 'creator@demo.smooth', fullName: 'Inès Lefèvre' },
  { role: 'HR Manager', email: 'hr@demo.smooth', fullName: 'Priya Raghunathan' },
];

/** Learners: name, department, designation. The first of each department is its team lead. */
const LEARNERS: [string, string, string][] = [
  ['Zoë Łukasiewicz', 'Operations', 'Operations Lead'],
  ['Dmitri Ivanov', 'Operations', 'Logistics Coordinator'],
  ['Sofía Hernández', 'Operations', 'Warehouse Supervisor'],
  ['Kwame Mensah', 'Operations', 'Facilities Technician'],
  ['Yuki Tanaka', 'Operations', 'Logistics Coordinator'],
  ['Björn Åkesson', 'Finance', 'Finance Lead'],
  ['Chloé Dubois', 'Finance', 'Accountant'],
  ['Mehmet Yılmaz', 'Finance', 'Accounts Payable Specialist'],
  ['Ngozi Adeyemi', 'Finance', 'Financial Analyst'],
  ['Jürgen Schäfer', 'Finance', 'Accountant'],
  ['Aoife Ní Bhriain', 'Sales', 'Sales Lead'],
  ['Rafael Gonçalves', 'Sales', 'Account Executive'],
  ['Olga Petrović', 'Sales', 'Account Executive'],
  ['Hiroshi Nakamura', 'Sales', 'Sales Development Representative'],
  ['Fatima Al-Sayed', 'Sales', 'Key Account Manager'],
  ['Małgorzata Wiśniewska', 'Engineering', 'Engineering Lead'],
  ['Arjun Mehta', 'Engineering', 'Software Engineer'],
  ['Léa Martin', 'Engineering', 'Software Engineer'],
  ['Tomás Ó Conchúir', 'Engineering', 'Site Reliability Engineer'],
  ['Wang Fang (王芳)', 'Engineering', 'Security Engineer'],
  ['Søren Kierkegaard-Holm', 'Engineering', 'QA Engineer'],
  ['Elif Demir', 'Customer Support', 'Support Lead'],
  ['Kateřina Nováková', 'Customer Support', 'Support Specialist'],
  ['Oluwaseun Bakare', 'Customer Support', 'Support Specialist'],
  ['Ana-Maria Popescu', 'Customer Support', 'Support Specialist'],
  ['José Ramírez', 'Customer Support', 'Customer Success Manager'],
  ['Noémie Girard', 'Legal & Compliance', 'Compliance Officer'],
  ['Ahmed Hassan', 'Legal & Compliance', 'Legal Counsel'],
  ['Ingrid Bergström', 'Legal & Compliance', 'Data Protection Officer'],
  ['Thabo Nkosi', 'Legal & Compliance', 'Paralegal'],
];

function learnerEmail(fullName: string): string {
  const ascii = fullName
    .replace(/\(.*\)/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .replace(/ø/g, 'o')
    .replace(/Ø/g, 'O')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .split(/[\s-]+/);
  return `${ascii[0]}.${ascii.slice(1).join('')}@demo.smooth`;
}

interface DemoQuestion {
  kind: QuestionKind;
  text: string;
  options?: { text: string; correct?: boolean }[];
  answers?: string[];
  explanation?: string;
}

interface DemoCourse {
  key: string;
  title: string;
  shortIntroduction: string;
  description: string;
  category: string;
  tags: string[];
  published: boolean;
  mandatory: boolean;
  /** Price in minor units (cents). */
  paid?: { price: number; currency: string };
  certificateValidityMonths?: number;
  chapters: { title: string; lessons: { title: string; body: string }[] }[];
  quiz?: { title: string; passingPercentage: number; questions: DemoQuestion[] };
}

const COURSES: DemoCourse[] = [
  {
    key: 'fire',
    title: 'Fire Safety at Work',
    shortIntroduction: 'Prevent fires, raise the alarm and evacuate safely. Required for everyone, renewed every year.',
    description:
      '## About this course\n\nEvery employee must know how to **prevent** a fire, how to **raise the alarm** and how to **leave the building safely**.\n\n' +
      'This course takes about 20 minutes and ends with a short quiz. Passing it issues a certificate valid for 12 months.',
    category: 'Health & Safety',
    tags: ['mandatory', 'safety', 'annual'],
    published: true,
    mandatory: true,
    certificateValidityMonths: 12,
    chapters: [
      {
        title: 'Preventing fires',
        lessons: [
          {
            title: 'The fire triangle',
            body:
              'A fire needs three things at once:\n\n1. **Heat** — a spark, a hot surface, an overloaded socket\n' +
              '2. **Fuel** — paper, cardboard, solvents, dust\n3. **Oxygen** — always present in the air\n\n' +
              'Take one side away and the fire goes out. Prevention is about keeping heat and fuel apart.\n\n' +
              '> Most workplace fires start in kitchens, electrical equipment and waste storage.\n\n' +
              '## Everyday habits\n\n- Do not daisy-chain extension leads.\n- Keep corridors and fire doors clear; never wedge a fire door open.\n' +
              '- Report damaged cables and scorched plugs to Facilities.\n- Empty paper recycling bins before they overflow.',
          },
          {
            title: 'Fire extinguishers and their colours',
            body:
              '| Label colour | Contents | Use on |\n|---|---|---|\n| Red | Water | Paper, wood, textiles |\n' +
              '| Cream | Foam | Paper, wood, flammable liquids |\n| Black | CO₂ | Electrical equipment |\n| Blue | Dry powder | Most fires, outdoors |\n' +
              '| Yellow | Wet chemical | Cooking oil and fat |\n\n**Never** use water on electrical equipment or burning fat.\n\n' +
              'Only tackle a fire if it is small, you have been trained, and your escape route is behind you. If in doubt, get out.',
          },
        ],
      },
      {
        title: 'When the alarm sounds',
        lessons: [
          {
            title: 'Evacuation procedure',
            body:
              '1. Raise the alarm at the nearest call point.\n2. Leave by the nearest safe exit — **do not use lifts**.\n' +
              '3. Close doors behind you.\n4. Go to the **assembly point** in the car park and report to your fire warden.\n' +
              '5. Do not go back in until the fire service says it is safe.\n\nVisitors are your responsibility: take them with you.',
          },
        ],
      },
    ],
    quiz: {
      title: 'Fire safety check',
      passingPercentage: 70,
      questions: [
        {
          kind: 'single',
          text: 'Which extinguisher is safe to use on a computer that is on fire?',
          options: [{ text: 'Water (red)' }, { text: 'CO₂ (black)', correct: true }, { text: 'Wet chemical (yellow)' }],
          explanation: 'CO₂ does not conduct electricity and leaves no residue.',
        },
        {
          kind: 'multiple',
          text: 'Which of these should you do when the alarm sounds? (Choose all that apply.)',
          options: [
            { text: 'Close doors behind you', correct: true },
            { text: 'Take the lift to save time' },
            { text: 'Go to the assembly point', correct: true },
            { text: 'Collect your belongings first' },
          ],
        },
        {
          kind: 'text',
          text: 'Heat, fuel and … — what is the third side of the fire triangle?',
          answers: ['oxygen', 'air', 'O2'],
        },
      ],
    },
  },
  {
    key: 'gdpr',
    title: 'Data Protection & GDPR Essentials',
    shortIntroduction: 'How we collect, use and protect personal data under the GDPR, and what to do when something goes wrong.',
    description:
      '## About this course\n\nThe **General Data Protection Regulation** applies to every piece of personal data we handle: customers, colleagues and candidates.\n\n' +
      'You will learn the seven principles, the rights of data subjects and the 72-hour breach rule. Certificate valid for 24 months.',
    category: 'Data Protection',
    tags: ['mandatory', 'gdpr', 'privacy'],
    published: true,
    mandatory: true,
    certificateValidityMonths: 24,
    chapters: [
      {
        title: 'The principles',
        lessons: [
          {
            title: 'What counts as personal data?',
            body:
              'Any information relating to an **identified or identifiable** person: a name, an email address, ' +
              'an employee number, an IP address, a photo, a voice recording.\n\n**Special category data** needs extra protection:\n\n' +
              '- health information\n- ethnic origin, religion, political opinions\n- biometric and genetic data\n- sexual orientation\n\n' +
              'If you are not sure whether something is personal data, treat it as if it is.',
          },
          {
            title: 'The seven principles',
            body:
              '1. Lawfulness, fairness and transparency\n2. Purpose limitation\n3. Data minimisation\n' +
              '4. Accuracy\n5. Storage limitation\n6. Integrity and confidentiality\n7. Accountability\n\n' +
              '*Collect only what you need, use it only for what you said, keep it only as long as necessary — and be able to prove it.*',
          },
        ],
      },
      {
        title: 'Rights and breaches',
        lessons: [
          {
            title: 'Data subject requests and breaches',
            body:
              'People may ask to **access**, **correct**, **erase** or **port** their data. Forward every such request to ' +
              'privacy@demo.smooth the same day — we have **one month** to answer.\n\n## Personal data breaches\n\n' +
              'A lost laptop, an email to the wrong recipient, a misconfigured share: report it **immediately** to the Data Protection Officer. ' +
              'Serious breaches must be notified to the supervisory authority within **72 hours**.',
          },
        ],
      },
    ],
    quiz: {
      title: 'GDPR knowledge check',
      passingPercentage: 70,
      questions: [
        {
          kind: 'single',
          text: 'Within how many hours must a serious personal data breach be notified to the supervisory authority?',
          options: [{ text: '24 hours' }, { text: '72 hours', correct: true }, { text: '30 days' }],
        },
        {
          kind: 'multiple',
          text: 'Which of these are personal data?',
          options: [
            { text: 'A customer’s email address', correct: true },
            { text: 'An employee number', correct: true },
            { text: 'The company’s annual revenue' },
            { text: 'An IP address of a website visitor', correct: true },
          ],
        },
        {
          kind: 'text',
          text: 'Collecting only the data you need is called data …',
          answers: ['minimisation', 'minimization'],
        },
      ],
    },
  },
  {
    key: 'bribery',
    title: 'Anti-Bribery & Corruption',
    shortIntroduction: 'Gifts, hospitality, facilitation payments and how to speak up. Zero tolerance, in every country we work in.',
    description:
      '## About this course\n\nWe do not offer, give, request or accept bribes — directly or through third parties. This course explains ' +
      'the rules behind the UK Bribery Act, the US FCPA and our own **Gifts & Hospitality Policy**.',
    category: 'Ethics & Compliance',
    tags: ['mandatory', 'ethics'],
    published: true,
    mandatory: true,
    chapters: [
      {
        title: 'Recognising bribery',
        lessons: [
          {
            title: 'What is a bribe?',
            body:
              'A bribe is **anything of value** offered to influence a business decision improperly: cash, gifts, trips, ' +
              'job offers for relatives, donations.\n\n- It does not matter whether the bribe *works*.\n' +
              '- It does not matter whether it is paid by us or by an agent on our behalf.\n- **Facilitation payments** (“grease payments”) are bribes too.',
          },
          {
            title: 'Gifts and hospitality',
            body:
              '| Value | What to do |\n|---|---|\n| Under €50 | Accept or give; no approval needed |\n' +
              '| €50 – €250 | Record it in the gifts register |\n| Over €250 | Needs prior approval from Compliance |\n\n' +
              'Never accept gifts during a tender, and never give anything to a public official without Compliance approval.',
          },
        ],
      },
      {
        title: 'Speaking up',
        lessons: [
          {
            title: 'Red flags and reporting',
            body:
              '- An agent asks for payment in cash or to an offshore account.\n- Unusually high commissions or vague invoices.\n' +
              '- A customer insists on a specific subcontractor.\n\n## How to report\n\nTalk to your manager, to Compliance, or use the ' +
              'confidential **Speak Up line**. Retaliation against anyone who reports in good faith is a disciplinary offence.',
          },
        ],
      },
    ],
    quiz: {
      title: 'Anti-bribery check',
      passingPercentage: 60,
      questions: [
        {
          kind: 'single',
          text: 'A customs officer asks for €20 “to speed up” the clearance of our shipment. What is it?',
          options: [{ text: 'A normal fee' }, { text: 'A facilitation payment, which is a bribe', correct: true }, { text: 'A gift' }],
        },
        {
          kind: 'multiple',
          text: 'Which are red flags when working with an agent?',
          options: [
            { text: 'Payment requested to an offshore account', correct: true },
            { text: 'A written contract with clear deliverables' },
            { text: 'Unusually high commission', correct: true },
          ],
        },
      ],
    },
  },
  {
    key: 'harassment',
    title: 'Preventing Workplace Harassment',
    shortIntroduction: 'Respect at work: recognising harassment, bystander intervention and how complaints are handled.',
    description:
      '## About this course\n\nEveryone deserves a workplace free from harassment, bullying and discrimination. Open to all employees; ' +
      '**recommended** for managers.',
    category: 'People & Culture',
    tags: ['respect', 'managers'],
    published: true,
    mandatory: false,
    chapters: [
      {
        title: 'Respect at work',
        lessons: [
          {
            title: 'Recognising harassment',
            body:
              'Harassment is **unwanted conduct** that violates someone’s dignity or creates an intimidating, hostile or ' +
              'offensive environment. It can be:\n\n- verbal (jokes, comments about appearance)\n- physical (unwanted touching)\n' +
              '- online (messages, images in group chats)\n\nWhat counts is the **effect** on the person, not the intention.',
          },
          {
            title: 'Being an active bystander',
            body:
              '1. **Direct** — say something, if it is safe.\n2. **Distract** — interrupt the situation.\n' +
              '3. **Delegate** — get help from a manager or HR.\n4. **Delay** — check in with the person afterwards.\n5. **Document** — write down what you saw.',
          },
        ],
      },
      {
        title: 'Complaints',
        lessons: [
          {
            title: 'How complaints are handled',
            body:
              'Complaints go to HR (hr@demo.smooth) or through the Speak Up line. Every complaint is ' +
              'investigated **promptly, fairly and confidentially**. Nobody may be treated badly for raising a concern in good faith.',
          },
        ],
      },
    ],
    quiz: {
      title: 'Respect at work check',
      passingPercentage: 50,
      questions: [
        {
          kind: 'single',
          text: 'What decides whether behaviour is harassment?',
          options: [{ text: 'The intention of the person behaving' }, { text: 'Its effect on the person receiving it', correct: true }],
        },
        {
          kind: 'text',
          text: 'Name one of the 5 Ds of bystander intervention.',
          answers: ['direct', 'distract', 'delegate', 'delay', 'document'],
        },
      ],
    },
  },
  {
    key: 'dpo',
    title: 'Advanced GDPR for Data Protection Officers',
    shortIntroduction: 'DPIAs, international transfers and working with supervisory authorities. A paid specialist course.',
    description:
      '## About this course\n\nFor DPOs and privacy champions: **Data Protection Impact Assessments**, Standard Contractual Clauses, ' +
      'records of processing and handling regulator inquiries.',
    category: 'Data Protection',
    tags: ['gdpr', 'specialist'],
    published: true,
    mandatory: false,
    paid: { price: 14900, currency: 'EUR' },
    chapters: [
      {
        title: 'Impact assessments',
        lessons: [
          {
            title: 'When is a DPIA required?',
            body:
              'A DPIA is required before processing that is **likely to result in a high risk**, for example:\n\n' +
              '- systematic monitoring of employees\n- large-scale processing of special category data\n- new technologies such as facial recognition',
          },
          {
            title: 'International transfers',
            body:
              'Transfers outside the EEA need an **adequacy decision**, **Standard Contractual Clauses** with a ' +
              'transfer impact assessment, or **Binding Corporate Rules**.',
          },
        ],
      },
      {
        title: 'Working with regulators',
        lessons: [
          {
            title: 'Regulator inquiries',
            body: 'Answer on time, be complete and factual, keep a record of every exchange and involve Legal early.',
          },
        ],
      },
    ],
    quiz: {
      title: 'DPO practitioner check',
      passingPercentage: 70,
      questions: [
        {
          kind: 'multiple',
          text: 'Which mechanisms allow a transfer of personal data outside the EEA?',
          options: [
            { text: 'Standard Contractual Clauses', correct: true },
            { text: 'An adequacy decision', correct: true },
            { text: 'A non-disclosure agreement' },
          ],
        },
        {
          kind: 'single',
          text: 'Is a DPIA needed before introducing facial recognition at the office entrance?',
          options: [{ text: 'Yes', correct: true }, { text: 'No' }],
        },
      ],
    },
  },
  {
    key: 'infosec',
    title: 'Information Security Awareness',
    shortIntroduction: 'Phishing, passwords, clean desk and secure remote work. Draft — not yet published.',
    description: '## About this course\n\n*Draft.* Phishing, passwords and multi-factor authentication, clean desk and secure remote work.',
    category: 'Information Security',
    tags: ['security', 'draft'],
    published: false,
    mandatory: false,
    chapters: [
      {
        title: 'Everyday security',
        lessons: [
          {
            title: 'Spotting phishing',
            body:
              '- Unexpected urgency (“your account will be closed today”)\n- A sender address that does not match the name\n' +
              '- Links whose real address differs from the text\n\nReport suspicious emails with the **Report phish** button; never enter your password after clicking a link.',
          },
          {
            title: 'Passwords and MFA',
            body:
              'Use a **password manager**, a unique passphrase for every service, and turn on **multi-factor authentication** ' +
              'everywhere it is offered. Never share one-time codes — not even with IT.',
          },
        ],
      },
    ],
  },
];

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

/** Seeds the demo organisation; refuses (409 DATABASE_NOT_EMPTY, nothing written) when any course or demo login exists. */
export async function seedDemo(ctx: AppContext): Promise<DemoSeedResult> {
  const course = await ctx.db.selectFrom('courses').select('id').limit(1).executeTakeFirst();
  const learnerEmails = LEARNERS.map(([name]) => learnerEmail(name));
  const allEmails = [...STAFF.map((s) => s.email), ...learnerEmails].map(normalizeEmail);
  const clash = await ctx.db.selectFrom('users').select('email').where('email', 'in', allEmails).limit(1).executeTakeFirst();
  if (course || clash) throw errors.conflict('DATABASE_NOT_EMPTY', DEMO_NOT_EMPTY);

  const operator: Actor = { id: null, roles: new Set(['System Manager']) };
  const logins: DemoLogin[] = [];

  // --- Users -----------------------------------------------------------------------------
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
  await seedDemoHrRecords(ctx, hr, { firstAiders: [...leads.values()], employees: learners });

  // --- Self and admin enrollments ------------------------------------------------------------
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
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`.trimEnd();
  const rule = `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`;
  const counts = Object.entries(result.counts)
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
    .join(', ');
  return (
    'Demo organisation created.\n\nDemo logins (every demo user, including the other learners, has the same password):\n' +
    `${line(rows[0]!)}\n${rule}\n${rows
      .slice(1)
      .map(line)
      .join('\n')}\n\nCreated: ${counts}.\n`
  );
}
