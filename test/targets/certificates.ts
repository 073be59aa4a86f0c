import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test certificates made at test time with the system `openssl`, so no
 * private key is ever committed. `openssl ca -selfsign` is used because it
 * can set any validity window, including one that ended years ago.
 */

export interface TestCertificate {
  cert: string;
  key: string;
}

export interface CertificateOptions {
  commonName?: string;
  /** subjectAltName entries, e.g. `DNS:localhost`, `IP:127.0.0.1`. */
  altNames?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

const CA_CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
`;

const DAY_MS = 86_400_000;

export function createCertificate(options: CertificateOptions = {}): TestCertificate {
  const commonName = options.commonName ?? 'localhost';
  const altNames = options.altNames ?? ['DNS:localhost', 'IP:127.0.0.1'];
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const notAfter = options.notAfter ?? new Date(Date.now() + 90 * DAY_MS);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cert-'));
  try {
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), `${Math.floor(Math.random() * 1e9).toString(16).padStart(8, '0')}\n`);
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'key.pem', '-out', 'csr.pem', '-subj', `/CN=${commonName}`,
      '-addext', `subjectAltName=${altNames.join(',')}`,
    ]);
    run([
      'ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'csr.pem', '-out', 'cert.pem',
      '-startdate', opensslDate(notBefore), '-enddate', opensslDate(notAfter), '-notext',
    ]);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `YYYYMMDDHHMMSSZ`, the form `openssl ca -startdate` takes. */
function opensslDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export const certificates = {
  valid: () => createCertificate(),
  expired: () => createCertificate({ notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2020-02-01T00:00:00Z') }),
  wrongHost: () => createCertificate({ commonName: 'other.example', altNames: ['DNS:other.example'] }),
};
