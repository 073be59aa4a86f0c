/**
 * What authentication adds to a request (issue 17): `GET /api/v1/systems/{id}` over a real socket
 * on 127.0.0.1, sequentially from one client, with no authentication at all (the API as it was
 * before access control: the same routers mounted without the access middleware), with an API
 * token, and with a session cookie. Interleaved rounds, so drift on the machine hits all three.
 *
 *   node bin/run-ts.js bench/auth.ts [requests per round=500] [rounds=6]     (BENCH_DATABASE_URL, else the local PostgreSQL)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createHttpApp, createServices } from '../src/app.ts';
import { createApi } from '../src/api/server.ts';
import { catalogRoutes } from '../src/catalog/routes.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';

const PER_ROUND = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 6);

function listen(fetch: Parameters<typeof serve>[0]['fetch']): Promise<{ base: string; close(): void }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0, createServer }, () =>
      resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }),
    );
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('auth');
  const queue = createMemoryQueue();
  try {
    const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
    const system = await services.catalog.createSystem({ name: 'bench', description: '', public: false, groupIds: [], tags: {} });
    await services.access.ensureAdmin('bench@vigil.test', 'bench password long');
    const { sessionId } = await services.access.login('bench@vigil.test', 'bench password long');
    const [user] = await services.access.listUsers();
    const { token } = await services.access.createToken({ kind: 'user', userId: user!.id, email: 'admin@vigil.test', role: 'admin', grants: [] }, { name: 'bench' });

    const open = await listen(createApi({ log, metrics: services.metrics, version: 'bench', routers: [catalogRoutes(services.catalog)], ready: async () => undefined }).fetch);
    const guarded = await listen(createHttpApp(database, services, log).fetch);
    const ways = [
      { name: 'no authentication (before)', base: open.base, headers: {} as Record<string, string>, times: [] as number[] },
      { name: 'API token (Authorization: Bearer)', base: guarded.base, headers: { authorization: `Bearer ${token}` }, times: [] as number[] },
      { name: 'session cookie', base: guarded.base, headers: { cookie: `vigil_session=${sessionId}` }, times: [] as number[] },
    ];
    const path = `/api/v1/systems/${system.id}`;
    for (const way of ways) for (let i = 0; i < 100; i++) await fetch(`${way.base}${path}`, { headers: way.headers }).then((r) => r.text()); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of ways) {
        for (let i = 0; i < PER_ROUND; i++) {
          const started = performance.now();
          const response = await fetch(`${way.base}${path}`, { headers: way.headers });
          await response.text();
          if (response.status !== 200) throw new Error(`${way.name}: ${response.status}`);
          way.times.push(performance.now() - started);
        }
      }
    }
    const base = [...ways[0]!.times].sort((a, b) => a - b);
    console.log(`| GET /api/v1/systems/{id}, ${PER_ROUND * ROUNDS} sequential requests each | p50 | p99 | added at p50 |`);
    console.log('| --- | --- | --- | --- |');
    for (const way of ways) {
      const sorted = [...way.times].sort((a, b) => a - b);
      const added = quantile(sorted, 0.5) - quantile(base, 0.5);
      console.log(`| ${way.name} | ${quantile(sorted, 0.5).toFixed(3)} ms | ${quantile(sorted, 0.99).toFixed(3)} ms | ${way === ways[0] ? '—' : `${added.toFixed(3)} ms`} |`);
    }
    open.close();
    guarded.close();
  } finally {
    await queue.close();
    await drop();
  }
}

await main();
