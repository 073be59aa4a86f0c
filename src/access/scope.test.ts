import { describe, expect, it } from 'vitest';
import { checkScope, scopeTarget, type ScopeFacts, type ScopedRequest, type ScopeTarget } from './scope.ts';

const A = '0a0a0a0a-0000-4000-8000-00000000000a';
const B = '0b0b0b0b-0000-4000-8000-00000000000b';
const S = '11111111-0000-4000-8000-000000000001';

describe('scopeTarget: what a request is about', () => {
  const rows: { request: Partial<ScopedRequest> & { method: string; path: string }; expected: ScopeTarget['kind'] | ScopeTarget }[] = [
    { request: { method: 'GET', path: '/environments' }, expected: 'shared' },
    { request: { method: 'GET', path: `/environments/${S}` }, expected: 'shared' },
    { request: { method: 'POST', path: '/environments' }, expected: 'refused' },
    { request: { method: 'GET', path: '/secrets' }, expected: 'shared' },
    { request: { method: 'PUT', path: '/secrets/X' }, expected: 'refused' },
    { request: { method: 'POST', path: '/configurations/validate' }, expected: 'shared' },
    { request: { method: 'POST', path: '/configurations/test-run', body: { systemId: S, definition: {} } }, expected: { kind: 'test-run', systemId: S } },
    { request: { method: 'POST', path: '/configurations/test-run', body: { systemId: S, configurationId: A } }, expected: { kind: 'test-run', systemId: S, configurationId: A } },
    { request: { method: 'POST', path: '/configurations/test-run', body: { definition: {} } }, expected: 'refused' },
    { request: { method: 'POST', path: '/configurations/test-run', body: { kind: 'shell', script: 'true', timeoutMs: 1000 } }, expected: 'refused' },
    { request: { method: 'GET', path: '/systems' }, expected: 'refused' },
    { request: { method: 'GET', path: '/systems', query: { groupId: A } }, expected: { kind: 'group', id: A } },
    { request: { method: 'POST', path: '/systems', body: { name: 'x', groupIds: [A] } }, expected: { kind: 'new-system', groupIds: [A] } },
    { request: { method: 'POST', path: '/systems', body: { name: 'x' } }, expected: { kind: 'new-system', groupIds: [] } },
    { request: { method: 'GET', path: `/systems/${S}` }, expected: { kind: 'system', id: S } },
    { request: { method: 'DELETE', path: `/systems/${S}` }, expected: { kind: 'system', id: S } },
    { request: { method: 'PATCH', path: `/systems/${S}`, body: { groupIds: [B] } }, expected: { kind: 'system-update', id: S, groupIds: [B] } },
    { request: { method: 'PUT', path: `/systems/${S}/environments` }, expected: { kind: 'system', id: S } },
    { request: { method: 'PUT', path: `/systems/${S}/dependencies` }, expected: { kind: 'system', id: S } },
    { request: { method: 'GET', path: '/notifications', query: { systemId: S } }, expected: { kind: 'system', id: S } },
    { request: { method: 'GET', path: '/incidents', query: { systemId: S } }, expected: { kind: 'system', id: S } },
    { request: { method: 'GET', path: '/subscriptions' }, expected: 'refused' },
    { request: { method: 'POST', path: '/subscriptions', body: { systemId: S, channelId: S } }, expected: { kind: 'system', id: S } },
    { request: { method: 'POST', path: '/incidents', body: { systemIds: [S], title: 't', severity: 'minor' } }, expected: { kind: 'systems', ids: [S] } },
    { request: { method: 'POST', path: '/incidents', body: { title: 't' } }, expected: 'refused' },
    { request: { method: 'GET', path: `/incidents/${S}` }, expected: 'refused' },
    { request: { method: 'POST', path: '/notification-channels' }, expected: 'refused' },
    { request: { method: 'GET', path: `/systems/${S}/health` }, expected: { kind: 'system', id: S } },
    { request: { method: 'POST', path: '/groups' }, expected: 'refused' },
    { request: { method: 'DELETE', path: `/groups/${A}` }, expected: 'refused' },
    { request: { method: 'PATCH', path: `/groups/${A}`, body: { systemIds: [S] } }, expected: { kind: 'group', id: A, systemIds: [S] } },
    { request: { method: 'GET', path: '/configurations' }, expected: 'refused' },
    { request: { method: 'POST', path: '/configurations' }, expected: 'new-configuration' },
    { request: { method: 'GET', path: `/configurations/${S}` }, expected: { kind: 'configuration', id: S, write: false } },
    { request: { method: 'PATCH', path: `/configurations/${S}` }, expected: { kind: 'configuration', id: S, write: true } },
    { request: { method: 'POST', path: '/assignments', body: { systemId: S } }, expected: { kind: 'new-assignment', systemId: S } },
    { request: { method: 'GET', path: '/assignments', query: { systemId: S } }, expected: { kind: 'system', id: S } },
    { request: { method: 'GET', path: '/assignments' }, expected: 'refused' },
    { request: { method: 'POST', path: `/assignments/${S}/run` }, expected: { kind: 'assignment', id: S } },
    { request: { method: 'GET', path: '/runs', query: { systemId: S } }, expected: { kind: 'system', id: S } },
    { request: { method: 'GET', path: `/runs/${S}` }, expected: { kind: 'run', id: S } },
    { request: { method: 'DELETE', path: `/runs/${S}` }, expected: 'refused' },
    { request: { method: 'GET', path: '/runs/not-a-run' }, expected: 'refused' },
    { request: { method: 'GET', path: '/strategies' }, expected: 'shared' },
    { request: { method: 'GET', path: '/strategies/http' }, expected: 'shared' },
    { request: { method: 'POST', path: '/strategies' }, expected: 'refused' },
    { request: { method: 'GET', path: '/transitions' }, expected: 'refused' },
    { request: { method: 'GET', path: '/events' }, expected: 'refused' },
    { request: { method: 'GET', path: '/health', query: { systemIds: `${S}, ${A}` } }, expected: { kind: 'systems', ids: [S, A] } },
    { request: { method: 'GET', path: '/history', query: { systemId: S } }, expected: { kind: 'system', id: S } },
    { request: { method: 'GET', path: '/uptime', query: { groupId: A } }, expected: { kind: 'group', id: A } },
    { request: { method: 'GET', path: '/uptime', query: { systemIds: S } }, expected: { kind: 'systems', ids: [S] } },
    { request: { method: 'GET', path: '/uptime' }, expected: 'refused' },
    { request: { method: 'GET', path: '/some-route-added-later' }, expected: 'refused' },
  ];
  it.each(rows)('$request.method $request.path', ({ request, expected }) => {
    const target = scopeTarget({ query: {}, ...request });
    if (typeof expected === 'string') expect(target.kind).toBe(expected);
    else expect(target).toEqual(expected);
  });
});

