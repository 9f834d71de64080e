import type { Actor, AppContext } from './context.ts';
import { today } from './db/dialect.ts';
import { completeCompliance, createCompliance, createComplianceType } from './hr/compliance/index.ts';
import { createDocument, createDocumentType } from './hr/documents/index.ts';
import { addDays } from './hr/index.ts';
import { CreateComplianceTypeBody } from '../contract/compliance.ts';
import { CreateDocumentTypeBody, CreateEmployeeDocumentBody } from '../contract/documents.ts';

/** The employees of the demo organisation that get HR records. */
export interface DemoHrStaff {
  /** Employee ids of one first aider per team. */
  firstAiders: readonly string[];
  /** Every learner's employee, with its department. */
  employees: readonly { employeeId: string; department: string }[];
}

/**
 * The demo organisation's HR records, created by `hr`: document types, documents with expiry
 * dates, and compliance obligations at every stage. First aid (every 3 years) for the first
 * aiders; the annual health & safety declaration for everyone; a forklift licence type nobody
 * here needs yet; work permits for some engineers.
 */
export async function seedDemoHrRecords(ctx: AppContext, hr: Actor, { firstAiders, employees }: DemoHrStaff): Promise<void> {
  const firstAidDoc = await createDocumentType(ctx, hr, CreateDocumentTypeBody.parse({ name: 'First aid certificate', expires: true, defaultValidityMonths: 36 }));
  await createDocumentType(ctx, hr, CreateDocumentTypeBody.parse({ name: 'Signed code of conduct' }));
  const permitDoc = await createDocumentType(ctx, hr, CreateDocumentTypeBody.parse({ name: 'Work permit', expires: true }));
  const firstAid = await createComplianceType(ctx, hr, CreateComplianceTypeBody.parse({ name: 'First aid at work', renewalMonths: 36, reminderLeadDays: 60 }));
  const declaration = await createComplianceType(
    ctx,
    hr,
    CreateComplianceTypeBody.parse({ name: 'Annual health & safety declaration', renewalMonths: 12, reminderLeadDays: 30 }),
  );
  await createComplianceType(ctx, hr, CreateComplianceTypeBody.parse({ name: 'Forklift licence', renewalMonths: 60, reminderLeadDays: 90 }));
  for (const [i, employeeId] of firstAiders.entries()) {
    const row = await createCompliance(ctx, hr, { employeeId, complianceTypeId: firstAid.id });
    if (i % 4 === 3) continue; // still to do
    // Completed 1–35 months ago: most valid, one expiring within the reminder window, one lapsed.
    const completedOn = addDays(today(), i === 0 ? -1_060 : i === 1 ? -1_120 : -(30 + i * 150));
    const evidence = await createDocument(
      ctx,
      hr,
      CreateEmployeeDocumentBody.parse({ employeeId, documentTypeId: firstAidDoc.id, title: 'First aid certificate', issueDate: completedOn }),
    );
    await completeCompliance(ctx, hr, row.id, { completedOn, evidenceDocumentId: evidence.id });
  }
  for (const [i, l] of employees.entries()) {
    const row = await createCompliance(ctx, hr, { employeeId: l.employeeId, complianceTypeId: declaration.id });
    // A third have not declared this year; the others declared 1–13 months ago (some lapsed).
    if (i % 3 === 2) continue;
    await completeCompliance(ctx, hr, row.id, { completedOn: addDays(today(), -(20 + ((i * 37) % 380))) });
  }
  // Work permits: two expire within the month, one has expired.
  for (const [i, l] of employees.filter((x) => x.department === 'Engineering').slice(0, 4).entries()) {
    await createDocument(
      ctx,
      hr,
      CreateEmployeeDocumentBody.parse({
        employeeId: l.employeeId,
        documentTypeId: permitDoc.id,
        title: 'Work permit',
        issueDate: addDays(today(), -700),
        expiryDate: addDays(today(), [12, 25, -5, 400][i]!),
      }),
    );
  }
}
