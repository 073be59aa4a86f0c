import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OPERATORS } from '../assertions/types.ts';
import { SECRET_MARK, TEMPLATABLE_MARK, configJsonSchema, describeStrategy, type JsonSchema } from './catalogue.ts';
import { ALL_STRATEGIES, getStrategy } from './registry.ts';

const describe_ = (id: string) => describeStrategy(getStrategy(id)!);
const at = (schema: JsonSchema, ...path: string[]): JsonSchema => path.reduce((node, key) => (node as Record<string, JsonSchema>)[key]!, schema);

describe('describeStrategy', () => {
  it('describes every strategy and collector with a JSON Schema of its config', () => {
    for (const strategy of ALL_STRATEGIES) {
      const described = describeStrategy(strategy);
      // Every strategy the engine runs is bounded by its timeout; a passive one (heartbeat) is never run.
      const properties = strategy.passive ? {} : { timeout: { type: 'integer' } };
      expect(described.configSchema, strategy.id).toMatchObject({ type: 'object', properties });
      expect(described.passive, strategy.id).toBe(strategy.id === 'heartbeat');
      expect(described.collectors.map((c) => c.id)).toContain(strategy.defaultCollector);
      for (const collector of described.collectors) expect(collector.configSchema.type, collector.id).toBe('object');
    }
  });

  it('says which strategies run a program on the Vigil host', () => {
    expect(describe_('script').runsOnHost).toBe(true);
    expect(describe_('http').runsOnHost).toBe(false);
  });

  it('leaves fields with a default out of required: a person need not write them', () => {
    const http = describe_('http').configSchema;
    expect(http.required).toEqual(['url']);
    expect(at(http, 'properties', 'method', 'default')).toBe('GET');
  });

  const marks: { name: string; strategy: string; path: string[]; templatable?: boolean; secret?: boolean }[] = [
    { name: 'a templatable field', strategy: 'http', path: ['url'], templatable: true },
    { name: 'every value of a templatable map (headers.*)', strategy: 'http', path: ['headers', 'additionalProperties'], templatable: true },
    { name: 'every item of a templatable list (args.*)', strategy: 'script', path: ['args', 'items'], templatable: true },
    { name: 'a nested secret field (tls.key)', strategy: 'http', path: ['tls', 'properties', 'key'], secret: true },
    { name: 'a secret field', strategy: 'ssh', path: ['password'], secret: true },
    { name: 'a field that is neither', strategy: 'http', path: ['timeout'] },
    { name: 'the map itself, when only its values are templatable', strategy: 'http', path: ['headers'] },
  ];
  it.each(marks)('marks $name', ({ strategy, path, templatable, secret }) => {
    const node = at(describe_(strategy).configSchema, 'properties', ...path);
    expect(node[TEMPLATABLE_MARK]).toBe(templatable);
    expect(node[SECRET_MARK]).toBe(secret);
  });

  it('marks a collector’s templatable config paths too', () => {
    const exec = describe_('ssh').collectors.find((c) => c.id === getStrategy('ssh')!.defaultCollector)!;
    expect(at(exec.configSchema, 'properties', 'command')[TEMPLATABLE_MARK]).toBe(true);
  });

  it('lists result fields with the operators assertions accept on them, latencyMs first', () => {
    const request = describe_('http').collectors.find((c) => c.id === 'http.request')!;
    const field = (name: string) => request.resultFields.find((f) => f.name === name)!;
    expect(request.resultFields[0]).toMatchObject({ name: 'latencyMs', type: 'number', jsonPath: false });
    expect(field('statusCode').operators).toEqual(expect.arrayContaining(['equals', 'lessThan', 'in', 'exists']));
    expect(field('statusCode').operators).not.toContain('contains');
    expect(field('bodyTruncated').operators).toEqual(expect.arrayContaining(['isTrue', 'isFalse']));
    expect(field('json')).toMatchObject({ type: 'json', jsonPath: true });
    expect(field('json').operators).not.toEqual(OPERATORS);
  });
});

describe('configJsonSchema', () => {
  const config = { version: 3, schema: z.strictObject({ host: z.string(), port: z.number().default(80) }), migrations: [] };

  it('admits the version key a stored config carries, up to the current one', () => {
    const schema = configJsonSchema(config, { templatable: [], secret: [] });
    expect(schema.additionalProperties).toBe(false);
    expect(at(schema, 'properties', 'version')).toMatchObject({ type: 'integer', minimum: 1, maximum: 3 });
  });

  it('marks nothing for a path the schema does not have', () => {
    const schema = configJsonSchema(config, { templatable: ['nope', 'host.deeper'], secret: [] });
    expect(JSON.stringify(schema)).not.toContain(TEMPLATABLE_MARK);
  });
});
