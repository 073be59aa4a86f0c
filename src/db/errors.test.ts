import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './errors.ts';

describe('isDatabaseUnavailable: an outage that passes, or a statement that is wrong', () => {
  const rows: { name: string; error: unknown; expected: boolean }[] = [
    { name: 'the server refuses connections (stopped)', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), expected: true },
    { name: 'the embedded server’s socket is gone', error: Object.assign(new Error('connect ENOENT /tmp/x/.s.PGSQL.5432'), { code: 'ENOENT' }), expected: true },
    { name: 'the server is shutting down (admin_shutdown)', error: { code: '57P01', message: 'terminating connection due to administrator command' }, expected: true },
    { name: 'the server is starting (cannot_connect_now)', error: { code: '57P03', message: 'the database system is starting up' }, expected: true },
    { name: 'a connection exception', error: { code: '08006', message: 'connection failure' }, expected: true },
    { name: 'the disk is full', error: { code: '53100', message: 'could not extend file: No space left on device' }, expected: true },
    { name: 'too many connections', error: { code: '53300', message: 'sorry, too many clients already' }, expected: true },
    { name: 'the connection ended mid-query', error: new Error('Connection terminated unexpectedly'), expected: true },
    { name: 'no connection from the pool in time', error: new Error('timeout exceeded when trying to connect'), expected: true },
    { name: 'wrapped by drizzle: the cause decides', error: { message: 'Failed query', cause: { code: '57P01' } }, expected: true },
    { name: 'a foreign key violation (the system was deleted)', error: { code: '23503', message: 'violates foreign key constraint' }, expected: false },
    { name: 'a syntax error', error: { code: '42601', message: 'syntax error at or near' }, expected: false },
    { name: 'a unique violation', error: { code: '23505', message: 'duplicate key value' }, expected: false },
    { name: 'not an error at all', error: undefined, expected: false },
  ];
  for (const row of rows) it(row.name, () => expect(isDatabaseUnavailable(row.error)).toBe(row.expected));
});
