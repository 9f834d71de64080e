/** Tables of this domain, merged into DB in schema.ts. */

export interface DepartmentsTable {
  id: string;
  name: string;
  created_at: string;
}

export type DesignationsTable = DepartmentsTable;

export interface EmployeesTable {
  id: string;
  employee_code: string;
  full_name: string;
  user_id: string | null;
  department_id: string | null;
  designation_id: string | null;
  reports_to_id: string | null;
  /** YYYY-MM-DD */
  date_of_joining: string | null;
  status: 'active' | 'left';
  left_on: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface EmployeeOnboardingsTable {
  id: string;
  employee_id: string;
  onboarding_date: string;
  status: 'pending' | 'in_progress' | 'completed';
  /** JSON array of { title, ownerId, dueOffsetDays, done }. */
  activities_json: string;
  /** JSON { enrolled, skipped, assignments } as computed when the onboarding was created. */
  result_json: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** LMS Training Assignment (an LMS entity; its table is created with the HR migration). */
export interface TrainingAssignmentsTable {
  id: string;
  member_id: string;
  course_id: string;
  enrollment_id: string | null;
  due_date: string;
  /** Stored open | completed; overdue is derived (open and due_date < today). */
  status: 'open' | 'completed';
  source: 'onboarding' | 'manual' | 'import';
  onboarding_id: string | null;
  completed_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface EmployeeDocumentTypesTable {
  id: string;
  name: string;
  expires: number;
  default_validity_months: number | null;
  created_at: string;
  updated_at: string;
}

export interface EmployeeDocumentsTable {
  id: string;
  employee_id: string;
  document_type_id: string | null;
  title: string;
  file_id: string | null;
  issue_date: string | null;
  expiry_date: string | null;
  source_kind: string | null;
  source_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface ComplianceTypesTable {
  id: string;
  name: string;
  renewal_months: number | null;
  reminder_lead_days: number;
  created_at: string;
  updated_at: string;
}

export interface EmployeeComplianceTable {
  id: string;
  employee_id: string;
  compliance_type_id: string;
  status: 'pending' | 'complete' | 'expiring' | 'expired';
  completed_on: string | null;
  renewal_date: string | null;
  evidence_document_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  dedupe_key: string | null;
  created_at: string;
  read_at: string | null;
}

export interface HrTables {
  departments: DepartmentsTable;
  designations: DesignationsTable;
  employees: EmployeesTable;
  employee_onboardings: EmployeeOnboardingsTable;
  training_assignments: TrainingAssignmentsTable;
  employee_document_types: EmployeeDocumentTypesTable;
  employee_documents: EmployeeDocumentsTable;
  compliance_types: ComplianceTypesTable;
  employee_compliance: EmployeeComplianceTable;
  notifications: NotificationsTable;
}
