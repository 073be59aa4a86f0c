/**
 * PostgreSQL unavailable for 60 s under load (issue 25): Vigil in server mode (DATABASE_URL, the
 * in-process queue) against a PostgreSQL server this benchmark owns (the embedded binaries on a
 * socket of their own), N HTTP checks; a fifth of them point at a target that starts failing just
 * after the server stops. Prints: ticks recorded against ticks due (lost), duplicates, the runs held
 * at the peak, how long the backlog took to write once the server was back, and the transitions of
 * the outage (each failing system goes healthy → degraded, and → unhealthy at its fifth failure, once
 * each, dated inside the outage).
 *
 *   node bin/run-ts.js bench/outage.ts [--assignments 2000] [--interval-s 10] [--outage-s 60]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../src/db/embedded.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { numberOption, spawnVigil, waitForOutput } from './processes.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => numberOption(name, fallback, args);
const ASSIGNMENTS = option('assignments', 2_000);
const INTERVAL_S = option('interval-s', 10);
const OUTAGE_S = option('outage-s', 60);
const FAILING_SHARE = 0.2;

/** Two HTTP targets in one child: /ok always 200; /flip 200 until told (POST /flip/down), then 500. */
async function startTargets(): Promise<{ child: ChildProcess; base: string }> {
  const script = `
    const http = require('node:http');
    let down = false;
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/flip/down') { down = true; res.end('ok'); return; }
      const status = req.url === '/flip' && down ? 500 : 200;
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }); res.end('{}');
    });
    server.keepAliveTimeout = 0;
    server.listen(0, '127.0.0.1', () => console.log('targets on http://127.0.0.1:' + server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  return { child, base: await waitForOutput(child, /targets on (\S+)/) };
}

async function main() {
  const root = mkdtempSync('/tmp/vigil-bench-outage-');
  chmodSync(root, 0o755);
  const server = new EmbeddedPostgres({ dataDir: join(root, 'server'), log: silentLogger() });
  await server.start();
  const config = server.connectionConfig('vigil');
  const targets = await startTargets();
  const vigil = spawnVigil(['--data-dir', join(root, 'vigil')], {
    DATABASE_URL: `postgres://postgres@${encodeURIComponent(String(config.host))}/vigil`,
    VIGIL_SECRET_KEY: randomBytes(32).toString('base64'),
  });
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client(config);
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  try {
    const url = await waitForOutput(vigil, /listening on (\S+)/);
    const failing = Math.round(ASSIGNMENTS * FAILING_SHARE);
    // One configuration per assignment (its own system): the failing ones are whole systems.
    await query(`INSERT INTO systems (name) SELECT 'outage-' || i FROM generate_series(1, $1) i`, [ASSIGNMENTS]);
    await query(
      `INSERT INTO configurations (name, strategy, config, assertions, interval_seconds)
       SELECT 'outage-check-' || i, 'http', jsonb_build_object('url', $1 || CASE WHEN i <= $2 THEN '/flip' ELSE '/ok' END, 'timeout', 5000),
              '[{"field":"statusCode","operator":"equals","value":200}]', $3
         FROM generate_series(1, $4) i`,
      [targets.base, failing, INTERVAL_S, ASSIGNMENTS],
    );
    await query(
      `INSERT INTO assignments (system_id, configuration_id)
       SELECT s.id, c.id FROM systems s JOIN configurations c ON substring(c.name FROM 14) = substring(s.name FROM 8)`,
    );
    console.error(`${ASSIGNMENTS} checks every ${INTERVAL_S} s (${failing} will fail); warming up for ${INTERVAL_S * 2 + 5} s`);
    await new Promise((resolve) => setTimeout(resolve, (INTERVAL_S * 2 + 5) * 1000));
    const failingIds = (await query<{ id: string }>(`SELECT id FROM systems WHERE name = ANY($1::text[])`, [Array.from({ length: failing }, (_, i) => `outage-${i + 1}`)])).map((r) => r.id);
    const unhealthyBefore = (await query<{ n: number }>(`SELECT count(*)::int AS n FROM health_states WHERE status <> 'healthy'`))[0]!.n;

    const stoppedAt = Date.now();
    await server.stop();
    await fetch(`${targets.base}/flip/down`, { method: 'POST' });
    let heldPeak = 0;
    let notReadyReason = '';
    while (Date.now() - stoppedAt < OUTAGE_S * 1000) {
      const ready = await fetch(`${url}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { reason?: string } }));
      if (ready.status === 503) notReadyReason ||= ready.body.reason ?? '';
      const metrics = await (await fetch(`${url}/metrics`)).text();
      heldPeak = Math.max(heldPeak, Number(/^vigil_runs_held (\d+)/m.exec(metrics)?.[1] ?? 0));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const restartedAt = Date.now();
    await server.start();
    const serverBackMs = Date.now() - restartedAt;
    let readyMs = NaN;
    for (let i = 0; i < 1_200; i++) {
      if ((await fetch(`${url}/readyz`)).status === 200) {
        readyMs = Date.now() - restartedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const dropped = Number(/^vigil_runs_held_dropped (\d+)/m.exec(metrics)?.[1] ?? 0);

    // Ticks due in the outage: each assignment's ticks in [stop, restart) — its phase is the same
    // before as during, so count per assignment from its ticks in the interval before the outage.
    const window = [new Date(stoppedAt), new Date(restartedAt)];
    const [counts] = await query<{ runs: number; distinct_ticks: number; assignments: number }>(
      `SELECT count(*)::int AS runs, count(DISTINCT (system_id, configuration_id, scheduled_for))::int AS distinct_ticks,
              count(DISTINCT (system_id, configuration_id))::int AS assignments
         FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2`,
      window,
    );
    // Due: from each assignment's last tick before the stop, every interval until the restart.
    const [{ due }] = (await query<{ due: number }>(
      `SELECT sum(ceil(extract(epoch FROM ($2::timestamptz - t)) / $3) - 1)::int AS due
         FROM (SELECT max(scheduled_for) AS t FROM runs WHERE scheduled_for < $1 GROUP BY system_id, configuration_id) last`,
      [...window, INTERVAL_S],
    )) as [{ due: number }];
    // Whether the checks kept their ticks while the database was away: when each started after its tick was due.
    const lags = (await query<{ lag: number }>(
      `SELECT extract(epoch FROM (created_at - scheduled_for)) * 1000 - coalesce(latency_ms, 0) AS lag FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 ORDER BY 1`,
      window,
    )).map((r) => Number(r.lag));
    const lagP99 = lags[Math.max(0, Math.ceil(lags.length * 0.99) - 1)] ?? NaN;
    const transitions = await query<{ steps: string; inside: boolean }>(
      `SELECT string_agg(coalesce(from_status, '∅') || '→' || to_status, ' ' ORDER BY seq) AS steps,
              bool_and(transitioned_at >= $2 AND transitioned_at < $3) AS inside
         FROM transitions WHERE system_id = ANY($1::uuid[]) AND transitioned_at >= $2 GROUP BY system_id`,
      [failingIds, ...window],
    );
    // Per failing system, its transitions of the outage: which sequences, how many systems each, all dated inside it?
    const sequences = new Map<string, number>();
    for (const t of transitions) sequences.set(t.steps, (sequences.get(t.steps) ?? 0) + 1);
    const described = [...sequences].map(([steps, n]) => `${n} × ${steps}`).join(', ') || 'none';
    const outside = transitions.filter((t) => !t.inside).length;
    const events = (await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE topic = 'healthcheck.system_health_changed' AND created_at >= $1 AND payload->>'systemId' = ANY($2::text[])`,
      [new Date(stoppedAt), failingIds],
    ))[0]!.n;
    console.error(`not ready said: ${notReadyReason.slice(0, 160)}…`);
    console.log(
      `| ${ASSIGNMENTS} × ${INTERVAL_S} s, ${OUTAGE_S} s outage | ${counts!.runs} of ${due} ticks due (${Math.max(0, due - counts!.runs)} lost, ${counts!.runs - counts!.distinct_ticks} duplicated), start lag p99 ${lagP99.toFixed(0)} ms | ${heldPeak} | ${dropped} | ${serverBackMs} ms | ${readyMs} ms | of ${failing} failing systems: ${described}; ${outside} dated outside the outage; ${events} change events | ${unhealthyBefore} |`,
    );
  } finally {
    vigil.kill('SIGTERM');
    await new Promise((resolve) => (vigil.exitCode !== null ? resolve(null) : vigil.once('exit', resolve)));
    targets.child.kill();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

console.log('| load | ticks recorded | runs held at the peak | dropped | server restart | backlog written (restart → /readyz 200) | transitions of the outage | not healthy before |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
await main();
