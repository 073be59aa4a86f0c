import { describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { serviceMissing } from '../../../test/targets/services.ts';
import { postgresStrategy } from './index.ts';

const HOST = process.env.VIGIL_TEST_PG_HOST ?? '127.0.0.1';
const PORT = Number(process.env.VIGIL_TEST_PG_PORT ?? 5432);
const missing = await serviceMissing('PostgreSQL', HOST, PORT);

const postgres = (config: Record<string, unknown>, assertions: string[] = [], collectors?: { collector: string; config?: unknown }[]) =>
  checkOnce({ strategy: 'postgres', config: { host: HOST, port: PORT, user: 'postgres', database: 'postgres', ...config }, assertions, ...(collectors && { collectors }) });

describe.skipIf(missing)('postgres strategy (local PostgreSQL)', () => {
  it('connects, runs the default query and reports the server version', async () => {
    const result = await postgres({}, ['value == 1', 'connectMs < 5s']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ rowCount: 1, firstRow: { '?column?': 1 }, serverVersion: expect.stringMatching(/^\d+/), queryMs: expect.any(Number) });
  });

  it('runs a configured query and exposes rows', async () => {
    const result = await postgres({ query: "SELECT 'ok' AS state, 2 AS n UNION ALL SELECT 'ok', 3" }, ['rows length == 2', 'firstRow $.state == ok']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result).rows).toEqual([{ state: 'ok', n: 2 }, { state: 'ok', n: 3 }]);
  });

  it('lets a collector override the query', async () => {
    const result = await postgres({}, [], [{ collector: 'postgres.query', config: { query: 'SELECT 42 AS answer' } }]);
    expect(fieldsOf(result).value).toBe(42);
  });

  it('reports a failing query as the reason', async () => {
    const result = await postgres({ query: 'SELECT * FROM no_such_table' });
    expect(result.message).toBe('Check failed: relation "no_such_table" does not exist');
  });

  it('names an unknown database', async () => {
    const result = await postgres({ database: 'vigil_no_such_db' });
    expect(result.message).toBe('Check failed: database "vigil_no_such_db" does not exist');
  });

  it('times out a slow query and closes the connection', async () => {
    const result = await postgres({ query: 'SELECT pg_sleep(3)', timeout: 300 });
    expect(result.message).toBe('Execution timeout after 300ms');
  });
});

describe('postgres strategy without a server', () => {
  it('names a refused port', async () => {
    const result = await checkOnce({ strategy: 'postgres', config: { host: '127.0.0.1', port: 1 } });
    expect(result.message).toBe('Check failed: Connection refused to 127.0.0.1:1');
  });

  it('reads connection URLs, keeping the password in its secret field', () => {
    expect(postgresStrategy.target.toConfig('postgres://app:s%40cret@db.internal:6543/orders?sslmode=require')).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'app',
      password: 's@cret',
      database: 'orders',
      ssl: true,
    });
    expect(() => postgresStrategy.target.toConfig('mysql://x')).toThrow(/postgres/);
  });
});
