import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import {
  Alert,
  Anchor,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Stack,
} from '@mantine/core';
import { notify } from './notify.ts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { Page } from '../ui/Page.tsx';
import { hasAnyRole, type Me } from '../ui/session.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { AuditHistory, DeletedRecord } from './AuditHistory.tsx';
import { itemUrl, type EntityMeta, type FieldMeta, type Row } from './meta.ts';
import { useCreateConfirmation } from './confirm-create.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { AUDIT_READERS } from '../../contract/audit.ts';
import { checkValues, plainFieldMessage } from './form-checks.ts';
import { moneyChanged, moneyServerMessage } from './money-field.tsx';
import { ReadOnlyRecord } from './ReadOnlyRecord.tsx';
import { FieldInput, initialValues, isStored, sameValue, toWire, type Values } from './form-fields.tsx';

/** The generic form: one record of an entity, created or changed through its API, with its audit history. */
export function FormView({ meta, me, id }: { meta: EntityMeta; me: Me; id: string | null }) {
  const isNew = id === null && !meta.single;
  const url = meta.single ? meta.api.list : id ? itemUrl(meta, id) : null;
  const queryClient = useQueryClient();
  const record = useQuery({
    queryKey: ['desk-record', meta.slug, id ?? 'single'],
    queryFn: ({ signal }) => (meta.load && id ? meta.load(id, signal) : api.get<Row>(url!, { signal })),
    enabled: !!url,
  });
  if (!isNew && record.isPending) return <PageLoader />;
  if (!isNew && record.isError) {
    const gone = record.error instanceof ApiError && record.error.status === 404;
    if (gone && id && meta.auditEntity && hasAnyRole(me, AUDIT_READERS)) {
      return (
        <Page
          title={`Deleted ${meta.singular.toLowerCase()}`}
          description={
            <Anchor component={Link} to={`/app/${meta.slug}`} size="sm">
              ← {meta.label}
            </Anchor>
          }
          size="xl"
        >
          <DeletedRecord entity={meta.auditEntity} entityId={id} singular={meta.singular} onRetry={() => void record.refetch()} />
        </Page>
      );
    }
    return (
      <Page title={meta.singular} size="xl">
        <ErrorState
          error={record.error}
          title={
            record.error instanceof ApiError && record.error.status === 404
              ? `This ${meta.singular.toLowerCase()} does not exist`
              : undefined
          }
          onRetry={() => void record.refetch()}
        />
      </Page>
    );
  }
  return (
    <FormBody
      key={id ?? 'new'}
      meta={meta}
      me={me}
      row={isNew ? null : (record.data ?? null)}
      // An action or panel changed the record (roles, a file, grades): it and its history load again.
      refresh={() => {
        void record.refetch();
        void queryClient.invalidateQueries({ queryKey: ['desk-audit'] });
      }}
    />
  );
}

