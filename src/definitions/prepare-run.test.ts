import { describe, expect, it } from 'vitest';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import { planDefinition, type Definition } from './plan.ts';
import { prepareRun, renderContextOf } from './prepare-run.ts';

const registry = { getStrategy, listStrategies, getCollector };
const run = { check: { id: 'c', name: 'n', intervalSeconds: 10 }, system: { id: 's', name: 'sys' } };
const prod = { ...run, environment: { id: 'e', name: 'prod', fields: { baseUrl: 'http://127.0.0.1:1', flag: '-f' } } };

function prepare(definition: Definition, secrets: Record<string, string>, context: typeof run = prod) {
  const planned = planDefinition(registry, definition);
  if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
  return prepareRun(planned.plan, renderContextOf(context, new Map(Object.entries(secrets))));
}

describe('prepareRun', () => {
  it('renders the strategy config with the environment', () => {
    const prepared = prepare({ strategy: 'http', config: { url: '{{ environment.baseUrl }}/health' } }, {});
    expect(prepared.ok && prepared.config).toMatchObject({ url: 'http://127.0.0.1:1/health' });
  });

  const failures: { name: string; definition: Definition; context?: typeof run; error: string; target?: string }[] = [
    { name: 'an env-less run of an environment URL', definition: { strategy: 'http', config: { url: '{{ environment.baseUrl }}/health' } }, context: run, error: 'Rendered URL is invalid: /health', target: '/health' },
    { name: 'an http URL rendered empty, in the words of SPEC §2.5', definition: { strategy: 'http', config: { url: '{{ environment.apiUrl }}' } }, error: 'Rendered URL is invalid: ', target: '' },
    { name: 'a secret the strategy config needs is missing', definition: { strategy: 'http', config: { url: 'http://h/', headers: { a: '{{ secrets.gone }}' } } }, error: "secret 'gone' not found" },
    { name: 'a TCP host rendered empty (the environment lacks the field), not localhost', definition: { strategy: 'tcp', config: { host: '{{ environment.dbHost }}', port: 5432 } }, error: 'Rendered host is empty', target: ':5432' },
    { name: 'a TCP host rendered empty in an env-less run', definition: { strategy: 'tcp', config: { host: '{{ environment.dbHost }}', port: 5432 } }, context: run, error: 'Rendered host is empty', target: ':5432' },
    { name: 'a database name rendered empty', definition: { strategy: 'postgres', config: { host: 'db', database: '{{ environment.dbName }}' } }, error: 'Rendered database is empty', target: 'postgres://postgres@db:5432/' },
    { name: 'a ping host rendered into an option', definition: { strategy: 'ping', config: { host: '{{ environment.flag }}' } }, error: 'Rendered host is invalid: -f (A host cannot start with "-")', target: '-f' },
  ];
  for (const row of failures) {
    it(`fails the run: ${row.name}`, () => {
      expect(prepare(row.definition, {}, row.context)).toEqual({ ok: false, error: row.error, ...(row.target !== undefined && { target: row.target }) });
    });
  }

  it('fails only the collector whose config renders empty, naming the field', () => {
    const prepared = prepare({ strategy: 'postgres', config: { host: 'db' }, collectors: [{ collector: 'postgres.query' }, { collector: 'postgres.query', config: { query: '{{ environment.query }}' } }] }, {});
    expect(prepared.ok && prepared.collectors.map((c) => c.failure)).toEqual([undefined, 'Rendered query is empty']);
  });

  it("gives a strategy config's secretEnv to its default collector, the collector's own winning", () => {
    const prepared = prepare(
      { strategy: 'script', config: { command: 'true', secretEnv: { A: 'one', B: 'one' } }, collectors: [{ collector: 'script.run', config: { secretEnv: { B: 'two' } } }] },
      { one: '1', two: '2' },
    );
    expect(prepared.ok && prepared.collectors.map((c) => c.env)).toEqual([{ A: '1', B: '2' }]);
  });

  it('fails only the collector whose secretEnv names a missing secret', () => {
    const prepared = prepare({ strategy: 'script', config: { command: 'true', secretEnv: { TOKEN: 'Gone-Token' } } }, {});
    expect(prepared.ok && prepared.collectors.map((c) => c.failure)).toEqual(["secret 'Gone-Token' not found"]);
  });
});
