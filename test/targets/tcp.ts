import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A TCP target on 127.0.0.1 that greets with `banner` and answers each line
 * it receives with `ECHO <line>`. `silent` sends no banner (like a database
 * port waiting for the client to speak first).
 */
export interface TcpTarget {
  port: number;
  /** Connections still open, after letting pending closes arrive. */
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

export async function startTcpTarget(options: { banner?: string; silent?: boolean } = {}): Promise<TcpTarget> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!options.silent) socket.write(options.banner ?? 'SSH-2.0-VigilTestBanner\r\n');
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        socket.write(`ECHO ${buffered.slice(0, newline).trim()}\r\n`);
        buffered = buffered.slice(newline + 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    openConnections: async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
