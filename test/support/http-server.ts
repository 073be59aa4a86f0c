import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';

export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  close(): Promise<void>;
}

/** Serves `fetch` on a real socket on 127.0.0.1, for what `app.request` cannot show (framing, streams). */
export async function serveOnLoopback(fetch: Parameters<typeof serve>[0]['fetch']): Promise<RunningServer> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, hostname: '127.0.0.1', port: 0, createServer }, () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      (server as Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Sends `head` (request line and headers, no blank line) and `body` byte for byte, as a client like
 * curl would, and returns the status and body. No client library adds or fixes headers.
 */
export function rawRequest(base: string, head: string, body = ''): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n${body}`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = answer.indexOf('\r\n\r\n');
      const headers = answer.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body: answer.slice(split + 4) });
    });
  });
}
