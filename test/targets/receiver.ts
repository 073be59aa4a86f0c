import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A receiver on 127.0.0.1 standing in for every HTTP notification service (webhooks, Slack,
 * Discord, Teams, Telegram, Matrix, ntfy, Gotify, Pushover, PagerDuty, Opsgenie): it records each
 * request exactly (method, path with query, headers, body) and answers what the test queued for
 * that path (default 200 `{"ok":true}`).
 */

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/bot123:abc/sendMessage`. */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** The next requests to `path` (exact, without query) get these answers, in order. */
  answer(path: string, ...answers: Answer[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const queued = new Map<string, Answer[]>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      received.push({ method: request.method ?? '', path: request.url ?? '', headers, body, ...(json === undefined ? {} : { json }) });
      const path = (request.url ?? '').split('?')[0]!;
      const answer = queued.get(path)?.shift() ?? { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } };
      response.writeHead(answer.status, { connection: 'close', ...answer.headers });
      response.end(answer.body ?? '');
    });
  });
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(path, ...answers) {
      queued.set(path, [...(queued.get(path) ?? []), ...answers]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
