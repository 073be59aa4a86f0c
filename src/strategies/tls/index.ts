import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { z } from 'zod';
import { elapsedMs, emptyCollectorConfig, formatHostPort, hostField, parseHostPort, portField, timeoutField } from '../common.ts';
import { describeNetworkError } from '../network-errors.ts';
import { CollectorError, defineCollector, defineStrategy } from '../types.ts';
import { describeCertificate } from './certificate.ts';

const tlsConfigSchema = z.strictObject({
  host: hostField,
  port: portField.default(443),
  /** SNI name and the name the certificate must match; default: host. */
  servername: z.string().min(1).optional(),
  /** With verify on, an untrusted chain or a name mismatch fails the run. */
  verify: z.boolean().default(true),
  /** PEM bundle to trust instead of the system store. */
  ca: z.string().optional(),
  timeout: timeoutField,
});
type TlsConfig = z.infer<typeof tlsConfigSchema>;

interface TlsClient {
  config: TlsConfig;
  socket: TLSSocket;
  handshakeMs: number;
}

const tlsCertificateCollector = defineCollector<Record<string, never>, TlsClient>({
  id: 'tls.certificate',
  title: 'TLS certificate',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    daysRemaining: { type: 'number', description: 'Whole days until the certificate expires (negative once expired)' },
    notAfter: { type: 'string', description: 'Expiry, ISO-8601' },
    notBefore: { type: 'string', description: 'Start of validity, ISO-8601' },
    issuer: { type: 'string', description: 'Issuer distinguished name' },
    subject: { type: 'string', description: 'Subject distinguished name' },
    sans: { type: 'array', description: 'Subject alternative names' },
    hostnameMatches: { type: 'boolean', description: 'Whether the certificate covers the server name' },
    protocol: { type: 'string', description: 'Negotiated protocol, e.g. TLSv1.3' },
    cipher: { type: 'string', description: 'Negotiated cipher suite' },
    chainValid: { type: 'boolean', description: 'Whether the chain verifies against the trusted CAs' },
    chainError: { type: 'string', description: 'Why the chain does not verify, when it does not' },
    handshakeMs: { type: 'number', description: 'Time to connect and complete the handshake' },
    fingerprint256: { type: 'string', description: 'SHA-256 fingerprint of the certificate' },
  },
  async collect(client) {
    const { config, socket } = client;
    const servername = config.servername ?? config.host;
    const certificate = socket.getPeerCertificate();
    if (!certificate || Object.keys(certificate).length === 0) {
      throw new CollectorError(`No certificate presented by ${config.host}:${config.port}`);
    }
    const fields: Record<string, unknown> = {
      ...describeCertificate(certificate, servername, new Date()),
      protocol: socket.getProtocol() ?? '',
      cipher: socket.getCipher().name,
      // Node folds a name mismatch into authorizationError; the chain itself may still be fine.
      chainValid: socket.authorized || String(socket.authorizationError) === 'ERR_TLS_CERT_ALTNAME_INVALID',
      handshakeMs: client.handshakeMs,
    };
    if (!fields.chainValid) fields.chainError = String(socket.authorizationError);
    if (config.verify) {
      if (!fields.chainValid) {
        const reason = describeNetworkError({ code: String(socket.authorizationError) }, `${config.host}:${config.port}`);
        throw new CollectorError(reason, fields);
      }
      if (!fields.hostnameMatches) {
        throw new CollectorError(`TLS error for ${config.host}:${config.port}: certificate does not match ${servername}`, fields);
      }
    }
    return fields;
  },
});

export const tlsStrategy = defineStrategy<TlsConfig, TlsClient>({
  id: 'tls',
  title: 'TLS certificate',
  config: { version: 1, schema: tlsConfigSchema, migrations: [] },
  templatable: ['host', 'servername'],
  secret: [],
  target: {
    example: 'example.com:443',
    fromConfig: (config) => formatHostPort(config.host, config.port),
    toConfig: (target) => parseHostPort(target, 443),
  },
  connect(config, ctx) {
    const startedAt = performance.now();
    const servername = config.servername ?? config.host;
    return new Promise<TlsClient>((resolve, reject) => {
      // Verification is judged by the collector so an invalid certificate is still described.
      const socket = tlsConnect({
        host: config.host,
        port: config.port,
        rejectUnauthorized: false,
        ...(isIP(servername) === 0 && { servername }),
        ...(config.ca !== undefined && { ca: config.ca }),
      });
      const onAbort = () => socket.destroy();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        socket.on('error', () => undefined);
        resolve({ config, socket, handshakeMs: elapsedMs(startedAt) });
      });
      socket.once('error', (error) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(new Error(describeNetworkError(error, `${config.host}:${config.port}`)));
      });
    });
  },
  async close(client) {
    client.socket.destroy();
  },
  defaultCollector: 'tls.certificate',
  collectors: [tlsCertificateCollector],
});
