import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates } from '../../../test/targets/certificates.ts';
import type { TestCertificate } from '../../../test/targets/certificates.ts';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { startHttpTarget } from '../../../test/targets/http.ts';
import type { HttpTarget } from '../../../test/targets/http.ts';

let plain: HttpTarget;
let selfSigned: HttpTarget;
let expired: HttpTarget;
let wrongHost: HttpTarget;
let validCert: TestCertificate;
let expiredCert: TestCertificate;
let wrongHostCert: TestCertificate;

beforeAll(async () => {
  validCert = certificates.valid();
  expiredCert = certificates.expired();
  wrongHostCert = certificates.wrongHost();
  [plain, selfSigned, expired, wrongHost] = await Promise.all([
    startHttpTarget(),
    startHttpTarget({ tls: validCert }),
    startHttpTarget({ tls: expiredCert }),
    startHttpTarget({ tls: wrongHostCert }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain, selfSigned, expired, wrongHost].map((target) => target?.close()));
});

const http = (config: Record<string, unknown>, assertions: string[] = []) => checkOnce({ strategy: 'http', config, assertions });

describe('http strategy', () => {
  it('measures a healthy endpoint: status, parsed JSON, headers and every timing phase', async () => {
    const result = await http({ url: `${plain.url}/health` }, ['statusCode == 200', 'json $.status == "UP"', 'header content-type contains json']);
    expect(result.status).toBe('healthy');
    expect(result.message).toMatch(/^Completed in \d+ms$/);
    const fields = fieldsOf(result);
    expect(fields).toMatchObject({ statusCode: 200, json: { status: 'UP' }, finalUrl: `${plain.url}/health`, redirects: [] });
    for (const phase of ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'totalMs']) expect(fields[phase]).toEqual(expect.any(Number));
    expect(fields.connectMs as number).toBeGreaterThan(0);
    expect(fields.ttfbMs as number).toBeGreaterThan(0);
    expect(fields.totalMs as number).toBeGreaterThanOrEqual(fields.ttfbMs as number);
    expect(fields.tlsMs).toBe(0);
  });

  it('times the DNS lookup when the URL names a host', async () => {
    const result = await http({ url: `http://localhost:${plain.port}/health` });
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result).dnsMs as number).toBeGreaterThan(0);
  });

  it('opens a new connection for every check', async () => {
    const before = plain.connections;
    for (let i = 0; i < 3; i++) expect((await http({ url: `${plain.url}/health` })).status).toBe('healthy');
    expect(plain.connections - before).toBe(3);
  });

  it('follows redirects and records the chain', async () => {
    const fields = fieldsOf(await http({ url: `${plain.url}/redirect/2` }));
    expect(fields.redirects).toEqual([`${plain.url}/redirect/1`, `${plain.url}/health`]);
    expect(fields).toMatchObject({ statusCode: 200, finalUrl: `${plain.url}/health` });
  });

  it('fails past the redirect limit, and reports the 302 when following is off', async () => {
    const limited = await http({ url: `${plain.url}/redirect/3`, redirects: { max: 1 } });
    expect(limited.message).toBe('Check failed: Too many redirects (more than 1)');
    const unfollowed = await http({ url: `${plain.url}/redirect/1`, redirects: { follow: false } }, ['statusCode == 302']);
    expect(unfollowed.status).toBe('healthy');
  });

  it('treats an unexpected status as a failure that still shows the response', async () => {
    const result = await http({ url: `${plain.url}/status/503` });
    expect(result.status).toBe('unhealthy');
    expect(result.message).toBe('Check failed: Unexpected status code 503 (expected 2xx or 3xx)');
    expect(fieldsOf(result)).toMatchObject({ statusCode: 503, json: { status: 503 } });
    expect((await http({ url: `${plain.url}/status/503`, expectedStatusCodes: [503] })).status).toBe('healthy');
  });

  it('sends method, headers and body', async () => {
    const result = await http({ url: `${plain.url}/echo`, method: 'POST', headers: { 'x-probe': 'vigil' }, body: 'ping' });
    expect(fieldsOf(result).json).toMatchObject({ method: 'POST', body: 'ping', headers: { 'x-probe': 'vigil' } });
  });

  it('caps the body it keeps', async () => {
    const fields = fieldsOf(await http({ url: `${plain.url}/big/200000`, maxBodyBytes: 1000 }));
    expect(fields.bodyTruncated).toBe(true);
    expect((fields.body as string).length).toBe(1000);
  });

  it('names a refused connection', async () => {
    const port = await closedPort();
    const result = await http({ url: `http://127.0.0.1:${port}/` });
    expect(result).toMatchObject({ status: 'unhealthy', message: `Check failed: Connection refused to 127.0.0.1:${port}` });
  });

  it('names a reset connection', async () => {
    const result = await http({ url: `${plain.url}/reset` });
    expect(result.status).toBe('unhealthy');
    expect(result.message).toMatch(/^Check failed: Connection (reset by|closed by) 127\.0\.0\.1:\d+$/);
  });

  it('names an unknown host', async () => {
    const result = await http({ url: 'http://no-such-host.invalid/' });
    expect(result.message).toBe('Check failed: Host not found: no-such-host.invalid');
  });

  // A URL rendered from templates into one that does not parse fails its run: test/templating.test.ts.
  it('refuses a URL that does not parse before anything runs', async () => {
    await expect(http({ url: 'not a url' })).rejects.toThrow(/Invalid URL/);
  });

  it('times out slow responses at the run deadline', async () => {
    const result = await http({ url: `${plain.url}/slow/3000`, timeout: 300 });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Execution timeout after 300ms' });
    expect(result.latencyMs).toBeLessThan(1500);
  });

  describe('https', () => {
    it('rejects a self-signed certificate when verifying', async () => {
      const result = await http({ url: `${selfSigned.url}/health` });
      expect(result.message).toMatch(/^Check failed: TLS error for 127\.0\.0\.1:\d+: self-signed certificate/);
    });

    it('accepts it with verification off and reports TLS timing and days remaining', async () => {
      const fields = fieldsOf(await http({ url: `${selfSigned.url}/health`, tls: { verify: false } }));
      expect(fields.statusCode).toBe(200);
      expect(fields.tlsMs as number).toBeGreaterThan(0);
      expect(fields.certDaysRemaining).toBeGreaterThanOrEqual(88);
      expect(fields.certDaysRemaining).toBeLessThanOrEqual(90);
    });

    it('trusts a given CA bundle', async () => {
      const result = await http({ url: `${selfSigned.url}/health`, tls: { ca: validCert.cert } });
      expect(result.status).toBe('healthy');
    });

    it('names an expired certificate', async () => {
      const result = await http({ url: `${expired.url}/health`, tls: { ca: expiredCert.cert } });
      expect(result.message).toMatch(/certificate has expired \(CERT_HAS_EXPIRED\)/);
      const unverified = await http({ url: `${expired.url}/health`, tls: { verify: false } }, ['certDaysRemaining > 14']);
      expect(unverified.message).toBe('Assertion failed: certDaysRemaining greaterThan 14');
    });

    it('names a certificate for another host', async () => {
      const result = await http({ url: `${wrongHost.url}/health`, tls: { ca: wrongHostCert.cert } });
      expect(result.message).toMatch(/certificate does not match the host name/);
    });
  });
});

/** A port nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
