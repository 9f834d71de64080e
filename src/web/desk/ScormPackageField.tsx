import { useState } from 'react';
import { Button, FileInput, Group, Paper, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ScormPackage } from '../../contract/scorm.ts';
import { api, ApiError, errorMessage } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { notify } from './notify.ts';

/** Uploads a SCORM zip; a refused package answers 400 SCORM_INVALID with the reasons in errors[]. */
export function uploadScormPackage(file: File): Promise<ScormPackage> {
  const form = new FormData();
  form.append('file', file, file.name);
  return api.post<ScormPackage>('/api/scorm-packages', form);
}

/** The lesson's SCORM package: its title, version and items, and a new zip to replace it (attempts are kept). */
export function ScormPackageField({ packageId }: { packageId: string }) {
  const pkg = useQuery({
    queryKey: ['desk-scorm-package', packageId],
    queryFn: ({ signal }) => api.get<ScormPackage>(`/api/scorm-packages/${packageId}`, { signal }),
  });
  const [zip, setZip] = useState<File | null>(null);
  const [zipError, setZipError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const replace = async () => {
    if (!zip) return setZipError('Choose the new zip first.');
    setSaving(true);
    setZipError(null);
    try {
      const form = new FormData();
      form.append('file', zip, zip.name);
      await api.put<ScormPackage>(`/api/scorm-packages/${packageId}/file`, form);
      notify('Package replaced; the learners’ progress is kept.', 'green');
      setZip(null);
      await pkg.refetch();
    } catch (e) {
      setZipError(e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => f.message).join(' ') : errorMessage(e));
    } finally {
      setSaving(false);
    }
  };
  if (pkg.isPending) return <PageLoader label="Loading the package…" />;
  if (pkg.isError) return <ErrorState error={pkg.error} />;
  const p = pkg.data;
  return (
    <Paper withBorder p="sm" radius="md">
      <Text fw={600}>{p.title}</Text>
      <Text size="sm" c="gray.7">
        SCORM {p.version} · {p.scos.length} item{p.scos.length === 1 ? '' : 's'} · version {p.revision}
      </Text>
      <Group align="flex-end" mt="xs">
        <FileInput label="Replace with a new zip" size="xs" w={260} accept=".zip,application/zip" value={zip} onChange={setZip} error={zipError} clearable />
        <Button size="xs" variant="default" onClick={() => void replace()} loading={saving}>
          Replace package
        </Button>
      </Group>
    </Paper>
  );
}