describe('checkScope: whether it stays within the groups', () => {
  // Systems s-a in A, s-b in B, s-ab in both, s-none in none; configuration c-a on s-a, c-ab on s-a and s-b, c-none on nothing.
  const systemGroups: Record<string, string[]> = { 's-a': [A], 's-b': [B], 's-ab': [A, B], 's-none': [] };
  const facts: ScopeFacts = {
    groupsOfSystems: async (ids) => new Map(ids.filter((id) => id in systemGroups).map((id) => [id, systemGroups[id]!])),
    systemsOfGroup: async (id) => Object.keys(systemGroups).filter((s) => systemGroups[s]!.includes(id)),
    systemsOfConfiguration: async (id) => ({ 'c-a': ['s-a'], 'c-ab': ['s-a', 's-b'], 'c-none': [] })[id] ?? [],
    systemOfAssignment: async (id) => ({ 'x-a': 's-a', 'x-b': 's-b' })[id],
    systemOfRun: async (id) => ({ 'r-a': 's-a', 'r-ab': 's-ab', 'r-b': 's-b' })[id],
  };
  const rows: { name: string; target: ScopeTarget; allowed: boolean }[] = [
    { name: 'a system in the group', target: { kind: 'system', id: 's-a' }, allowed: true },
    { name: 'a system in the group and another', target: { kind: 'system', id: 's-ab' }, allowed: true },
    { name: 'a system outside', target: { kind: 'system', id: 's-b' }, allowed: false },
    { name: 'a system in no group', target: { kind: 'system', id: 's-none' }, allowed: false },
    { name: 'a system that does not exist', target: { kind: 'system', id: 'nope' }, allowed: false },
    { name: 'many systems, all inside', target: { kind: 'systems', ids: ['s-a', 's-ab'] }, allowed: true },
    { name: 'many systems, one outside', target: { kind: 'systems', ids: ['s-a', 's-b'] }, allowed: false },
    { name: 'a new system in the group', target: { kind: 'new-system', groupIds: [A] }, allowed: true },
    { name: 'a new system in no group', target: { kind: 'new-system', groupIds: [] }, allowed: false },
    { name: 'a new system also in another group', target: { kind: 'new-system', groupIds: [A, B] }, allowed: false },
    { name: 'fields of a system inside', target: { kind: 'system-update', id: 's-a' }, allowed: true },
    { name: 'moving a system out of every group of yours', target: { kind: 'system-update', id: 's-a', groupIds: [] }, allowed: false },
    { name: 'adding a system to another group', target: { kind: 'system-update', id: 's-a', groupIds: [A, B] }, allowed: false },
    { name: 'a shared system leaving the other group', target: { kind: 'system-update', id: 's-ab', groupIds: [A] }, allowed: true },
    { name: 'fields of a system outside', target: { kind: 'system-update', id: 's-b' }, allowed: false },
    { name: 'the group itself', target: { kind: 'group', id: A }, allowed: true },
    { name: 'another group', target: { kind: 'group', id: B }, allowed: false },
    { name: 'pulling a system from outside into the group', target: { kind: 'group', id: A, systemIds: ['s-a', 's-ab', 's-b'] }, allowed: false },
    { name: 'removing a system of the group', target: { kind: 'group', id: A, systemIds: ['s-ab'] }, allowed: true },
    { name: 'reading a configuration on one of its systems', target: { kind: 'configuration', id: 'c-ab', write: false }, allowed: true },
    { name: 'changing a configuration shared with another team', target: { kind: 'configuration', id: 'c-ab', write: true }, allowed: false },
    { name: 'changing a configuration only on its systems', target: { kind: 'configuration', id: 'c-a', write: true }, allowed: true },
    { name: 'changing a configuration assigned nowhere', target: { kind: 'configuration', id: 'c-none', write: true }, allowed: false },
    { name: 'an assignment on its system', target: { kind: 'assignment', id: 'x-a' }, allowed: true },
    { name: 'an assignment elsewhere', target: { kind: 'assignment', id: 'x-b' }, allowed: false },
    { name: 'an assignment that does not exist', target: { kind: 'assignment', id: 'nope' }, allowed: false },
    { name: 'a run of its system', target: { kind: 'run', id: 'r-a' }, allowed: true },
    { name: 'a run of a system shared with another group', target: { kind: 'run', id: 'r-ab' }, allowed: true },
    { name: 'a run elsewhere', target: { kind: 'run', id: 'r-b' }, allowed: false },
    { name: 'a run that does not exist', target: { kind: 'run', id: 'nope' }, allowed: false },
    { name: 'assigning to its system', target: { kind: 'new-assignment', systemId: 's-a' }, allowed: true },
    { name: 'assigning elsewhere', target: { kind: 'new-assignment', systemId: 's-b' }, allowed: false },
    { name: 'drafting a configuration', target: { kind: 'new-configuration' }, allowed: true },
    { name: 'a test run against its system', target: { kind: 'test-run', systemId: 's-a' }, allowed: true },
    { name: 'a test run against a system outside', target: { kind: 'test-run', systemId: 's-b' }, allowed: false },
    { name: 'a test run of a configuration it may read, against its system', target: { kind: 'test-run', systemId: 's-a', configurationId: 'c-ab' }, allowed: true },
    { name: 'a test run of another team\'s configuration, against its own system', target: { kind: 'test-run', systemId: 's-a', configurationId: 'c-none' }, allowed: false },
    { name: 'shared definitions', target: { kind: 'shared' }, allowed: true },
    { name: 'an unknown route', target: { kind: 'refused', reason: 'no' }, allowed: false },
  ];
  it.each(rows)('$name', async ({ target, allowed }) => {
    expect((await checkScope(target, [A], facts)).allowed).toBe(allowed);
  });
});
