import { useQuery } from '@tanstack/react-query';
import { api } from './api.ts';

export interface OrganisationBrand {
  organisationName: string;
  logo: { url: string; updatedAt: string } | null;
}

export const ORGANISATION_KEY = ['organisation-brand'] as const;

/** The organisation's name and logo, for the header (any logged-in user may read them). */
export function useOrganisation() {
  return useQuery({
    queryKey: ORGANISATION_KEY,
    queryFn: ({ signal }) => api.get<OrganisationBrand>('/api/settings', { signal }),
    staleTime: 5 * 60_000,
  });
}

export const BRAND_KEY = ['organisation-brand', 'public'] as const;

/** The organisation's name and logo before anyone logs in (the login page): the public part of the settings. */
export function useBrand() {
  return useQuery({
    queryKey: BRAND_KEY,
    queryFn: ({ signal }) => api.get<OrganisationBrand>('/api/settings/brand', { signal }),
    staleTime: 5 * 60_000,
    retry: false,
  });
}
