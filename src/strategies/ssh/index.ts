import { createHash } from 'node:crypto';
import type { Client } from 'ssh2';
import { z } from 'zod';
import { elapsedMs, formatHostPort, hostField, parseHostPort, portField, timeoutField } from '../common.ts';
import { describeNetworkError } from '../network-errors.ts';
import { CollectorError, defineCollector, defineStrategy } from '../types.ts';

const sshConfigSchema = z.strictObject({
  host: hostField,
  port: portField.default(22),
  username: z.string().min(1),
  password: z.string().optional(),
  /** PEM / OpenSSH private key. */
  privateKey: z.string().optional(),
  passphrase: z.string().optional(),
  /** Pin the server: `SHA256:…` as `ssh-keygen -lf` prints it. A different key fails the run. */
  hostKeyFingerprint: z.string().optional(),
  command: z.string().min(1).optional(),
  timeout: timeoutField,
});
type SshConfig = z.infer<typeof sshConfigSchema>;

interface SshClient {
  config: SshConfig;
  connection: Client;
  connectMs: number;
  hostKeyFingerprint: string;
}

const MAX_OUTPUT_BYTES = 64 * 1024;

const sshCommandCollector = defineCollector<{ command?: string }, SshClient>({
  id: 'ssh.command',
  title: 'SSH login and command',
  config: { version: 1, schema: z.strictObject({ command: z.string().min(1).optional() }), migrations: [] },
  templatable: ['command'],
  fields: {
    connectMs: { type: 'number', description: 'Time to connect, exchange keys and log in' },
    hostKeyFingerprint: { type: 'string', description: 'SHA256 fingerprint of the server host key' },
    exitCode: { type: 'number', description: 'Exit code of the command (when one is set)' },
    stdout: { type: 'string', description: 'Standard output of the command, up to 64 KiB' },
    stderr: { type: 'string', description: 'Standard error of the command, up to 64 KiB' },
    commandMs: { type: 'number', description: 'Time the command took' },
  },
  async collect(client, config, ctx) {
    const fields: Record<string, unknown> = { connectMs: client.connectMs, hostKeyFingerprint: client.hostKeyFingerprint };
    const command = config.command ?? client.config.command;
    if (command === undefined) return fields;
    const startedAt = performance.now();
    const outcome = await execute(client.connection, command, ctx.signal);
    Object.assign(fields, outcome, { commandMs: elapsedMs(startedAt) });
    if (outcome.exitCode !== 0) throw new CollectorError(`Command exited with code ${outcome.exitCode}`, fields);
    return fields;
  },
});

function execute(connection: Client, command: string, signal: AbortSignal): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    connection.exec(command, (error, stream) => {
      if (error) return reject(error);
      const stdout = capped();
      const stderr = capped();
      let exitCode = -1;
      const onAbort = () => stream.close();
      signal.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (chunk: Buffer) => stdout.add(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
      stream.on('exit', (code: number | null) => (exitCode = code ?? -1));
      stream.on('close', () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ exitCode, stdout: stdout.text(), stderr: stderr.text() });
      });
    });
  });
}

function capped() {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer) {
      if (size < MAX_OUTPUT_BYTES) chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - size));
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** `ssh-keygen -l` spelling: base64 of the SHA-256 of the key blob, unpadded. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export const sshStrategy = defineStrategy<SshConfig, SshClient>({
  id: 'ssh',
  title: 'SSH',
  config: { version: 1, schema: sshConfigSchema, migrations: [] },
  templatable: ['host', 'username', 'command'],
  secret: ['password', 'privateKey', 'passphrase'],
  target: {
    example: 'deploy@bastion.internal:22',
    fromConfig: (config) => `${config.username}@${formatHostPort(config.host, config.port)}`,
    toConfig(target) {
      const at = target.lastIndexOf('@');
      if (at <= 0) throw new Error(`Expected user@host[:port], got "${target}"`);
      return { username: target.slice(0, at), ...parseHostPort(target.slice(at + 1), 22) };
    },
  },
  async connect(config, ctx) {
    // Loaded on first use: most installations never run an ssh check, and start faster without it.
    const { Client } = await import('ssh2');
    const startedAt = performance.now();
    const connection = new Client();
    let fingerprint = '';
    return new Promise<SshClient>((resolve, reject) => {
      const onAbort = () => connection.end();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      connection.once('ready', () => {
        ctx.signal.removeEventListener('abort', onAbort);
        connection.on('error', () => undefined);
        resolve({ config, connection, connectMs: elapsedMs(startedAt), hostKeyFingerprint: fingerprint });
      });
      connection.once('error', (error: Error & { level?: string }) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(new Error(describeSshError(error, config, fingerprint)));
      });
      connection.connect({
        host: config.host,
        port: config.port,
        username: config.username,
        ...(config.password !== undefined && { password: config.password }),
        ...(config.privateKey !== undefined && { privateKey: config.privateKey }),
        ...(config.passphrase !== undefined && { passphrase: config.passphrase }),
        readyTimeout: config.timeout,
        hostVerifier: (key: Buffer) => {
          fingerprint = hostKeyFingerprint(key);
          return config.hostKeyFingerprint === undefined || config.hostKeyFingerprint === fingerprint;
        },
      });
    });
  },
  async close(client) {
    client.connection.end();
  },
  defaultCollector: 'ssh.command',
  collectors: [sshCommandCollector],
});

function describeSshError(error: Error & { level?: string }, config: SshConfig, fingerprint: string): string {
  const target = `${config.host}:${config.port}`;
  if (error.level === 'client-authentication') return `SSH login failed for ${config.username}@${target}`;
  if (config.hostKeyFingerprint !== undefined && fingerprint !== '' && fingerprint !== config.hostKeyFingerprint) {
    return `SSH host key of ${target} is ${fingerprint}, expected ${config.hostKeyFingerprint}`;
  }
  return describeNetworkError(error, target);
}
