import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { startDnsTarget } from '../../../test/targets/dns.ts';
import type { DnsTarget } from '../../../test/targets/dns.ts';
import { resolverAddress } from './index.ts';

let server: DnsTarget;
beforeAll(async () => {
  server = await startDnsTarget();
});
afterAll(async () => server.close());

const dns = (config: Record<string, unknown>, assertions: string[] = []) =>
  checkOnce({ strategy: 'dns', config: { resolver: server.resolver, ...config }, assertions });

describe('dns strategy', () => {
  const rows: { type: string; name?: string; answers: string[] }[] = [
    { type: 'A', answers: ['10.0.0.1', '10.0.0.2'] },
    { type: 'AAAA', answers: ['fd00::1'] },
    { type: 'CNAME', name: 'www.app.test', answers: ['app.test'] },
    { type: 'MX', answers: ['10 mail.app.test'] },
    { type: 'TXT', answers: ['v=spf1 -all'] },
    { type: 'NS', answers: ['ns1.app.test'] },
    { type: 'SRV', name: '_http._tcp.app.test', answers: ['1 5 8080 app.test'] },
    { type: 'SOA', answers: ['ns1.app.test admin.app.test 2024010101 3600 600 86400 60'] },
    { type: 'CAA', answers: ['0 issue "letsencrypt.org"'] },
  ];
  for (const row of rows) {
    it(`answers ${row.type} records as text`, async () => {
      const result = await dns({ name: row.name ?? 'app.test', type: row.type });
      expect(result.status).toBe('healthy');
      expect(fieldsOf(result)).toMatchObject({ answers: row.answers, count: row.answers.length, rcode: 'NOERROR', authoritative: true });
    });
  }

  it('supports assertions on answers and timing', async () => {
    const result = await dns({ name: 'app.test' }, ['answers includes "10.0.0.1"', 'count == 2', 'queryMs < 1s', 'minTtl == 60']);
    expect(result.status).toBe('healthy');
  });

  it('turns NXDOMAIN into an unhealthy run naming the name', async () => {
    const result = await dns({ name: 'missing.test' });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Check failed: DNS name not found: missing.test (NXDOMAIN)' });
    expect(fieldsOf(result)).toMatchObject({ rcode: 'NXDOMAIN', count: 0 });
  });

  it('names SERVFAIL', async () => {
    expect((await dns({ name: 'servfail.test' })).message).toBe('Check failed: DNS query for servfail.test A failed: SERVFAIL');
  });

  it('times out a resolver that never answers', async () => {
    const result = await checkOnce({ strategy: 'dns', config: { name: 'app.test', resolver: '127.0.0.1:9', timeout: 200 } });
    expect(result.message).toBe('Execution timeout after 200ms');
  });

  it('reads resolver overrides with and without a port', () => {
    expect(resolverAddress('10.1.1.1')).toEqual({ host: '10.1.1.1', port: 53 });
    expect(resolverAddress('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(resolverAddress('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
  });
});
