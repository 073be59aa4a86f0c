import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates } from '../../../test/targets/certificates.ts';
import type { TestCertificate } from '../../../test/targets/certificates.ts';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { startHttpTarget } from '../../../test/targets/http.ts';
import type { HttpTarget } from '../../../test/targets/http.ts';
import { subjectAltNames } from './certificate.ts';

let valid: HttpTarget;
let expired: HttpTarget;
let wrongHost: HttpTarget;
let certs: Record<'valid' | 'expired' | 'wrongHost', TestCertificate>;

beforeAll(async () => {
  certs = { valid: certificates.valid(), expired: certificates.expired(), wrongHost: certificates.wrongHost() };
  [valid, expired, wrongHost] = await Promise.all([
    startHttpTarget({ tls: certs.valid }),
    startHttpTarget({ tls: certs.expired }),
    startHttpTarget({ tls: certs.wrongHost }),
  ]);
});
afterAll(async () => Promise.all([valid, expired, wrongHost].map((target) => target.close())));

const tls = (target: HttpTarget, config: Record<string, unknown>, assertions: string[] = []) =>
  checkOnce({ strategy: 'tls', config: { host: '127.0.0.1', port: target.port, ...config }, assertions });

describe('tls strategy', () => {
  it('describes a trusted certificate', async () => {
    const result = await tls(valid, { servername: 'localhost', ca: certs.valid.cert }, ['daysRemaining > 14', 'hostnameMatches is true', 'sans includes localhost']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({
      subject: 'CN=localhost',
      issuer: 'CN=localhost',
      sans: ['localhost', '127.0.0.1'],
      chainValid: true,
      protocol: 'TLSv1.3',
      cipher: expect.any(String),
      notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('fails an untrusted (self-signed) chain when verifying, but still describes it', async () => {
    const result = await tls(valid, {});
    expect(result.message).toMatch(/^Check failed: TLS error for 127\.0\.0\.1:\d+: self-signed certificate/);
    expect(fieldsOf(result)).toMatchObject({ chainValid: false, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('reports an expired certificate with negative days remaining', async () => {
    const verified = await tls(expired, { ca: certs.expired.cert });
    expect(verified.message).toMatch(/certificate has expired \(CERT_HAS_EXPIRED\)/);
    const unverified = await tls(expired, { verify: false }, ['daysRemaining > 14']);
    expect(unverified.message).toBe('Assertion failed: daysRemaining greaterThan 14');
    expect(fieldsOf(unverified).daysRemaining as number).toBeLessThan(-365);
  });

  it('fails a certificate for another host name', async () => {
    const result = await tls(wrongHost, { servername: 'localhost', ca: certs.wrongHost.cert });
    expect(result.message).toMatch(/certificate does not match localhost/);
    expect(fieldsOf(result)).toMatchObject({ hostnameMatches: false, chainValid: true, sans: ['other.example'] });
  });

  it('names a refused port', async () => {
    const result = await checkOnce({ strategy: 'tls', config: { host: '127.0.0.1', port: 1 } });
    expect(result.message).toBe('Check failed: Connection refused to 127.0.0.1:1');
  });

  it('splits subjectAltName text', () => {
    expect(subjectAltNames('DNS:a.example, DNS:b.example, IP Address:10.0.0.1')).toEqual(['a.example', 'b.example', '10.0.0.1']);
    expect(subjectAltNames(undefined)).toEqual([]);
  });
});
