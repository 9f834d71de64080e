/** The organisation logo on the LMS settings page: shows the current one, uploads a new one, removes it. */
import { useQueryClient } from '@tanstack/react-query';
import { ORGANISATION_KEY, useOrganisation } from '../ui/organisation.ts';
import { ImageField } from './ImageField.tsx';

export function LogoSettings() {
  const client = useQueryClient();
  const organisation = useOrganisation();
  return (
    <ImageField
      title="Organisation logo"
      noun="logo"
      description="Shown in the header, in every mail and on receipts and training records. A PNG or JPEG image of at most 1 MB."
      imageUrl={organisation.data?.logo?.url ?? null}
      url="/api/settings/logo"
      accept={['image/png', 'image/jpeg']}
      acceptLabel="a PNG or JPEG image"
      maxBytes={1024 * 1024}
      previewAlt="Current organisation logo"
      testId="settings-logo"
      onChanged={() =>
        Promise.all([
          client.invalidateQueries({ queryKey: ORGANISATION_KEY }),
          client.invalidateQueries({ queryKey: ['desk-audit'] }),
        ])
      }
    />
  );
}
