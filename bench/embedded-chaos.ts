/**
 * The embedded default in trouble under load (issue 25): one Vigil process with its own PostgreSQL,
 * N HTTP checks every S seconds, a fifth of them against a target that flips between 200 and 500
 * every FLIP_S seconds (consecutive thresholds of 1: every flip is a real change of health), so
 * health changes go on while things break. In turn:
 *
 *   1. its PostgreSQL killed: the postmaster gets SIGKILL; Vigil starts it again by itself;
 *   2. its data disk full for FULL_S seconds: the data directory is on a tmpfs of its own, filled to
 *      the last byte and then freed (needs root and the right to mount; skipped otherwise, said so);
 *   3. Vigil itself killed: SIGKILL, and started again at once on the same data directory, as a
 *      supervisor (systemd's Restart=always) would.
 *
 * Prints a row per event: how long /readyz said not ready (and why), the ticks due from the event
 * until it was over against those recorded, ticks recorded twice, and the longest run of ticks one
 * assignment lost; then one row for the whole window, with the flipping systems' transitions against
 * their change events (a repeated status, or more events than transitions, is a duplicate).
 *
 *   node bin/run-ts.js bench/embedded-chaos.ts [--assignments 2000] [--interval-s 5] [--full-s 30]
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { HEALTH_CHANGES_SQL, TICK_GAPS_SQL, numberOption, spawnVigil, startFlippingTargets, waitForOutput, type HealthChanges, type TickGap } from './processes.ts';

const ASSIGNMENTS = numberOption('assignments', 2_000);
const INTERVAL_S = numberOption('interval-s', 5);
const FULL_S = numberOption('full-s', 30);
const FLIP_S = 12;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function mount(point: string): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2g,mode=0755', 'tmpfs', point]).status === 0;
}

/** Writes zeros until the disk refuses a byte more; returns the files written. */
function fillDisk(dir: string): string[] {
  const files: string[] = [];
  for (const chunkSize of [1 << 20, 4096, 1]) {
    const file = join(dir, `filler-${chunkSize}`);
    files.push(file);
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(chunkSize);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  }
  return files;
}

interface Event {
  name: string;
  at: Date;
  over?: Date;
  notReadyMs: number;
  reason: string;
}

