/**
 * The metadata each desk entity declares once: where its API lives, the list's columns and
 * filters, the form's fields, who may do what. The generic list view (ListView.tsx) and form
 * view (FormView.tsx) are driven by it; no entity has a hand-written list or form page.
 */
import type { ReactNode } from 'react';
import type { Role } from '../../contract/roles.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

/** A picker over another entity's list API (searched with `?q=`). */
export interface LinkRef {
  /** List endpoint, e.g. '/api/users'. */
  url: string;
  /** Desk slug of the linked entity, for a link next to the value. */
  slug?: string;
  /** What a row of that list shows in the picker. */
  label: (row: Row) => string;
  /** Extra fixed query parameters, e.g. { enabled: 'true' }. */
  params?: Record<string, string>;
  /** The list has no `q` search: load one page and filter in the browser. */
  noSearch?: boolean;
  /** The value stored is this member of the row (default `id`). */
  valueKey?: string;
}

export type FieldKind =
  | 'text'
  | 'email'
  | 'password'
  | 'textarea'
  /** Markdown with Write / Preview tabs (markdown-field.tsx). */
  | 'markdown'
  /** A colour as #rrggbb with a picker (color-field.tsx). */
  | 'color'
  | 'number'
  | 'money'
  | 'boolean'
  | 'date'
  /** A moment, entered in the browser's time zone and sent as a UTC timestamp. */
  | 'datetime'
  | 'select'
  | 'multiselect'
  | 'link'
  | 'custom';

export interface CustomFieldProps {
  value: unknown;
  /** The whole form's values, for a field that depends on another (the lesson of the chosen course). */
  values?: Record<string, unknown>;
  onChange: (v: unknown) => void;
  /** Field errors whose path starts with this field's name ("questions.0.options"). */
  errors: { path: string; message: string }[];
  disabled: boolean;
}

export interface FieldMeta {
  name: string;
  label: string;
  kind: FieldKind;
  description?: string;
  /** kind 'password': what the empty input says on an existing record (default: whether one is stored). */
  placeholder?: string;
  required?: boolean;
  options?: readonly string[];
  link?: LinkRef;
  /** kind 'text': the names already in use, offered as one types (a new one may still be typed). */
  suggestions?: LinkRef;
  min?: number;
  max?: number;
  /** kind 'money': the form field holding the ISO currency; the amount is typed as a decimal in it and sent in minor units (`max` too is in minor units). */
  currencyField?: string;
  /** Only on the create form / only on the edit form. */
  createOnly?: boolean;
  editOnly?: boolean;
  /** Shown on the edit form but not sent. */
  readOnly?: boolean;
  /** Read-only on the edit form of rows where this holds (e.g. the due date of a completed assignment). */
  fixedWhen?: (row: Row) => boolean;
  /** Empty input is sent as null (instead of being left out). */
  nullable?: boolean;
  /** The form value from a loaded row (default: the member of the same name). */
  fromRow?: (row: Row) => unknown;
  /** kind 'custom': the editor. */
  render?: (props: CustomFieldProps) => ReactNode;
  /** The value on a new record (default: empty). */
  initial?: unknown;
  /** The form value → what the API takes (custom fields). */
  toWire?: (value: unknown) => unknown;
  /** How a read-only record shows the value (default: the value in words, dates readable). */
  display?: (row: Row) => ReactNode;
  /** Full width in the form grid. */
  wide?: boolean;
}

export interface ColumnMeta {
  key: string;
  label: string;
  render?: (row: Row) => ReactNode;
  /** Right-aligned number column. */
  numeric?: boolean;
  /** The list API's sort key for this column (`?sort=key` / `?sort=-key`): the header sorts on the server. */
  sort?: string;
  /** Long text wraps onto a second line instead of being cut (names that would widen the table past the screen). */
  wrap?: boolean;
}

export type FilterKind = 'select' | 'link' | 'boolean' | 'range' | 'text' | 'date';