function FormBody({ meta, me, row, refresh }: { meta: EntityMeta; me: Me; row: Row | null; refresh: () => void }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const isNew = row === null;
  const fields = useMemo(() => meta.fields.filter((f) => (isNew ? !f.editOnly && !f.readOnly : !f.createOnly)), [meta.fields, isNew]);
  const initial = useMemo(() => initialValues(fields, row), [fields, row]);
  const [values, setValues] = useState<Values>(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [otherError, setOtherError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<Row | null>(null);
  const confirmation = useCreateConfirmation(meta);
  // The values the form last took from the record or sent to it: a field that differs from them
  // was changed here since, and keeps the typing when the record is loaded again.
  const synced = useRef(initial);
  useEffect(() => {
    const from = synced.current;
    synced.current = initial;
    setValues((typed) => {
      const next = { ...initial };
      for (const name of Object.keys(next)) if (!sameValue(typed[name], from[name])) next[name] = typed[name];
      return next;
    });
  }, [initial]);

  const canWrite = isNew
    ? hasAnyRole(me, [...(meta.createRoles ?? meta.roles), 'System Manager'])
    : meta.api.update !== false && hasAnyRole(me, [...(meta.createRoles ?? meta.roles), 'System Manager']);
  const canDelete = !isNew && !!meta.api.delete && hasAnyRole(me, [...(meta.deleteRoles ?? meta.roles), 'System Manager']);
  // A record nobody may change here (the API does not update it, or the user may not) reads as values, not greyed inputs.
  // Shown as a value, not an input: fields nobody edits, and those this row holds fixed.
  const fixed = (f: FieldMeta) => !!f.readOnly || (!isNew && !!f.fixedWhen?.(row));
  const editable = (isNew || canWrite) && fields.some((f) => !fixed(f));
  const title = isNew ? `New ${meta.singular.toLowerCase()}` : (meta.title?.(row) ?? String(row[fields[0]?.name ?? 'id'] ?? row.id));

  const set = (name: string, v: unknown) => {
    setValues((s) => ({ ...s, [name]: v }));
    setLocalErrors(({ [name]: _gone, ...rest }) => rest);
  };
  const fieldError = (name: string) => {
    if (localErrors[name]) return localErrors[name];
    const server = error?.fieldErrors.find((e) => e.path === name || e.path.startsWith(`${name}.`))?.message;
    const field = fields.find((f) => f.name === name);
    const label = field?.label ?? name;
    if (server && field?.kind === 'money') return moneyServerMessage(field, server, values) ?? plainFieldMessage(label, server);
    return server ? plainFieldMessage(label, server) : undefined;
  };

  // What a save would send: every field of a new row, the changed fields of an existing one.
  const changes = useMemo(() => {
    const body: Record<string, unknown> = {};
    for (const f of fields) {
      if (fixed(f)) continue;
      if (!isNew && sameValue(values[f.name], initial[f.name]) && !(f.kind === 'money' && moneyChanged(f, values, initial))) continue;
      const w = toWire(f, values[f.name], values);
      if (w.send) body[f.name] = w.value;
    }
    return body;
  }, [fields, values, initial, isNew]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setOtherError(null);
    const body = changes;
    // Only what the form shows can be fixed here (a create-only rule does not hold back an edit).
    const own = Object.entries(meta.validate?.(values) ?? {}).filter(([name]) => fields.some((f) => f.name === name && !fixed(f)));
    const found = { ...checkValues(fields, values), ...Object.fromEntries(own) };
    setLocalErrors(found);
    if (Object.keys(found).length > 0) {
      document.getElementById(`field-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    if (!isNew && Object.keys(body).length === 0) {
      notify('Nothing changed.');
      return;
    }
    if (isNew && !(await confirmation.confirm(body))) return;
    setSaving(true);
    try {
      if (isNew) {
        const created = await api.post<Row>(meta.api.create || meta.api.list, body);
        await client.invalidateQueries({ queryKey: ['desk-list', meta.slug] });
        if (meta.createResult) {
          setResult(created);
          return;
        }
        notify(`${meta.singular} created.`, 'green');
        void navigate(`/app/${meta.slug}/${encodeURIComponent(String(created.id))}`, { replace: true, state: { created } });
      } else {
        const target = meta.single ? meta.api.list : itemUrl(meta, String(row.id));
        if (meta.api.update === 'PUT') await api.put(target, body);
        else await api.patch(target, body);
        synced.current = values;
        await client.invalidateQueries({ queryKey: ['desk-list', meta.slug] });
        notify('Saved.', 'green');
        // The record and its history load again.
        refresh();
      }
    } catch (err) {
      if (err instanceof ApiError) {
        setError(err);
        const known = err.fieldErrors.some((fe) => fields.some((f) => fe.path === f.name || fe.path.startsWith(`${f.name}.`)));
        if (!known)
          setOtherError(
            err.detail +
              (err.fieldErrors.length
                ? ` (${err.fieldErrors.map((fe) => plainFieldMessage(fields.find((f) => f.name === fe.path)?.label ?? fe.path, fe.message)).join(' ')})`
                : ''),
          );
      } else setOtherError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const doDelete = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.delete(itemUrl(meta, String(row!.id)));
      await client.invalidateQueries({ queryKey: ['desk-list', meta.slug] });
      notify(`${meta.singular} deleted. The audit log keeps a copy.`, 'green');
      void navigate(`/app/${meta.slug}`, { replace: true });
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setDeleting(false);
    }
  };

  if (result && meta.createResult) {
    return (
      <Page
        title={title}
        description={
          <Anchor component={Link} to={`/app/${meta.slug}`} size="sm">
            ← {meta.label}
          </Anchor>
        }
        size="xl"
      >
        <Paper withBorder radius="md" p="lg" component="section" aria-label="Result" role="status">
          {meta.createResult(result)}
          <Group mt="md">
            <Button
              variant="default"
              onClick={() => {
                setResult(null);
                setValues(initial);
              }}
            >
              {`New ${meta.singular.toLowerCase()}`}
            </Button>
          </Group>
        </Paper>
      </Page>
    );
  }

  /** A field's editor: a custom field's own (a list of linked records…), else the input of its kind. */
  const fieldEditor = (f: FieldMeta) =>
    f.kind === 'custom' && f.render ? (
      <div key={f.name}>
        {f.render({
          value: values[f.name],
          values,
          onChange: (v) => set(f.name, v),
          errors: error?.fieldErrors.filter((e) => e.path === f.name || e.path.startsWith(`${f.name}.`)) ?? [],
          disabled: !canWrite,
        })}
      </div>
    ) : (
      <FieldInput
        key={f.name}
        field={f}
        values={values}
        value={values[f.name]}
        stored={isStored(row?.[f.name])}
        onChange={(v) => set(f.name, v)}
        error={fieldError(f.name)}
        disabled={!canWrite}
      />
    );

  return (
    <Page
      title={title}
      description={
        // A single-record page (settings) is its own list: its description says what it holds.
        meta.single ? (
          meta.description
        ) : (
          <Anchor component={Link} to={`/app/${meta.slug}`} size="sm">
            ← {meta.label}
          </Anchor>
        )
      }
      size="xl"
      actions={
        <>
          {!isNew && meta.actions?.(row, { refresh })}
          {canDelete && (
            <Button color="red" variant="light" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          )}
        </>
      }
    >
      {otherError && (
        <Alert color="red" variant="light" role="alert" title="Not saved">
          {otherError}
        </Alert>
      )}
      {!isNew && !editable && fields.length > 0 && <ReadOnlyRecord fields={fields} row={row} />}
      {/* What cannot change reads as values above the form; the form holds only what can. */}
      {!isNew && editable && fields.some(fixed) && <ReadOnlyRecord fields={fields.filter(fixed)} row={row} />}
      {fields.length > 0 && (isNew || editable) && (
        <Paper
          withBorder
          radius="md"
          p="lg"
          component="form"
          onSubmit={(e: FormEvent) => void submit(e)}
          noValidate
          aria-label={`${meta.singular} form`}
        >
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
              {fields.filter((f) => !f.wide && !fixed(f)).map(fieldEditor)}
            </SimpleGrid>
            {fields.filter((f) => f.wide && !fixed(f)).map(fieldEditor)}
            {canWrite && editable && (
              <Group>
                <Button type="submit" loading={saving}>
                  {isNew ? `Create ${meta.singular.toLowerCase()}` : 'Save'}
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
      )}
      {!isNew && meta.extras?.(row, { refresh, unsaved: changes })}
      {!isNew && meta.auditEntity && hasAnyRole(me, AUDIT_READERS) && (
        <AuditHistory
          entity={meta.auditEntity}
          entityId={meta.single ? undefined : String(row.id)}
          labels={{
            ...Object.fromEntries(meta.fields.map((f) => [f.name, f.label])),
            ...Object.fromEntries(Object.entries(meta.historyFields ?? {}).flatMap(([k, v]) => (v.label ? [[k, v.label]] : []))),
          }}
          values={Object.fromEntries(Object.entries(meta.historyFields ?? {}).flatMap(([k, v]) => (v.value ? [[k, v.value]] : [])))}
        />
      )}
      {confirmation.modal}
      <ConfirmDialog
        opened={confirmDelete}
        onClose={() => {
          setConfirmDelete(false);
          setDeleteError(null);
        }}
        title={`Delete this ${meta.singular.toLowerCase()}?`}
        confirmLabel="Delete"
        color="red"
        busy={deleting}
        error={deleteError}
        onConfirm={() => void doDelete()}
      >
        {meta.deleteWarning ?? 'This cannot be undone. A copy of the deleted record is kept in the audit log.'}
      </ConfirmDialog>
    </Page>
  );
}
