import { describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { serviceMissing } from '../../../test/targets/services.ts';

const HOST = process.env.VIGIL_TEST_MYSQL_HOST ?? '127.0.0.1';
const PORT = Number(process.env.VIGIL_TEST_MYSQL_PORT ?? 3306);
const missing = await serviceMissing('MariaDB/MySQL', HOST, PORT);

const mysql = (config: Record<string, unknown>, assertions: string[] = []) =>
  checkOnce({ strategy: 'mysql', config: { host: HOST, port: PORT, user: 'root', database: 'test', ...config }, assertions });

describe.skipIf(missing)('mysql strategy (local MariaDB)', () => {
  it('connects, runs the default query and reports the server version', async () => {
    const result = await mysql({}, ['value == 1']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ rowCount: 1, serverVersion: expect.stringMatching(/^\d+\.\d+/), connectMs: expect.any(Number) });
  });

  it('runs a configured query and exposes rows', async () => {
    const result = await mysql({ query: "SELECT 'ok' AS state, 7 AS n" }, ['firstRow $.state == ok', 'firstRow $.n > 5']);
    expect(result.status).toBe('healthy');
  });

  it('reports a failing query as the reason', async () => {
    const result = await mysql({ query: 'SELECT * FROM vigil_no_such_table' });
    expect(result.message).toMatch(/^Check failed: Table 'test\.vigil_no_such_table' doesn't exist$/);
  });

  it('names a rejected login', async () => {
    const result = await mysql({ user: 'vigil_nobody', password: 'nope-secret' });
    expect(result.message).toMatch(/^Check failed: Access denied for user 'vigil_nobody'/);
    expect(JSON.stringify(result)).not.toContain('nope-secret');
  });
});

describe('mysql strategy without a server', () => {
  it('names a refused port', async () => {
    const result = await checkOnce({ strategy: 'mysql', config: { host: '127.0.0.1', port: 1 } });
    expect(result.message).toBe('Check failed: Connection refused to 127.0.0.1:1');
  });
});
