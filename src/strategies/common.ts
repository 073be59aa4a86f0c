import { isIP } from 'node:net';
import { z } from 'zod';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../kernel/secret-name.ts';

/** Every strategy config carries the run's hard timeout (SPEC §1.1, §2.8). */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const timeoutField = z.number().int().min(100).default(DEFAULT_TIMEOUT_MS);

export const hostField = z.string().min(1);
export const portField = z.number().int().min(1).max(65_535);

export const environmentVariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Not a valid environment variable name');

/**
 * `secretEnv` (SPEC §2.7): environment variable → secret name. The engine resolves it per run
 * for the collector whose config holds it (a strategy config's: its default collector) and hands
 * the values over as the collector's `env`; a config never holds a secret value itself.
 */
export const secretEnvField = z.record(environmentVariableName, z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE)).default({});

/** An empty strict collector config, for collectors with nothing to set yet. */
export const emptyCollectorConfig = {
  version: 1,
  schema: z.strictObject({}),
  migrations: [],
};

export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}

/**
 * `host:port`, `[::1]:port` or a bare host (then `defaultPort`). Throws with
 * the expected shape so the CLI can say what it wanted.
 */
export function parseHostPort(target: string, defaultPort?: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  let host: string | undefined;
  let port: string | undefined;
  if (bracketed) {
    [, host, port] = bracketed;
  } else if (isIP(target) === 6) {
    host = target;
  } else {
    const colon = target.lastIndexOf(':');
    host = colon < 0 ? target : target.slice(0, colon);
    port = colon < 0 ? undefined : target.slice(colon + 1);
  }
  const portNumber = port === undefined ? defaultPort : Number(port);
  if (!host || portNumber === undefined || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) {
    throw new Error(`Expected host:port, got "${target}"`);
  }
  return { host, port: portNumber };
}

/** The inverse of `parseHostPort`: an IPv6 address in brackets. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Turns an abort into a rejection, so awaiting I/O stops when the run times out. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Aborted');
}
