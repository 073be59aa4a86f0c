import type { AutomationService } from '../automation/service.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { ChecksService } from '../checks/service.ts';
import type { Page, PageRequest } from '../db/pagination.ts';
import type { SloService } from '../history/slo-service.ts';
import type { MaintenanceService } from '../maintenance/service.ts';
import type { NotificationsService } from '../notifications/service.ts';
import type { SecretsService } from '../secrets/service.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';

/**
 * What configuration as code reaches the resources through: the domains' own service functions,
 * the ones their API routes call, so a document is validated, audited and announced exactly as
 * the same change made through the API or the UI. Wired by app.ts.
 */
export interface GitopsServices {
  catalog: Pick<
    CatalogService,
    | 'listSystems'
    | 'createSystem'
    | 'createSystems'
    | 'updateSystem'
    | 'deleteSystem'
    | 'setSystemEnvironments'
    | 'setDependencies'
    | 'listGroups'
    | 'createGroup'
    | 'updateGroup'
    | 'deleteGroup'
    | 'listEnvironments'
    | 'createEnvironment'
    | 'updateEnvironment'
    | 'deleteEnvironment'
  >;
  checks: Pick<
    ChecksService,
    | 'listConfigurations'
    | 'createConfiguration'
    | 'createConfigurations'
    | 'updateConfiguration'
    | 'deleteConfiguration'
    | 'listAssignments'
    | 'createAssignment'
    | 'createAssignments'
    | 'updateAssignment'
    | 'deleteAssignment'
  >;
  secrets: Pick<SecretsService, 'list' | 'create' | 'update' | 'remove' | 'resolve'>;
  notifications: Pick<
    NotificationsService,
    'listChannels' | 'createChannel' | 'updateChannel' | 'deleteChannel' | 'openChannel' | 'listSubscriptions' | 'createSubscription' | 'updateSubscription' | 'deleteSubscription'
  >;
  maintenance: Pick<MaintenanceService, 'list' | 'create' | 'update' | 'remove'>;
  automations: Pick<AutomationService, 'list' | 'create' | 'update' | 'remove'>;
  slos: Pick<SloService, 'list' | 'create' | 'update' | 'remove'>;
  strategies: StrategyRegistry;
  /** Users are not documents: subscriptions name them by email. */
  users: { idsByEmail(emails: readonly string[]): Promise<Map<string, string>>; emails(ids: readonly string[]): Promise<Map<string, string>> };
  /** Satellites are registered, not declared (each has a token): documents name them, by id → name. */
  satelliteNames(): Promise<Map<string, string>>;
  /** The names documents applied earlier were given, for kinds the API names not (by resource id). */
  appliedNames(kind: string): Promise<Map<string, string>>;
}

/** Every item of a paged list, page after page. */
export async function everything<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

/** Every resource of a kind the API names, as a store lists it: by its id and its API name. */
export async function everyNamed<T extends { id: string; name: string }>(list: (page: PageRequest) => Promise<Page<T>>): Promise<{ id: string; name: string; resource: T }[]> {
  return (await everything(list)).map((resource) => ({ id: resource.id, name: resource.name, resource }));
}