export interface FilterMeta {
  /** Query parameter name; for 'range' the two names are rangeParams. */
  name: string;
  label: string;
  kind: FilterKind;
  options?: readonly string[];
  /** kind 'select': an option's words when they are the entity's own (default: the shared words of its code). */
  optionLabel?: (code: string) => string;
  link?: LinkRef;
  rangeParams?: [string, string];
  min?: number;
  max?: number;
}

export interface EntityApi {
  /** GET list endpoint with keyset paging. */
  list: string;
  /** The list answers `{ items }` without paging (small reference lists). */
  unpaged?: boolean;
  /** The list supports `withTotal=true`. */
  total?: boolean;
  /** GET/PATCH/DELETE one row: `${item}/${id}` (default: list). */
  item?: string;
  /** POST endpoint (default: list). Absent with `create: false`. */
  create?: string | false;
  /** How a row is changed. */
  update?: 'PATCH' | 'PUT' | false;
  delete?: boolean;
  /** Streamed CSV of the filtered list (same filters). */
  exportCsv?: string;
}

export interface EntityMeta {
  slug: string;
  /** Plural, for the list. */
  label: string;
  /** One row, for the form ("Enrollment"). */
  singular: string;
  description: string;
  icon: ReactNode;
  section: 'Learning' | 'HR' | 'Settings';
  /** Who sees the list (System Manager always does). */
  roles: readonly Role[];
  createRoles?: readonly Role[];
  deleteRoles?: readonly Role[];
  api: EntityApi;
  columns: ColumnMeta[];
  filters: FilterMeta[];
  /** Form fields; the first text field is the form's title when `title` is absent. */
  fields: FieldMeta[];
  /** The form's heading for an existing row. */
  title?: (row: Row) => string;
  /** Entity name in the audit log (GET /api/audit-log?entity=). */
  auditEntity?: string;
  /**
   * The record's history, for audited fields the form does not show or whose stored value needs
   * words (a code, an id): a label and how to show a value.
   */
  historyFields?: Record<string, { label?: string; value?: (v: unknown) => ReactNode }>;
  /** What the delete confirmation says (besides the row's title). */
  deleteWarning?: string;
  /** Extra parts of the form below the fields (editors, actions, related rows). */
  /** `unsaved`: the form's edits not saved yet, as the API would receive them. */
  extras?: (row: Row, ctx: { refresh: () => void; unsaved: Record<string, unknown> }) => ReactNode;
  /** Extra buttons in the form's header. */
  actions?: (row: Row, ctx: { refresh: () => void }) => ReactNode;
  /** A bulk-import page exists for this entity (`/app/<slug>/import`). */
  importKind?: 'enrollments' | 'employees' | 'training-assignments' | 'users';
  /** A single-record page (settings): the form loads `api.list` and saves with PATCH to it. */
  single?: boolean;
  /** Loads one record for the form (default: GET the item URL), e.g. to add the names of linked rows. */
  load?: (id: string, signal: AbortSignal) => Promise<Row>;
  /** Extra buttons in the list's header (e.g. the course list's Import course). */
  listActions?: () => ReactNode;
  /** Shown above the list's filters (e.g. the audit log's chain verification). */
  listHeader?: () => ReactNode;
  /**
   * A create that answers a summary instead of one record (e.g. a bulk assignment): the form shows
   * this in place of opening the new record.
   */
  createResult?: (created: Row) => ReactNode;
  /** Rules between fields, checked in the form before sending: field name → message in words. */
  validate?: (values: Record<string, unknown>) => Record<string, string>;
  /** Asked before a create is sent (confirm-create.tsx): `check` answers the question in words, or null to go ahead. */
  confirmCreate?: { title: string; confirmLabel: string; check: (body: Record<string, unknown>) => Promise<string | null> };
  /** A list without a form (rows are not links). */
  noForm?: boolean;
}

export function itemUrl(meta: EntityMeta, id: string): string {
  return `${meta.api.item ?? meta.api.list}/${encodeURIComponent(id)}`;
}
