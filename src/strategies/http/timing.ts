import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector, Pool } from 'undici';

/**
 * Phase timings for HTTP checks on shared undici Pools (one per origin and TLS setting).
 *
 * Checks must measure a fresh connection every time, so the Pools run with
 * `pipelining: 0` (no keep-alive). A wrapped connector stamps each socket
 * with its DNS/connect/TLS times; undici's diagnostics channels tell which
 * request went out on which socket and when its headers came back. A request
 * is tied to its probe while `dispatchWithTiming` is on the stack, because
 * undici creates the request synchronously inside `dispatch`.
 */

export interface SocketTimings {
  startedAt: number;
  lookupAt?: number;
  connectedAt?: number;
  secureAt?: number;
  /** The peer certificate's `valid_to`, when the socket is TLS. */
  certNotAfter?: string;
}

export interface PhaseTimings {
  socket?: SocketTimings;
  sentAt?: number;
  headersAt?: number;
}

export interface TlsSettings {
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

const socketTimings = new WeakMap<object, SocketTimings>();
const probeOfRequest = new WeakMap<object, PhaseTimings>();
let dispatchingProbe: PhaseTimings | undefined;

subscribe('undici:request:create', (message) => {
  if (dispatchingProbe) probeOfRequest.set((message as { request: object }).request, dispatchingProbe);
});
subscribe('undici:client:sendHeaders', (message) => {
  const { request, socket } = message as { request: object; socket: object };
  const probe = probeOfRequest.get(request);
  if (!probe) return;
  probe.sentAt = performance.now();
  probe.socket = socketTimings.get(socket);
});
subscribe('undici:request:headers', (message) => {
  const probe = probeOfRequest.get((message as { request: object }).request);
  if (probe) probe.headersAt = performance.now();
});

/** Runs `dispatch` so that the request it creates reports into `probe`. */
export function dispatchWithTiming<T>(probe: PhaseTimings, dispatch: () => T): T {
  dispatchingProbe = probe;
  try {
    return dispatch();
  } finally {
    dispatchingProbe = undefined;
  }
}

function timedConnector(tls: TlsSettings): buildConnector.connector {
  const connect = buildConnector({
    rejectUnauthorized: tls.verify,
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.cert !== undefined && { cert: tls.cert }),
    ...(tls.key !== undefined && { key: tls.key }),
  });
  const timedConnect: buildConnector.connector = (options, callback) => {
    const timings: SocketTimings = { startedAt: performance.now() };
    // undici's connector returns the socket although its type says void.
    const socket = (connect as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket | undefined)(
      options,
      (...args) => {
        // undici's own listener fires before ours could, so stamp the final phase here.
        const [error, connected] = args;
        const now = performance.now();
        if (!error && connected) {
          if (options.protocol === 'https:') {
            timings.secureAt = now;
            const certificate = (connected as TLSSocket).getPeerCertificate?.();
            if (certificate?.valid_to) timings.certNotAfter = certificate.valid_to;
          } else {
            timings.connectedAt ??= now;
          }
        }
        callback(...args);
      },
    );
    if (socket) {
      socketTimings.set(socket, timings);
      socket.once('lookup', () => (timings.lookupAt = performance.now()));
      socket.once('connect', () => (timings.connectedAt ??= performance.now()));
      plainStackOnReset(socket);
    }
    return socket;
  };
  return timedConnect;
}

/**
 * undici ends each check's connection (no keep-alive) with `destroy(new InformationalError('reset'))`,
 * and Node's destroy reads the error's stack, which V8 then formats for nobody: ~3 % of Vigil's CPU
 * at 10,000 checks (bench/RESULTS.md, 2026-12-03 third session). That error gets a plain stack first.
 */
function plainStackOnReset(socket: Socket): void {
  const destroy = socket.destroy;
  socket.destroy = function (this: Socket, error?: Error) {
    if (error && (error as { code?: unknown }).code === 'UND_ERR_INFO') error.stack = `${error.name}: ${error.message}`;
    return destroy.call(this, error);
  };
}

/**
 * One undici Pool per origin and TLS setting, kept while the process runs; beyond MAX_POOLS the
 * least recently used is closed. undici's Agent closed an origin's Pool whenever its last
 * connection ended and built a new Pool and Client for the next request, which without keep-alive
 * is every check (bench/RESULTS.md, 2026-12-03 third session). A Pool keeps its Clients, and each
 * opens a fresh connection for every request (`pipelining: 0`).
 */
const MAX_POOLS = 2_048;
const pools = new Map<string, Pool>();

/** The shared Pool for `origin` with these TLS settings. */
export function poolFor(tls: TlsSettings, origin: string): Pool {
  const plain = tls.ca === undefined && tls.cert === undefined && tls.key === undefined;
  const tlsKey = plain ? (tls.verify ? 'verify' : 'no-verify') : JSON.stringify([tls.verify, tls.ca ?? '', tls.cert ?? '', tls.key ?? '']);
  const key = `${origin} ${tlsKey}`;
  let pool = pools.get(key);
  if (pool) {
    // Most recently used last: the Map's first entry is the one to close when full.
    pools.delete(key);
  } else {
    if (pools.size >= MAX_POOLS) {
      const [oldestKey, oldest] = pools.entries().next().value as [string, Pool];
      pools.delete(oldestKey);
      void oldest.close();
    }
    pool = new Pool(origin, { pipelining: 0, connect: timedConnector(tls) });
  }
  pools.set(key, pool);
  return pool;
}

/** Closes every shared Pool (tests and shutdown). */
export async function closeHttpPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.close()));
}
