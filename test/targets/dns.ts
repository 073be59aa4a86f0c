import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';

/**
 * An authoritative DNS server on a high UDP port of 127.0.0.1 answering a
 * fixed zone. A name not in the zone is NXDOMAIN; `servfail.test` answers
 * SERVFAIL; a known name without the asked type is NOERROR with no answers.
 */
export interface DnsTarget {
  port: number;
  resolver: string;
  queries: number;
  close(): Promise<void>;
}

export const TEST_ZONE: Answer[] = [
  { name: 'app.test', type: 'A', ttl: 300, data: '10.0.0.1' },
  { name: 'app.test', type: 'A', ttl: 60, data: '10.0.0.2' },
  { name: 'app.test', type: 'AAAA', ttl: 300, data: 'fd00::1' },
  { name: 'www.app.test', type: 'CNAME', ttl: 300, data: 'app.test' },
  { name: 'app.test', type: 'MX', ttl: 300, data: { preference: 10, exchange: 'mail.app.test' } },
  { name: 'app.test', type: 'TXT', ttl: 300, data: ['v=spf1 -all'] },
  { name: 'app.test', type: 'NS', ttl: 300, data: 'ns1.app.test' },
  { name: '_http._tcp.app.test', type: 'SRV', ttl: 300, data: { priority: 1, weight: 5, port: 8080, target: 'app.test' } },
  {
    name: 'app.test',
    type: 'SOA',
    ttl: 300,
    data: { mname: 'ns1.app.test', rname: 'admin.app.test', serial: 2024010101, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
  },
  { name: 'app.test', type: 'CAA', ttl: 300, data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
];

export async function startDnsTarget(zone: Answer[] = TEST_ZONE): Promise<DnsTarget> {
  const socket = createSocket('udp4');
  const state = { queries: 0 };
  socket.on('message', (message, remote) => {
    state.queries++;
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    const known = zone.some((record) => record.name === name);
    const rcode = name === 'servfail.test' ? 'SERVFAIL' : known ? 'NOERROR' : 'NXDOMAIN';
    const answers = zone.filter((record) => record.name === name && record.type === question.type);
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | rcodeFlag(rcode),
      questions: [question],
      answers,
    });
    socket.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    port,
    resolver: `127.0.0.1:${port}`,
    get queries() {
      return state.queries;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The rcode lives in the low four bits of the flags word. */
function rcodeFlag(rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL'): number {
  return { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 }[rcode];
}
