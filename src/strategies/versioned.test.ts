import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertMigrationChain, migrateConfig } from './versioned.ts';
import type { Migration, VersionedSchema } from './versioned.ts';

const renameHost: Migration = {
  from: 1,
  to: 2,
  description: 'hostname → host',
  migrate: ({ hostname, ...rest }) => (hostname === undefined ? rest : { host: hostname, ...rest }),
};
const portToNumber: Migration = {
  from: 2,
  to: 3,
  description: 'port as text → number',
  migrate: (old) => (typeof old.port === 'string' ? { ...old, port: Number(old.port) } : old),
};

const schema: VersionedSchema<{ host: string; port: number }> = {
  version: 3,
  schema: z.strictObject({ host: z.string(), port: z.number().int().default(80) }),
  migrations: [renameHost, portToNumber],
};

describe('assertMigrationChain', () => {
  const rows: { name: string; version: number; migrations: Migration[]; error?: RegExp }[] = [
    { name: 'v1 without migrations', version: 1, migrations: [] },
    { name: 'a full chain', version: 3, migrations: [renameHost, portToNumber] },
    { name: 'a gap', version: 3, migrations: [portToNumber], error: /thing: broken config migration chain \(gap\)/ },
    { name: 'wrong order', version: 3, migrations: [portToNumber, renameHost], error: /\(gap\)|wrong order/ },
    { name: 'a duplicate step', version: 2, migrations: [renameHost, renameHost], error: /wrong order/ },
    { name: 'a chain ending early', version: 3, migrations: [renameHost], error: /end at v2 but the current version is v3/ },
    { name: 'a chain past the version', version: 1, migrations: [renameHost], error: /end at v2 but the current version is v1/ },
    { name: 'a step skipping a version', version: 3, migrations: [{ ...renameHost, to: 3 }], error: /expected v2/ },
    { name: 'version zero', version: 0, migrations: [], error: /positive integer/ },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const check = () => assertMigrationChain('thing', { version: row.version, schema: z.strictObject({}), migrations: row.migrations });
      if (row.error) expect(check).toThrow(row.error);
      else expect(check).not.toThrow();
    });
  }
});

describe('migrateConfig', () => {
  const rows: { name: string; input: unknown; expected: unknown }[] = [
    { name: 'no version is v1 and runs the whole chain', input: { hostname: 'a', port: '81' }, expected: { ok: true, config: { host: 'a', port: 81, version: 3 } } },
    { name: 'v2 runs only the later steps', input: { version: 2, host: 'a', port: '81' }, expected: { ok: true, config: { host: 'a', port: 81, version: 3 } } },
    { name: 'current passes unchanged', input: { version: 3, host: 'a', port: 81 }, expected: { ok: true, config: { host: 'a', port: 81, version: 3 } } },
    { name: 'defaults apply after migration', input: { hostname: 'a' }, expected: { ok: true, config: { host: 'a', port: 80, version: 3 } } },
    { name: 'undefined is an empty v1 config', input: undefined, expected: { ok: false, errors: [{ path: ['host'], message: expect.any(String) }] } },
    { name: 'unknown keys are rejected with their path', input: { host: 'a', version: 3, extra: 1 }, expected: { ok: false, errors: [{ path: ['extra'], message: 'Unknown field "extra"' }] } },
    { name: 'wrong type names the path', input: { version: 3, host: 'a', port: 'x' }, expected: { ok: false, errors: [{ path: ['port'], message: expect.any(String) }] } },
    { name: 'a future version', input: { version: 4, host: 'a' }, expected: { ok: false, errors: [{ path: ['version'], message: 'Config version 4 is newer than the supported version 3' }] } },
    { name: 'a non-integer version', input: { version: '2', host: 'a' }, expected: { ok: false, errors: [{ path: ['version'], message: expect.any(String) }] } },
    { name: 'not an object', input: [1], expected: { ok: false, errors: [{ path: [], message: 'Expected an object' }] } },
  ];
  for (const row of rows) {
    it(row.name, () => expect(migrateConfig(schema, row.input)).toEqual(row.expected));
  }

  it('is idempotent: migrating the output again changes nothing', () => {
    const once = migrateConfig(schema, { hostname: 'a', port: '81' });
    if (!once.ok) throw new Error('expected ok');
    expect(migrateConfig(schema, once.config)).toEqual(once);
  });
});
