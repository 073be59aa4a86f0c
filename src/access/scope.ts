/**
 * Group-scoped grants (SPEC §8.1, Vigil): a caller who holds the role a route needs only within
 * some groups may use it only on what lies in those groups — their systems, the configurations
 * assigned only to them, their assignments, runs and health. Deciding which resource a request is
 * about is pure (scopeTarget, table-tested); the facts it then needs (a system's groups, a
 * configuration's systems) come from the domains that own them, through ScopeFacts.
 *
 * A route this table does not know is refused to a scoped caller: a new route stays closed to them
 * until someone decides what its scope is.
 */

export interface ScopedRequest {
  method: string;
  /** The path under /api/v1. */
  path: string;
  query: Record<string, string | undefined>;
  /** The JSON body of a write, when there is one. */
  body?: unknown;
}

/** What a request touches, as far as scope is concerned. */
export type ScopeTarget =
  /** Definitions shared by every team (environments, strategies, secret names) to read, or a draft to validate. */
  | { kind: 'shared' }
  | { kind: 'system'; id: string }
  /** A new system: it must be put in one of the caller's groups, and only in theirs. */
  | { kind: 'new-system'; groupIds: string[] }
  /** A system's fields, and maybe its groups: it must be theirs, and stay theirs. */
  | { kind: 'system-update'; id: string; groupIds?: string[] }
  | { kind: 'systems'; ids: string[] }
  | { kind: 'group'; id: string; systemIds?: string[] }
  /** Reading needs one of its systems in scope; changing needs all of them (and at least one). */
  | { kind: 'configuration'; id: string; write: boolean }
  /** A new configuration belongs to nobody until it is assigned. */
  | { kind: 'new-configuration' }
  | { kind: 'assignment'; id: string }
  /** One run: in scope when its system is. */
  | { kind: 'run'; id: string }
  | { kind: 'new-assignment'; systemId: string }
  /** A test run against one of its systems; of a stored configuration, one it may read. */
  | { kind: 'test-run'; systemId: string; configurationId?: string }
  | { kind: 'refused'; reason: string };

const ID = '([0-9a-fA-F-]{36})';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const listOnly = (what: string, filter: string) => ({
  kind: 'refused' as const,
  reason: `Your role is limited to some groups: list ${what} with ?${filter}= one of yours`,
});

export function scopeTarget(request: ScopedRequest): ScopeTarget {
  const { method, path, query } = request;
  const write = WRITES.has(method.toUpperCase());
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
  const ids = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined);
  let m: RegExpExecArray | null;

  if (!write && /^\/(environments(\/[^/]+)?|strategies(\/.*)?|secrets)$/.test(path)) return { kind: 'shared' };
  if (method === 'POST' && path === '/configurations/validate') return { kind: 'shared' };
  if (method === 'POST' && path === '/configurations/test-run') {
    if (typeof body.systemId !== 'string') return { kind: 'refused', reason: 'Your role is limited to some groups: test-run against one of your systems (systemId)' };
    return { kind: 'test-run', systemId: body.systemId, ...(typeof body.configurationId === 'string' && { configurationId: body.configurationId }) };
  }

  if (path === '/systems') {
    if (method === 'POST') return { kind: 'new-system', groupIds: ids(body.groupIds) ?? [] };
    return query.groupId ? { kind: 'group', id: query.groupId } : listOnly('systems', 'groupId');
  }
  if ((m = new RegExp(`^/systems/${ID}$`).exec(path))) {
    if (method === 'PATCH') return { kind: 'system-update', id: m[1]!, groupIds: ids(body.groupIds) };
    return { kind: 'system', id: m[1]! };
  }
  if ((m = new RegExp(`^/systems/${ID}/(environments|dependencies|health)$`).exec(path))) return { kind: 'system', id: m[1]! };

  if ((m = new RegExp(`^/groups/${ID}$`).exec(path)) && (method === 'GET' || method === 'PATCH')) {
    return { kind: 'group', id: m[1]!, systemIds: method === 'PATCH' ? ids(body.systemIds) : undefined };
  }

  if (path === '/configurations') {
    return method === 'POST' ? { kind: 'new-configuration' } : { kind: 'refused', reason: 'Your role is limited to some groups: read a configuration by id, or list assignments with ?systemId=' };
  }
  if ((m = new RegExp(`^/configurations/${ID}$`).exec(path))) return { kind: 'configuration', id: m[1]!, write };

  if (path === '/assignments') {
    if (method === 'POST') return typeof body.systemId === 'string' ? { kind: 'new-assignment', systemId: body.systemId } : { kind: 'refused', reason: 'expected systemId' };
    if (query.systemId) return { kind: 'system', id: query.systemId };
    return listOnly('assignments', 'systemId');
  }
  if ((m = new RegExp(`^/assignments/${ID}(/run|/rotate-ping)?$`).exec(path))) return { kind: 'assignment', id: m[1]! };

  if (path === '/uptime') {
    if (query.systemIds) return { kind: 'systems', ids: query.systemIds.split(',').map((id) => id.trim()).filter(Boolean) };
    return query.groupId ? { kind: 'group', id: query.groupId } : listOnly('uptime', 'groupId');
  }
  if ((m = new RegExp(`^/runs/${ID}$`).exec(path)) && !write) return { kind: 'run', id: m[1]! };
  if (path === '/runs' || path === '/transitions' || path === '/events' || path === '/history') {
    return query.systemId ? { kind: 'system', id: query.systemId } : listOnly(path.slice(1), 'systemId');
  }
  // Lists of what is about systems, filtered to one of theirs.
  if (!write && /^\/(notifications|subscriptions|incidents|maintenance|slos)$/.test(path)) {
    return query.systemId ? { kind: 'system', id: query.systemId } : listOnly(path.slice(1), 'systemId');
  }
  // New ones about their systems only: a subscription to one of their systems or groups, an incident on their systems.
  if (method === 'POST' && path === '/subscriptions') {
    if (typeof body.systemId === 'string') return { kind: 'system', id: body.systemId };
    if (typeof body.groupId === 'string') return { kind: 'group', id: body.groupId };
  }
  if (method === 'POST' && path === '/incidents' && ids(body.systemIds)?.length) return { kind: 'systems', ids: ids(body.systemIds)! };
  if (path === '/health' && query.systemIds) {
    return { kind: 'systems', ids: query.systemIds.split(',').map((id) => id.trim()).filter(Boolean) };
  }
  return { kind: 'refused', reason: 'Your role is limited to some groups, and this is not about a system in them' };
}

