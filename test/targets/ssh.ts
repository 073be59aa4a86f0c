import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, utils } from 'ssh2';
import type { Connection } from 'ssh2';

/**
 * An SSH server on 127.0.0.1 (ssh2's server mode) with a host key generated
 * at start. It accepts one user by password and runs `exec` requests with
 * `sh -c`, so tests see real exit codes and output.
 */
export interface SshTarget {
  port: number;
  username: string;
  password: string;
  /** `SHA256:…` of the host key, as a client would see it. */
  hostKeyFingerprint: string;
  close(): Promise<void>;
}

export async function startSshTarget(credentials = { username: 'probe', password: 'correct horse' }): Promise<SshTarget> {
  const hostKey = utils.generateKeyPairSync('ed25519');
  const parsed = utils.parseKey(hostKey.public);
  if (parsed instanceof Error) throw parsed;
  const hostKeyFingerprint = `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
  const clients = new Set<Connection>();

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (context) => {
      if (context.method === 'password' && context.username === credentials.username && context.password === credentials.password) {
        context.accept();
      } else {
        context.reject(['password']);
      }
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          const child = spawn('/bin/sh', ['-c', info.command], { stdio: ['ignore', 'pipe', 'pipe'] });
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          child.on('close', (code) => {
            stream.exit(code ?? 255);
            stream.end();
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ...credentials,
    hostKeyFingerprint,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
