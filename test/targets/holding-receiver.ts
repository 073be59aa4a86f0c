import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver on 127.0.0.1 for the multi-process tests: it records each request with the
 * port of the connection it came on (to tell which process sent it) and whether that connection
 * closed before the answer (its sender died mid-request), and answers when — and if — the test's
 * policy says so.
 */

export interface Arrival {
  path: string;
  clientPort: number;
  /** What was answered; undefined while held (or never, when the client went first). */
  status?: number;
  /** The caller's connection closed before the answer: it died mid-request. */
  clientGone: boolean;
}

export interface HoldingReceiver<A extends Arrival> {
  url: string;
  port: number;
  arrivals: A[];
  /** Called as each request arrives, before its answer. */
  onArrival?: ((arrival: A) => void) | undefined;
  close(): Promise<void>;
}

/** Answers an arrival: now, later, or never (held). Answering after the client went is a no-op. */
export type Respond = (status: number, body?: string) => void;

/**
 * `read` takes what the test cares about from the request's headers and JSON body; `answer`
 * decides when to call `respond` (not calling it holds the request).
 */
export async function startHoldingReceiver<T extends object>(
  read: (headers: Record<string, string | string[] | undefined>, body: unknown) => T,
  answer: (arrival: Arrival & T, respond: Respond) => void,
): Promise<HoldingReceiver<Arrival & T>> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrival: Arrival & T = {
        path: request.url ?? '',
        clientPort: request.socket.remotePort!,
        clientGone: false,
        ...read(request.headers, JSON.parse(Buffer.concat(chunks).toString('utf8'))),
      };
      receiver.arrivals.push(arrival);
      const gone = () => {
        if (arrival.status === undefined) arrival.clientGone = true;
      };
      request.socket.once('end', gone);
      request.socket.once('close', gone);
      receiver.onArrival?.(arrival);
      answer(arrival, (status, body = '{"ok":true}') => {
        if (arrival.clientGone || arrival.status !== undefined) return;
        arrival.status = status;
        response.writeHead(status, { connection: 'close', 'content-type': 'application/json' });
        response.end(body);
      });
    });
  });
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: HoldingReceiver<Arrival & T> = {
    url: `http://127.0.0.1:${port}`,
    port,
    arrivals: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
