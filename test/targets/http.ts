import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './certificates.ts';

/**
 * An HTTP(S) target on 127.0.0.1 that never keeps connections alive, like
 * the checks it serves. Routes:
 *   /health            200 {"status":"UP"}
 *   /status/<code>     that status
 *   /redirect/<n>      n redirects, then /health
 *   /slow/<ms>         answers after ms
 *   /echo              method, headers and body of the request as JSON
 *   /big/<bytes>       a text body of that size
 */

export interface HttpTarget {
  port: number;
  url: string;
  /** Requests served and TCP connections accepted so far. */
  requests: number;
  connections: number;
  close(): Promise<void>;
}

export async function startHttpTarget(options: { tls?: TestCertificate; handler?: RequestListener } = {}): Promise<HttpTarget> {
  const state = { requests: 0, connections: 0 };
  const handler = options.handler ?? defaultRoutes;
  const listener: RequestListener = (request, response) => {
    state.requests++;
    response.setHeader('connection', 'close');
    handler(request, response);
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 0;
  server.on(options.tls ? 'secureConnection' : 'connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function defaultRoutes(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://target');
  const [, route, argument] = url.pathname.split('/');
  if (route === 'health') return json(response, 200, { status: 'UP', checks: [{ name: 'db', ok: true }] });
  if (route === 'status') return json(response, Number(argument), { status: Number(argument) });
  if (route === 'redirect') {
    const left = Number(argument);
    response.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}` : '/health' });
    return void response.end();
  }
  if (route === 'slow') {
    const timer = setTimeout(() => json(response, 200, { slow: true }), Number(argument));
    response.on('close', () => clearTimeout(timer));
    return;
  }
  if (route === 'echo') {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => json(response, 200, { method: request.method, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }));
    return;
  }
  if (route === 'big') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    return void response.end('x'.repeat(Number(argument)));
  }
  if (route === 'reset') return void request.socket.destroy();
  json(response, 404, { error: 'not found' });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
