import { describe, expect, it } from 'vitest';
import { diffFields, plan, type PlannedResource } from './plan.ts';

const env = (name: string, fields: Record<string, unknown> = {}, extra: Partial<PlannedResource> = {}): PlannedResource => ({ kind: 'Environment', name, order: 10, spec: { description: '', fields }, ...extra });
const check = (name: string, url: string, extra: Partial<PlannedResource> = {}): PlannedResource => ({ kind: 'Healthcheck', name, order: 40, spec: { strategy: 'http', intervalSeconds: 30, config: { url } }, ...extra });
const summary = (changes: ReturnType<typeof plan>) => changes.map((c) => `${c.action} ${c.kind}/${c.name}`);

describe('plan', () => {
  it('creates what is new, in apply order, and says what is unchanged', () => {
    expect(summary(plan([check('api', 'http://a'), env('prod')], [env('prod')]))).toEqual(['unchanged Environment/prod', 'create Healthcheck/api']);
  });

  it('updates field by field, names compared ignoring case', () => {
    const [change] = plan([check('API', 'http://b')], [check('api', 'http://a')]);
    expect(change).toEqual({ kind: 'Healthcheck', name: 'API', action: 'update', fields: [{ path: 'config.url', before: 'http://a', after: 'http://b' }] });
  });

  it('a second apply of the same files plans nothing', () => {
    const files = [env('prod', { baseUrl: 'https://p' }), check('api', 'http://a')];
    expect(plan(files, files).every((c) => c.action === 'unchanged')).toBe(true);
  });

  const current = [env('prod', {}, { fromFiles: true }), env('lab'), check('old', 'http://o', { fromFiles: true }), check('ui-made', 'http://u')];
  const rows: { name: string; options: Parameters<typeof plan>[2]; expected: string[] }[] = [
    { name: 'without prune nothing goes', options: {}, expected: ['unchanged Environment/prod'] },
    { name: 'prune removes what files made and no longer declare, dependents first', options: { prune: true }, expected: ['unchanged Environment/prod', 'delete Healthcheck/old'] },
    { name: 'prune-all removes what the UI made too', options: { pruneAll: true }, expected: ['unchanged Environment/prod', 'delete Healthcheck/ui-made', 'delete Healthcheck/old', 'delete Environment/lab'] },
  ];
  for (const row of rows) it(row.name, () => expect(summary(plan([env('prod')], current, row.options))).toEqual(row.expected));

  it('shows a secret as changed, never its values', () => {
    const before: PlannedResource = { kind: 'Secret', name: 'TOKEN', order: 20, spec: { valueFrom: { env: 'TOKEN' }, value: 'old-value' }, secretPaths: ['value'] };
    const [change] = plan([{ ...before, spec: { valueFrom: { env: 'TOKEN' }, value: 'new-value' } }], [before]);
    expect(change!.fields).toEqual([{ path: 'value', secret: true }]);
    expect(JSON.stringify(change)).not.toMatch(/old-value|new-value/);
  });
});

describe('diffFields', () => {
  const rows: { name: string; before: unknown; after: unknown; expected: ReturnType<typeof diffFields> }[] = [
    { name: 'equal', before: { a: 1, b: [1, 2] }, after: { b: [1, 2], a: 1 }, expected: [] },
    { name: 'a field left out equals null', before: { a: null }, after: {}, expected: [] },
    { name: 'a nested field', before: { config: { url: 'x', timeout: 5 } }, after: { config: { url: 'x', timeout: 9 } }, expected: [{ path: 'config.timeout', before: 5, after: 9 }] },
    { name: 'an item of a list', before: { environments: ['prod', 'staging'] }, after: { environments: ['prod', 'lab'] }, expected: [{ path: 'environments.1', before: 'staging', after: 'lab' }] },
    { name: 'a list that changed length, whole', before: { groups: ['a'] }, after: { groups: ['a', 'b'] }, expected: [{ path: 'groups', before: ['a'], after: ['a', 'b'] }] },
    { name: 'an added field', before: {}, after: { description: 'x' }, expected: [{ path: 'description', after: 'x' }] },
    { name: 'a removed field', before: { description: 'x' }, after: {}, expected: [{ path: 'description', before: 'x' }] },
  ];
  for (const row of rows) it(row.name, () => expect(diffFields(row.before, row.after)).toEqual(row.expected));
});
