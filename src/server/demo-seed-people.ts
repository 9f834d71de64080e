/** The demo organisation's people: the staff logins, the learners by department, and their email addresses. */
import type { Role } from '../contract/roles.ts';

export const STAFF: { role: Role; email: string; fullName: string }[] = [
  { role: 'System Manager', email: 'admin@demo.smooth', fullName: 'Amara Okafor' },
  { role: 'Moderator', email: 'moderator@demo.smooth', fullName: 'Lars Øvergaard' },
  { role: 'Course Creator', email: 'creator@demo.smooth', fullName: 'Inès Lefèvre' },
  { role: 'HR Manager', email: 'hr@demo.smooth', fullName: 'Priya Raghunathan' },
];

/** Learners: name, department, designation. The first of each department is its team lead. */
export const LEARNERS: [string, string, string][] = [
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

export function learnerEmail(fullName: string): string {
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
