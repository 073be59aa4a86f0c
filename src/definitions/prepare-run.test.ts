import { describe, expect, it } from 'vitest';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import { planDefinition, type Definition } from './plan.ts';
import { prepareRun, renderContextOf } from './prepare-run.ts';

const registry = { getStrategy, listStrategies, getCollector };
const run = { check: { id: 'c', name: 'n', intervalSeconds: 10 }, system: { id: 's', name: 'sys' } };
const prod = { ...run, environment: { id: 'e', name: 'prod', fields: { baseUrl: 'http://127.0.0.1:1' } } };

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

  const failures: { name: string; definition: Definition; context?: typeof run; error: string }[] = [
    { name: 'an env-less run of an environment URL', definition: { strategy: 'http', config: { url: '{{ environment.baseUrl }}/health' } }, context: run, error: 'Rendered URL is invalid: /health' },
    { name: 'a secret the strategy config needs is missing', definition: { strategy: 'http', config: { url: 'http://h/', headers: { a: '{{ secrets.gone }}' } } }, error: "secret 'gone' not found" },
  ];
  for (const row of failures) it(`fails the run: ${row.name}`, () => expect(prepare(row.definition, {}, row.context)).toEqual({ ok: false, error: row.error }));

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
