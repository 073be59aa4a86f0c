import { checkServerIdentity } from 'node:tls';
import type { PeerCertificate } from 'node:tls';

const DAY_MS = 86_400_000;

/** What people ask of a certificate, from the peer certificate Node hands back. Pure. */
export function describeCertificate(certificate: PeerCertificate, hostname: string, now: Date): Record<string, unknown> {
  const notAfter = new Date(certificate.valid_to);
  const notBefore = new Date(certificate.valid_from);
  return {
    daysRemaining: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    notAfter: notAfter.toISOString(),
    notBefore: notBefore.toISOString(),
    issuer: distinguishedName(certificate.issuer),
    subject: distinguishedName(certificate.subject),
    sans: subjectAltNames(certificate.subjectaltname),
    hostnameMatches: checkServerIdentity(hostname, certificate) === undefined,
    fingerprint256: certificate.fingerprint256,
  };
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

/** `DNS:a.example, IP Address:127.0.0.1` → `['a.example', '127.0.0.1']`. */
export function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address|URI|email):/, '').trim())
    .filter((entry) => entry !== '');
}
