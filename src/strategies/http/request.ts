import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { emptyCollectorConfig } from '../common.ts';
import { describeNetworkError } from '../network-errors.ts';
import { CollectorError, defineCollector } from '../types.ts';
import type { HttpConfig } from './config.ts';
import type { PhaseTimings } from './timing.ts';

export interface HttpClient {
  config: HttpConfig;
  url: URL;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'Vigil health-check';
const DAY_MS = 86_400_000;

interface Hop {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  timings: PhaseTimings;
}

export const httpRequestCollector = defineCollector<Record<string, never>, HttpClient>({
  id: 'http.request',
  title: 'HTTP request',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    statusCode: { type: 'number', description: 'Status code of the final response' },
    headers: { type: 'object', description: 'Response headers, names lower-cased' },
    body: { type: 'string', description: 'Response body as text, capped at maxBodyBytes' },
    bodyTruncated: { type: 'boolean', description: 'Whether the body was longer than maxBodyBytes' },
    json: { type: 'json', description: 'The body parsed as JSON, when it is JSON' },
    dnsMs: { type: 'number', description: 'Time resolving the host name (0 for an IP)' },
    connectMs: { type: 'number', description: 'Time opening the TCP connection' },
    tlsMs: { type: 'number', description: 'Time of the TLS handshake (0 for http)' },
    ttfbMs: { type: 'number', description: 'Time from sending the request to the response headers' },
    totalMs: { type: 'number', description: 'Time from the first connection to the end of the body' },
    latencyMs: { type: 'number', description: 'Same as totalMs' },
    redirects: { type: 'array', description: 'URLs followed by redirects, in order' },
    finalUrl: { type: 'string', description: 'URL of the final response' },
    certDaysRemaining: { type: 'number', description: 'Days until the server certificate expires (https)' },
    certNotAfter: { type: 'string', description: 'Expiry of the server certificate, ISO-8601 (https)' },
  },
  async collect(client, _config, ctx) {
    const { config } = client;
    const startedAt = performance.now();
    const fields: Record<string, unknown> = { redirects: [] };
    const totals = { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0 };
    let url = client.url;
    let method: string = config.method;
    let body = config.body;

    for (let hopNumber = 0; ; hopNumber++) {
      let hop: Hop;
      try {
        hop = await send(config, url, method, body, ctx.signal);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        throw new CollectorError(describeNetworkError(error, url.host), fields);
      }
      addPhases(totals, hop.timings);
      const location = hop.headers.location;
      if (config.redirects.follow && REDIRECT_STATUSES.has(hop.statusCode) && typeof location === 'string') {
        await hop.body.dump();
        if (hopNumber >= config.redirects.max) {
          throw new CollectorError(`Too many redirects (more than ${config.redirects.max})`, { ...fields, ...totals });
        }
        url = new URL(location, url);
        (fields.redirects as string[]).push(url.href);
        // Browsers turn a redirected POST into a GET without body, except for 307/308.
        if (hop.statusCode === 303 || ((hop.statusCode === 301 || hop.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }

      const text = await readCapped(hop.body, config.maxBodyBytes);
      const totalMs = round(performance.now() - startedAt);
      Object.assign(fields, totals, {
        statusCode: hop.statusCode,
        headers: hop.headers,
        body: text.body,
        bodyTruncated: text.truncated,
        totalMs,
        latencyMs: totalMs,
        finalUrl: url.href,
        ...certificateFields(hop.timings),
      });
      const json = parseJson(text.body, hop.headers['content-type']);
      if (json !== undefined) fields.json = json;
      break;
    }

    const statusCode = fields.statusCode as number;
    if (!statusAccepted(statusCode, config.expectedStatusCodes)) {
      const expected = config.expectedStatusCodes.length > 0 ? config.expectedStatusCodes.join(', ') : '2xx or 3xx';
      throw new CollectorError(`Unexpected status code ${statusCode} (expected ${expected})`, fields);
    }
    return fields;
  },
});

/** undici (~0.15 s to load) comes with the first HTTP check, not with every start of Vigil. */
let timing: Promise<typeof import('./timing.ts')> | undefined;

async function send(config: HttpConfig, url: URL, method: string, body: string | undefined, signal: AbortSignal): Promise<Hop> {
  const { poolFor, dispatchWithTiming } = await (timing ??= import('./timing.ts'));
  const timings: PhaseTimings = {};
  const pool = poolFor(config.tls, url.origin);
  const response = await dispatchWithTiming(timings, () =>
    pool.request({
      path: `${url.pathname}${url.search}`,
      method: method as Dispatcher.HttpMethod,
      headers: { 'user-agent': USER_AGENT, ...config.headers },
      body: body ?? null,
      signal,
    }),
  );
  return { statusCode: response.statusCode, headers: response.headers, body: response.body, timings };
}

export function statusAccepted(statusCode: number, expected: number[]): boolean {
  return expected.length > 0 ? expected.includes(statusCode) : statusCode >= 200 && statusCode < 400;
}

function addPhases(totals: Record<'dnsMs' | 'connectMs' | 'tlsMs' | 'ttfbMs', number>, timings: PhaseTimings): void {
  const socket = timings.socket;
  if (socket) {
    const lookedUp = socket.lookupAt ?? socket.startedAt;
    const connected = socket.connectedAt ?? lookedUp;
    totals.dnsMs = round(totals.dnsMs + (lookedUp - socket.startedAt));
    totals.connectMs = round(totals.connectMs + (connected - lookedUp));
    if (socket.secureAt !== undefined) totals.tlsMs = round(totals.tlsMs + (socket.secureAt - connected));
  }
  if (timings.sentAt !== undefined && timings.headersAt !== undefined) {
    totals.ttfbMs = round(totals.ttfbMs + (timings.headersAt - timings.sentAt));
  }
}

function certificateFields(timings: PhaseTimings): Record<string, unknown> {
  const notAfter = timings.socket?.certNotAfter;
  if (!notAfter) return {};
  const expires = new Date(notAfter);
  return {
    certNotAfter: expires.toISOString(),
    certDaysRemaining: Math.floor((expires.getTime() - Date.now()) / DAY_MS),
  };
}

function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<{ body: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const finish = () => resolve({ body: Buffer.concat(chunks).toString('utf8'), truncated });
    body.on('data', (chunk: Buffer) => {
      if (truncated) return;
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        // The connection is not reused, so dropping the rest costs nothing.
        body.destroy();
        finish();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    body.once('end', finish);
    body.once('error', (error) => (truncated ? undefined : reject(error)));
  });
}

function parseJson(text: string, contentType: string | string[] | undefined): unknown {
  const declared = typeof contentType === 'string' && /json/i.test(contentType);
  const looksLikeJson = /^\s*[[{]/.test(text);
  if (!declared && !looksLikeJson) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
