import { useMemo } from 'react';
import { api, ok, type Schemas } from './api/client.ts';
import type { paths } from './api/schema';
import { useSession } from './session.tsx';
import { useLoad } from './ui.tsx';

export type ManagedKind = NonNullable<NonNullable<paths['/api/v1/managed-resources']['get']['parameters']['query']>['kind']>;
export type ManagedResource = Schemas['ManagedResources']['items'][number];

/**
 * The resources of one kind that configuration documents manage: one request for the page, never
 * one per row (none when `wanted` is false: a new resource is nobody's). A page that cannot tell (the request failed) shows no notice rather than no page:
 * the notice is advice, the apply that undoes a change is what the files say.
 */
export function useManaged(kind: ManagedKind, wanted = true): Map<string, ManagedResource> {
  // The API answers this to users with a role of their own; one limited to some groups is refused it.
  const asked = wanted && Boolean(useSession().me.role);
  const loaded = useLoad(async () => (asked ? ok(api.GET('/api/v1/managed-resources', { params: { query: { kind } } })) : { items: [] }), [kind, asked]);
  return useMemo(() => new Map((loaded.data?.items ?? []).map((item) => [item.resourceId, item])), [loaded.data]);
}

const warning = (resource: ManagedResource) => `Managed by files (${resource.managedBy}): the next apply will undo changes made here`;

/** Said on the edit views of a managed resource, before anything is changed. */
export function ManagedNotice({ resource }: { resource: ManagedResource | undefined }) {
  if (!resource) return null;
  return (
    <p className="notice managed" role="note" data-managed-by={resource.managedBy}>
      <strong>{warning(resource)}.</strong> It comes from the document <code>{resource.kind}/{resource.name}</code>, applied {new Date(resource.appliedAt).toLocaleString()}; change it there to keep the change.
    </p>
  );
}

/** Asks before saving an edit of a managed resource; true to go on (always, for one nobody manages). */
export function confirmManagedEdit(resource: ManagedResource | undefined): boolean {
  if (!resource) return true;
  return confirm(`${warning(resource)}.\n\nSave this change anyway?`);
}

/** A small tag beside a managed resource in a list. */
export function ManagedTag({ resource }: { resource: ManagedResource | undefined }) {
  if (!resource) return null;
  return <span className="tag managed" title={warning(resource)}>files</span>;
}