/** What a scope decision needs to know, read from the domains that own it. */
export interface ScopeFacts {
  /** Each system's groups (systems that do not exist are absent). */
  groupsOfSystems(systemIds: string[]): Promise<Map<string, string[]>>;
  systemsOfGroup(groupId: string): Promise<string[]>;
  systemsOfConfiguration(configurationId: string): Promise<string[]>;
  systemOfAssignment(assignmentId: string): Promise<string | undefined>;
  systemOfRun(runId: string): Promise<string | undefined>;
}

export type ScopeDecision = { allowed: true } | { allowed: false; reason: string };

const OUTSIDE = 'This is outside the groups your role is limited to';

/** Whether a request about `target` stays within `scope` (group ids). */
export async function checkScope(target: ScopeTarget, scope: readonly string[], facts: ScopeFacts): Promise<ScopeDecision> {
  const inScope = (groupId: string) => scope.includes(groupId);
  const systemsInScope = async (systemIds: string[]) => {
    if (!systemIds.length) return false;
    const groups = await facts.groupsOfSystems(systemIds);
    return systemIds.every((id) => (groups.get(id) ?? []).some(inScope));
  };
  const verdict = (ok: boolean, reason = OUTSIDE): ScopeDecision => (ok ? { allowed: true } : { allowed: false, reason });

  switch (target.kind) {
    case 'shared':
    case 'new-configuration':
      return { allowed: true };
    case 'refused':
      return { allowed: false, reason: target.reason };
    case 'system':
      return verdict(await systemsInScope([target.id]));
    case 'systems':
      return verdict(await systemsInScope(target.ids));
    case 'new-system':
      return verdict(target.groupIds.length > 0 && target.groupIds.every(inScope), 'A new system must be put only in groups your role covers (groupIds)');
    case 'system-update': {
      const current = (await facts.groupsOfSystems([target.id])).get(target.id) ?? [];
      if (!current.some(inScope)) return verdict(false);
      if (!target.groupIds) return verdict(true);
      const added = target.groupIds.filter((g) => !current.includes(g));
      return verdict(added.every(inScope) && target.groupIds.some(inScope), 'A system may be moved only into groups your role covers, and must stay in one of them (groupIds)');
    }
    case 'group': {
      if (!inScope(target.id)) return verdict(false);
      if (!target.systemIds) return verdict(true);
      const current = await facts.systemsOfGroup(target.id);
      const moved = [...target.systemIds.filter((s) => !current.includes(s)), ...current.filter((s) => !target.systemIds!.includes(s))];
      return verdict(!moved.length || (await systemsInScope(moved)), 'Only systems in groups your role covers may join or leave the group (systemIds)');
    }
    case 'configuration': {
      const systems = await facts.systemsOfConfiguration(target.id);
      if (target.write) return verdict(await systemsInScope(systems), 'A configuration may be changed only when every system it is assigned to is in groups your role covers');
      const groups = await facts.groupsOfSystems(systems);
      return verdict(systems.some((id) => (groups.get(id) ?? []).some(inScope)));
    }
    case 'assignment': {
      const systemId = await facts.systemOfAssignment(target.id);
      return verdict(systemId !== undefined && (await systemsInScope([systemId])));
    }
    case 'run': {
      const systemId = await facts.systemOfRun(target.id);
      return verdict(systemId !== undefined && (await systemsInScope([systemId])));
    }
    case 'new-assignment':
      return verdict(await systemsInScope([target.systemId]), 'A check may be assigned only to a system in groups your role covers (systemId)');
    case 'test-run': {
      if (!(await systemsInScope([target.systemId]))) return verdict(false, 'A test run may run only against a system in groups your role covers (systemId)');
      if (target.configurationId === undefined) return verdict(true);
      return checkScope({ kind: 'configuration', id: target.configurationId, write: false }, scope, facts);
    }
  }
}
