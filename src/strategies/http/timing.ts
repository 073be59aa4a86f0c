import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';

/**
 * Phase timings for HTTP checks on one shared undici Agent per TLS setting.
 *
 * Checks must measure a fresh connection every time, so the Agents run with
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
    }
    return socket;
  };
  return timedConnect;
}

const MAX_AGENTS = 32;
const agents = new Map<string, Agent>();

/**
 * The shared Agent for these TLS settings. Most checks share the default
 * one; distinct client certificates get their own, capped so a config
 * churning certificates cannot grow memory without bound.
 */
export function agentFor(tls: TlsSettings): Agent {
  const plain = tls.ca === undefined && tls.cert === undefined && tls.key === undefined;
  const key = plain ? (tls.verify ? 'verify' : 'no-verify') : JSON.stringify([tls.verify, tls.ca ?? '', tls.cert ?? '', tls.key ?? '']);
  let agent = agents.get(key);
  if (!agent) {
    if (agents.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = agents.entries().next().value as [string, Agent];
      agents.delete(oldestKey);
      void oldest.close();
    }
    agent = new Agent({ pipelining: 0, connect: timedConnector(tls) });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every shared Agent (tests and shutdown). */
export async function closeHttpAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((agent) => agent.close()));
}
