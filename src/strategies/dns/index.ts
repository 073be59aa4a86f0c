import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { getServers } from 'node:dns';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import { z } from 'zod';
import { abortable, elapsedMs, emptyCollectorConfig, parseHostPort, timeoutField } from '../common.ts';
import { CollectorError, defineCollector, defineStrategy } from '../types.ts';
import { RECORD_TYPES, formatAnswer } from './records.ts';

const dnsConfigSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(RECORD_TYPES).default('A'),
  /** `host` or `host:port`; default: the system's first resolver. */
  resolver: z.string().min(1).optional(),
  recursionDesired: z.boolean().default(true),
  timeout: timeoutField,
});
type DnsConfig = z.infer<typeof dnsConfigSchema>;

interface DnsClient {
  config: DnsConfig;
  socket: Socket;
  resolver: { host: string; port: number };
}

const dnsQueryCollector = defineCollector<Record<string, never>, DnsClient>({
  id: 'dns.query',
  title: 'DNS query',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    answers: { type: 'array', description: 'Answers of the asked type, as text (e.g. "10.0.0.1", "10 mail.example.com")' },
    count: { type: 'number', description: 'Number of answers of the asked type' },
    rcode: { type: 'string', description: 'Response code: NOERROR, NXDOMAIN, SERVFAIL, …' },
    queryMs: { type: 'number', description: 'Time from query to answer' },
    authoritative: { type: 'boolean', description: 'Whether the answer is authoritative' },
    minTtl: { type: 'number', description: 'Smallest TTL among the answers, in seconds' },
    resolver: { type: 'string', description: 'The resolver asked, host:port' },
  },
  async collect(client, _config, ctx) {
    const { config, socket, resolver } = client;
    const id = randomInt(0, 65_536);
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: config.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
      questions: [{ type: config.type, name: config.name }],
    });
    const startedAt = performance.now();
    const response = await abortable(
      new Promise<dnsPacket.Packet>((resolve) => {
        const onMessage = (message: Buffer) => {
          let packet: dnsPacket.Packet;
          try {
            packet = dnsPacket.decode(message);
          } catch {
            return;
          }
          // Answers to other ids are stray datagrams, not ours.
          if (packet.id !== id) return;
          socket.off('message', onMessage);
          resolve(packet);
        };
        socket.on('message', onMessage);
        socket.send(query, resolver.port, resolver.host);
      }),
      ctx.signal,
    );
    const queryMs = elapsedMs(startedAt);
    const answers = (response.answers ?? []).filter((answer) => answer.type === config.type);
    const rcode = (response as { rcode?: string }).rcode ?? 'NOERROR';
    const fields: Record<string, unknown> = {
      answers: answers.map(formatAnswer),
      count: answers.length,
      rcode,
      queryMs,
      authoritative: Boolean((response as { flag_aa?: boolean }).flag_aa),
      resolver: `${resolver.host}:${resolver.port}`,
    };
    const ttls = answers.map((answer) => (answer as { ttl?: number }).ttl).filter((ttl): ttl is number => ttl !== undefined);
    if (ttls.length > 0) fields.minTtl = Math.min(...ttls);
    if (rcode === 'NXDOMAIN') throw new CollectorError(`DNS name not found: ${config.name} (NXDOMAIN)`, fields);
    if (rcode !== 'NOERROR') throw new CollectorError(`DNS query for ${config.name} ${config.type} failed: ${rcode}`, fields);
    return fields;
  },
});

export function resolverAddress(override: string | undefined): { host: string; port: number } {
  if (override !== undefined) return parseHostPort(override, 53);
  const first = getServers()[0];
  if (!first) throw new Error('No DNS resolver configured on this machine; set "resolver"');
  return parseHostPort(first, 53);
}

export const dnsStrategy = defineStrategy<DnsConfig, DnsClient>({
  id: 'dns',
  title: 'DNS record',
  config: { version: 1, schema: dnsConfigSchema, migrations: [] },
  templatable: ['name', 'resolver'],
  secret: [],
  target: {
    example: 'example.com',
    fromConfig: (config) => config.name,
    toConfig: (target) => ({ name: target }),
  },
  async connect(config) {
    const resolver = resolverAddress(config.resolver);
    const socket = createSocket(isIP(resolver.host) === 6 ? 'udp6' : 'udp4');
    // A send error (unreachable resolver) arrives as an event; keep it from crashing the process.
    socket.on('error', () => undefined);
    return { config, socket, resolver };
  },
  async close(client) {
    client.socket.close();
  },
  defaultCollector: 'dns.query',
  collectors: [dnsQueryCollector],
});
