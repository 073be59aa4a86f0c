/**
 * Cost of one health evaluation as history grows (issue 12): the whole write path of one run —
 * advisory lock, run + hourly bucket + stream state, view re-evaluation, commit — timed while the
 * runs table grows from 10^4 to 10^N rows. It should stay flat: evaluation reads the small
 * stream_states rows, never the runs table. Also times "the newest 20 runs of a stream".
 *
 *   node bin/run-ts.js bench/evaluation.ts [maxPower=7]     (BENCH_DATABASE_URL, else the local PostgreSQL)
 */
import { createMemoryBus } from '../src/events/bus.ts';
import { OutboxRelay } from '../src/events/outbox.ts';
import { HealthRecorder } from '../src/health/recorder.ts';
import { HealthService } from '../src/health/service.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createBenchDatabase } from './database.ts';

const maxPower = Number(process.argv[2] ?? 7);
const SAMPLES = 200;

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('eval');
  const bus = createMemoryBus();
  const recorder = new HealthRecorder(database, new OutboxRelay(database.pool, bus, log), bus, log);
  const health = new HealthService(database.pool);
  try {
    const { rows: [system] } = await database.pool.query(`INSERT INTO systems (name) VALUES ('eval') RETURNING id`);
    const { rows: configurations } = await database.pool.query(
      `INSERT INTO configurations (name, strategy, config, interval_seconds) SELECT 'eval-' || i, 'http', '{"url":"http://127.0.0.1/"}', 30 FROM generate_series(1, 10) i RETURNING id`,
    );
    for (const c of configurations) await database.pool.query(`INSERT INTO assignments (system_id, configuration_id) VALUES ($1, $2)`, [system.id, c.id]);
    const measured = configurations[0].id as string;

    console.log('| runs in table | record + evaluate one run, p50 | p99 | newest 20 runs of a stream, p50 |');
    console.log('| ---: | ---: | ---: | ---: |');
    let rowsNow = 0;
    let tick = Date.now() - 10 * 365 * 86_400_000;
    for (let power = 4; power <= maxPower; power++) {
      const target = 10 ** power;
      // History spread over the system's ten checks, one run a minute, older than what we record next.
      const missing = target - rowsNow;
      for (let done = 0; done < missing; done += 1_000_000) {
        const batch = Math.min(1_000_000, missing - done);
        await database.pool.query(
          `INSERT INTO runs (system_id, configuration_id, source, status, latency_ms, message, scheduled_for, created_at)
           SELECT $1, ($2::uuid[])[1 + (i % 10)], 'Local', CASE WHEN i % 7 = 0 THEN 'unhealthy' ELSE 'healthy' END, 20 + i % 50, 'Completed',
                  to_timestamp($3 / 1000.0) + make_interval(mins => i), to_timestamp($3 / 1000.0) + make_interval(mins => i)
             FROM generate_series(1, $4) i`,
          [system.id, configurations.map((c) => c.id), tick, batch],
        );
        tick += batch * 60_000;
      }
      rowsNow = target;
      await database.pool.query('ANALYZE runs');

      const writes: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const started = performance.now();
        await recorder.recordRun({
          systemId: system.id,
          configurationId: measured,
          environmentId: null,
          source: 'Local',
          status: i % 5 === 0 ? 'unhealthy' : 'healthy',
          latencyMs: 20,
          message: 'Completed in 20ms',
          result: {},
          scheduledFor: new Date(Date.now() + power * 1_000_000 + i),
          at: new Date(),
        });
        writes.push(performance.now() - started);
      }
      const reads: number[] = [];
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        await health.listRuns({ limit: 20 }, { systemId: system.id, configurationId: measured });
        reads.push(performance.now() - started);
      }
      writes.sort((a, b) => a - b);
      reads.sort((a, b) => a - b);
      const q = (values: number[], p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))]!.toFixed(2);
      console.log(`| 10^${power} | ${q(writes, 0.5)} ms | ${q(writes, 0.99)} ms | ${q(reads, 0.5)} ms |`);
    }
  } finally {
    await drop();
  }
}

await main();