async function main() {
  const root = mkdtempSync('/tmp/vigil-bench-chaos-');
  chmodSync(root, 0o755);
  const disk = join(root, 'disk');
  mkdirSync(disk);
  const mounted = mount(disk);
  if (!mounted) console.error('not root, or mount is not allowed: the disk-full event is skipped (the data directory is on /tmp)');
  const dataDir = join(disk, 'data');
  const env = { LOG_LEVEL: 'warn' };
  const targets = await startFlippingTargets();
  // What Vigil said (warnings and errors), by message: printed at the end, to read the events by.
  const said = new Map<string, number>();
  const listen = (child: ChildProcess) =>
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        const message = /"msg":"([^"]*)"/.exec(line)?.[1];
        const err = /"err":\{[^}]*?"message":"([^"]{0,80})/.exec(line)?.[1];
        if (!message) continue;
        const key = err ? `${message} (${err})` : message;
        said.set(key, (said.get(key) ?? 0) + 1);
      }
    });
  let vigil = spawnVigil(['--data-dir', dataDir], env);
  listen(vigil);
  let url = await waitForOutput(vigil, /listening on (\S+)/);
  const socketDir = join(dataDir, 'pg');
  // A fresh connection per question: the server under it is killed on purpose.
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    for (let attempt = 0; ; attempt++) {
      const client = new pg.Client({ host: socketDir, user: 'postgres', database: 'vigil' });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.query(sql, params)).rows as T[];
      } catch (error) {
        if (attempt >= 60) throw error;
        await sleep(500);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  };
  const readiness = async (): Promise<{ status: number; reason: string }> => {
    try {
      const response = await fetch(`${url}/readyz`);
      return { status: response.status, reason: ((await response.json()) as { reason?: string }).reason ?? '' };
    } catch (error) {
      return { status: 0, reason: (error as Error).message };
    }
  };
  /**
   * Polls /readyz until it is ready again after having said it was not (or said nothing else for 5 s
   * after the event); sets when the event was over, how long it was not ready, and its first reason.
   */
  const untilReady = async (event: Event): Promise<void> => {
    let firstNotReady = NaN;
    for (let i = 0; i < 3_000; i++) {
      const ready = await readiness();
      if (ready.status !== 200) {
        if (Number.isNaN(firstNotReady)) firstNotReady = Date.now();
        event.reason ||= ready.reason.slice(0, 90);
      } else if (!Number.isNaN(firstNotReady) || Date.now() - event.at.getTime() > 5_000) {
        break;
      }
      await sleep(50);
    }
    event.over = new Date();
    event.notReadyMs = Number.isNaN(firstNotReady) ? 0 : event.over.getTime() - firstNotReady;
  };
  const events: Event[] = [];
  let flipper: NodeJS.Timeout | undefined;
  try {
    const flipping = Math.round(ASSIGNMENTS / 5);
    await query(`INSERT INTO systems (name) SELECT 'chaos-' || i FROM generate_series(1, $1) i`, [ASSIGNMENTS]);
    await query(
      `INSERT INTO configurations (name, strategy, config, interval_seconds)
       SELECT 'chaos-check-' || i, 'http', jsonb_build_object('url', $1 || CASE WHEN i <= $2 THEN '/flip' ELSE '/ok' END, 'timeout', 3000), $3 FROM generate_series(1, $4) i`,
      [targets.base, flipping, INTERVAL_S, ASSIGNMENTS],
    );
    await query(
      `INSERT INTO assignments (system_id, configuration_id, state_thresholds)
       SELECT s.id, c.id, '{"mode":"consecutive","healthy":{"minSuccessCount":1},"degraded":{"minFailureCount":1},"unhealthy":{"minFailureCount":1}}'
         FROM systems s JOIN configurations c ON substring(c.name FROM 13) = substring(s.name FROM 7)`,
    );
    console.error(`${ASSIGNMENTS} checks every ${INTERVAL_S} s (${flipping} flipping every ${FLIP_S} s); warming up`);
    await sleep((INTERVAL_S * 3 + 5) * 1000);
    const windowStart = new Date();
    flipper = setInterval(() => void fetch(`${targets.base}/flip`, { method: 'POST' }).catch(() => undefined), FLIP_S * 1000);
    await sleep(10_000);

    // 1. The postmaster killed.
    const postmaster = Number(readFileSync(join(socketDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const pgKilled: Event = { name: 'its PostgreSQL killed (SIGKILL to the postmaster)', at: new Date(), notReadyMs: 0, reason: '' };
    process.kill(postmaster, 'SIGKILL');
    await untilReady(pgKilled);
    events.push(pgKilled);
    await sleep(15_000);

    // 2. The disk full.
    if (mounted) {
      const full: Event = { name: `its data disk full for ${FULL_S} s, then freed`, at: new Date(), notReadyMs: 0, reason: '' };
      const files = fillDisk(disk);
      let sawNotReady = NaN;
      while (Date.now() - full.at.getTime() < FULL_S * 1000) {
        const ready = await readiness();
        if (ready.status !== 200) {
          if (Number.isNaN(sawNotReady)) sawNotReady = Date.now() - full.at.getTime();
          full.reason ||= ready.reason.slice(0, 90);
        }
        await sleep(250);
      }
      for (const file of files) rmSync(file, { force: true });
      const freed = Date.now();
      await untilReady(full);
      full.name += ` (not ready ${(sawNotReady / 1000).toFixed(1)} s after it filled; ready ${((full.over!.getTime() - freed) / 1000).toFixed(1)} s after it was freed)`;
      full.notReadyMs = full.over!.getTime() - full.at.getTime() - sawNotReady;
      events.push(full);
      await sleep(15_000);
    }

    // 3. Vigil killed, and started again at once.
    const vigilKilled: Event = { name: 'Vigil killed (SIGKILL) and started again at once', at: new Date(), notReadyMs: 0, reason: '' };
    vigil.kill('SIGKILL');
    await new Promise((resolve) => vigil.once('exit', resolve));
    vigil = spawnVigil(['--data-dir', dataDir], env);
    listen(vigil);
    url = await waitForOutput(vigil, /listening on (\S+)/);
    while ((await readiness()).status !== 200) await sleep(20);
    vigilKilled.over = new Date();
    vigilKilled.notReadyMs = vigilKilled.over.getTime() - vigilKilled.at.getTime();
    vigilKilled.reason = 'not running, then starting';
    events.push(vigilKilled);
    await sleep(20_000);
    clearInterval(flipper);
    const windowEnd = new Date(Date.now() - INTERVAL_S * 2_000);

    // Every tick missing between two recorded ones of its check, with the length of its gap.
    const gaps = await query<TickGap>(TICK_GAPS_SQL, [windowStart, windowEnd, INTERVAL_S]);
    const lostTicks = gaps.flatMap((gap) => Array.from({ length: gap.missing }, (_, k) => ({ due: gap.t.getTime() + (k + 1) * INTERVAL_S * 1000, gap: gap.missing })));
    const twiceIn = async (from: Date, to: Date) =>
      (await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 GROUP BY system_id, configuration_id, scheduled_for HAVING count(*) > 1) d`,
        [from, to],
      ))[0]!.n;
    const recordedIn = async (from: Date, to: Date) =>
      (await query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2`, [from, to]))[0]!.n;
    const lostIn = (from: Date, to: Date) => {
      const inside = lostTicks.filter((tick) => tick.due >= from.getTime() && tick.due < to.getTime());
      return { lost: inside.length, longest: Math.max(0, ...inside.map((tick) => tick.gap)) };
    };

    // Where the lost ticks fell, against the events' times (seconds from the window's start).
    const since = (at: Date) => ((at.getTime() - windowStart.getTime()) / 1000).toFixed(1);
    const lostAt = new Map<number, number>();
    for (const { due } of lostTicks.sort((a, b) => a.due - b.due)) {
      const second = Math.floor((due - windowStart.getTime()) / 1000);
      lostAt.set(second, (lostAt.get(second) ?? 0) + 1);
    }
    for (const [message, count] of said) console.error(`Vigil said ${count}×: ${message}`);
    console.error(`events: ${events.map((e) => `${e.name.slice(0, 24)} +${since(e.at)}…+${since(e.over!)} s`).join('; ')}`);
    console.error(`lost ticks by second: ${[...lostAt].map(([second, n]) => `+${second} s: ${n}`).join(', ') || 'none'}`);

    console.log('| event | /readyz not ready | ticks recorded (lost) | twice | longest run of ticks one assignment lost |');
    console.log('| --- | --- | --- | ---: | --- |');
    for (const event of events) {
      const to = new Date(event.over!.getTime() + INTERVAL_S * 1000);
      const recorded = await recordedIn(event.at, to);
      const { lost, longest } = lostIn(event.at, to);
      console.log(
        `| ${event.name} | ${(event.notReadyMs / 1000).toFixed(1)} s${event.reason ? ` (“${event.reason}”)` : ''} | ${recorded} of ${recorded + lost} (${lost} lost) | ${await twiceIn(event.at, to)} | ${longest ? `${longest} tick${longest > 1 ? 's' : ''}` : 'none'} |`,
      );
    }
    const [health] = await query<HealthChanges>(
      HEALTH_CHANGES_SQL,
      [windowStart],
    );
    const whole = lostIn(windowStart, windowEnd);
    const recorded = await recordedIn(windowStart, windowEnd);
    console.log(
      `| the whole ${((windowEnd.getTime() - windowStart.getTime()) / 1000).toFixed(0)} s window, ${ASSIGNMENTS} × ${INTERVAL_S} s, ${flipping} flipping every ${FLIP_S} s | | ${recorded} of ${recorded + whole.lost} (${whole.lost} lost) | ${await twiceIn(windowStart, windowEnd)} | ${health!.transitions} transitions, ${health!.repeated} repeating the status before them; ${health!.events} change events (one per transition: ${health!.events === health!.transitions ? 'yes' : 'no'}) |`,
    );
  } finally {
    clearInterval(flipper);
    const exited = new Promise((resolve) => (vigil.exitCode !== null || vigil.signalCode ? resolve(null) : vigil.once('exit', resolve)));
    vigil.kill('SIGTERM');
    await exited;
    targets.child.kill();
    if (mounted) spawnSync('umount', ['-l', disk]);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
