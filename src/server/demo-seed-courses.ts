/** The demo organisation's courses: Markdown lessons in chapters, and the quizzes that close them. */
import type { QuestionKind } from '../contract/quizzes.ts';

interface DemoQuestion {
  kind: QuestionKind;
  text: string;
  options?: { text: string; correct?: boolean }[];
  answers?: string[];
  explanation?: string;
}

export interface DemoCourse {
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
  /** A new cycle this many days before a certificate expires (recertification). */
  recertifyDaysBefore?: number;
  chapters: { title: string; lessons: { title: string; body: string }[] }[];
  quiz?: { title: string; passingPercentage: number; questions: DemoQuestion[] };
}

export const COURSES: DemoCourse[] = [
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
    recertifyDaysBefore: 30,
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
