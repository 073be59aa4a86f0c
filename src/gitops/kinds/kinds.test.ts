import { describe, expect, it } from 'vitest';
import { actionInputWithIds } from './automation.ts';
import { KINDS } from './registry.ts';
import { readSecretFields, secretReferences } from './secret-fields.ts';

describe('the kind registry', () => {
  it('lists every kind once, in apply order: dependencies first', () => {
    expect(KINDS.map((kind) => kind.kind)).toEqual([
      'Environment',
      'Secret',
      'Group',
      'Healthcheck',
      'System',
      'NotificationChannel',
      'Subscription',
      'MaintenanceWindow',
      'Automation',
      'Slo',
    ]);
  });
});

describe('readSecretFields: a secret field in a file holds {{ secrets.NAME }}, never the secret', () => {
  const rows: { name: string; config: Record<string, unknown>; secret: string[]; refuseElsewhere?: boolean; problems: { path: (string | number)[]; message: RegExp }[]; masked?: Record<string, unknown> }[] = [
    { name: 'a reference is masked for the schema to read', config: { token: '{{ secrets.NTFY }}', url: 'https://ntfy.sh' }, secret: ['token'], problems: [], masked: { token: '****', url: 'https://ntfy.sh' } },
    { name: 'text around the reference is fine', config: { headers: { Authorization: 'Bearer {{ secrets.hook }}' } }, secret: ['headers'], problems: [], masked: { headers: { Authorization: '****' } } },
    { name: 'the secret itself is refused', config: { password: 'hunter2' }, secret: ['password'], problems: [{ path: ['password'], message: /does not belong in a file that gets committed: write \{\{ secrets\.NAME \}\}/ }] },
    { name: 'each value of a secret map', config: { headers: { 'X-Key': 'abc', 'X-Ok': '{{ secrets.k }}' } }, secret: ['headers'], problems: [{ path: ['headers', 'X-Key'], message: /does not belong in a file/ }] },
    { name: 'an empty secret is no secret', config: { password: '' }, secret: ['password'], problems: [] },
    { name: 'only secrets are read there', config: { token: '{{ environment.token }}' }, secret: ['token'], problems: [{ path: ['token'], message: /expected only \{\{ secrets\.NAME \}\} in a secret field, not \{\{ environment\.token \}\}/ }] },
    { name: 'an unterminated template', config: { token: '{{ secrets.x' }, secret: ['token'], problems: [{ path: ['token'], message: /Unterminated template/ }] },
    { name: 'a reference outside the secret fields is refused when the config is stored as written', config: { url: '{{ secrets.URL }}' }, secret: ['token'], refuseElsewhere: true, problems: [{ path: ['url'], message: /read only in the secret fields \(token\)/ }] },
    { name: '… and left to the strategy when it renders templates', config: { url: '{{ secrets.URL }}' }, secret: ['token'], refuseElsewhere: false, problems: [] },
    { name: 'nested secret paths', config: { tls: { key: 'PEM', cert: 'PEM' } }, secret: ['tls.key'], problems: [{ path: ['tls', 'key'], message: /does not belong/ }] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const read = readSecretFields(row.config, row.secret, row.refuseElsewhere ?? false);
      expect(read.problems).toEqual(row.problems.map((problem) => ({ path: problem.path, message: expect.stringMatching(problem.message) })));
      if (row.masked) expect(read.config).toEqual(row.masked);
    });
  }

  it('finds every secret reference with its path', () => {
    expect(secretReferences({ url: '{{ environment.baseUrl }}/x', headers: { a: '{{ secrets.A }} and {{ secrets.b-2 }}' }, list: ['{{secrets.C}}'] }, ['config'])).toEqual([
      { kind: 'Secret', name: 'A', path: ['config', 'headers', 'a'] },
      { kind: 'Secret', name: 'b-2', path: ['config', 'headers', 'a'] },
      { kind: 'Secret', name: 'C', path: ['config', 'list', 0] },
    ]);
  });
});

describe('actionInputWithIds: names in a file, ids for the API', () => {
  const ids: Record<string, string> = { 'NotificationChannel/ops': 'c-1', 'System/api': 's-1', 'System/db': 's-2', 'Healthcheck/health': 'h-1', 'Automation/opener': 'r-1' };
  const idOf = (kind: string, name: string) => ids[`${kind}/${name}`] ?? 'unknown';
  const rows: { name: string; input: Record<string, unknown>; expected?: Record<string, unknown>; problems?: { path: string[]; message: RegExp }[] }[] = [
    { name: 'channel → channelId', input: { channel: 'ops', title: 't' }, expected: { channelId: 'c-1', title: 't' } },
    { name: 'system and healthcheck → systemId and configurationId', input: { system: 'api', healthcheck: 'health' }, expected: { systemId: 's-1', configurationId: 'h-1' } },
    { name: 'systems → systemIds, in order', input: { systems: ['db', 'api'], minutes: 5 }, expected: { systemIds: ['s-2', 's-1'], minutes: 5 } },
    { name: 'openedBy names the rule', input: { openedBy: 'opener', message: 'm' }, expected: { openedBy: 'r-1', message: 'm' } },
    { name: 'an id field may hold a template', input: { systemId: '{{ trigger.payload.systemId }}' }, expected: { systemId: '{{ trigger.payload.systemId }}' } },
    { name: 'a literal id is refused: ids differ between servers', input: { channelId: '3f0c2a5e-0000-4000-8000-000000000001' }, problems: [{ path: ['channelId'], message: /ids differ from one Vigil to the next: write channel: <NotificationChannel name>/ }] },
    { name: 'a name cannot be a template', input: { system: '{{ trigger.payload.systemName }}' }, problems: [{ path: ['system'], message: /looked up when the documents are applied, so it cannot be a template \(use systemId for one\)/ }] },
    { name: 'one field written both ways', input: { system: 'api', systemId: '{{ trigger.payload.systemId }}' }, problems: [{ path: ['system'], message: /expected one of system and systemId, not both/ }] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const translated = actionInputWithIds(row.input, idOf);
      expect(translated.problems).toEqual((row.problems ?? []).map((problem) => ({ path: problem.path, message: expect.stringMatching(problem.message) })));
      if (row.expected) expect(translated.input).toEqual(row.expected);
    });
  }
});
