import type { Answer } from 'dns-packet';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'SOA', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * One answer as the text people compare against: the address for A/AAAA,
 * `10 mail.example.com` for MX, `0 issue "letsencrypt.org"` for CAA — the
 * same spelling `dig +short` prints.
 */
export function formatAnswer(answer: Answer): string {
  const data = (answer as { data?: unknown }).data;
  switch (answer.type) {
    case 'MX': {
      const mx = data as { preference: number; exchange: string };
      return `${mx.preference} ${mx.exchange}`;
    }
    case 'TXT': {
      const parts = Array.isArray(data) ? data : [data];
      return parts.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join('');
    }
    case 'SRV': {
      const srv = data as { priority: number; weight: number; port: number; target: string };
      return `${srv.priority} ${srv.weight} ${srv.port} ${srv.target}`;
    }
    case 'SOA': {
      const soa = data as Record<string, string | number>;
      return [soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].join(' ');
    }
    case 'CAA': {
      const caa = data as { flags: number; tag: string; value: string };
      return `${caa.flags} ${caa.tag} "${caa.value}"`;
    }
    default:
      return Buffer.isBuffer(data) ? data.toString('hex') : String(data);
  }
}
