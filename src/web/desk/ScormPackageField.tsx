import { Paper, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ScormPackage } from '../../contract/scorm.ts';
import { UPLOAD_LIMITS } from '../../contract/uploads.ts';
import { api } from '../ui/api.ts';
import { ErrorState, PageLoader } from '../ui/states.tsx';
import { FileUpload } from './file-upload.tsx';
import { notify } from './notify.ts';

/** A SCORM zip as the file picker knows it (Windows browsers call a zip application/x-zip-compressed). */
export const SCORM_ZIP = { ...UPLOAD_LIMITS.scormPackage, accept: [...UPLOAD_LIMITS.scormPackage.accept, 'application/x-zip-compressed', '.zip'] };

/** The lesson's SCORM package: its title, version and items, and a new zip to replace it (attempts are kept). */
export function ScormPackageField({ packageId }: { packageId: string }) {
  const pkg = useQuery({
    queryKey: ['desk-scorm-package', packageId],
    queryFn: ({ signal }) => api.get<ScormPackage>(`/api/scorm-packages/${packageId}`, { signal }),
  });
  if (pkg.isPending) return <PageLoader label="Loading the package…" />;
  if (pkg.isError) return <ErrorState error={pkg.error} />;
  const p = pkg.data;
  return (
    <Paper withBorder p="sm" radius="md">
      <Text fw={600}>{p.title}</Text>
      <Text size="sm" c="gray.7">
        SCORM {p.version} · {p.scos.length} item{p.scos.length === 1 ? '' : 's'} · version {p.revision}
      </Text>
      <Stack mt="xs">
        <FileUpload
          label="Replace with a new zip"
          limit={SCORM_ZIP}
          url={`/api/scorm-packages/${packageId}/file`}
          buttonLabel="Replace package"
          onUploaded={async () => {
            notify('Package replaced; the learners’ progress is kept.', 'green');
            await pkg.refetch();
          }}
        />
      </Stack>
    </Paper>
  );
}
