import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { createLogger } from '../kernel/log.ts';
import { SatelliteAgent } from '../satellites/agent.ts';
import { SettingsError, scriptConfinementFromEnv } from '../settings.ts';
import { buildStrategyRegistry, createStrategies } from '../strategies/registry.ts';
import { DEFAULT_CONFINEMENT } from '../strategies/script/confinement.ts';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface SatelliteFlags {
  server?: string;
  token?: string;
  dataDir: string;
  pollSeconds: number;
  maxBufferedRuns: number;
  concurrency: number;
}

const positive = (what: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`expected a positive number of ${what}`);
  return number;
};

/**
 * `vigil satellite --server URL --token T`: run the checks the server assigns this satellite, from
 * this machine, until stopped (SIGINT/SIGTERM). Exit 64 for a usage mistake, 1 when the server
 * refuses the token (unknown, or the satellite was deleted).
 */
export function registerSatelliteCommand(program: Command): Command {
  return program
    .command('satellite')
    .description('run the checks a Vigil server assigns this satellite, from this machine, and push their runs (buffered on disk while the server is away)')
    .option('--server <url>', "the Vigil server's URL (or VIGIL_SERVER)")
    .option('--token <token>', "the satellite's token from POST /api/v1/satellites (or VIGIL_SATELLITE_TOKEN)")
    .option('--data-dir <dir>', 'where runs wait for upload', './satellite-data')
    .option('--poll-seconds <n>', 'after a failed ask for the assignments, seconds before the next (they are long-polled otherwise)', positive('seconds'), 10)
    .option('--max-buffered-runs <n>', 'runs kept while the server is away; the oldest are dropped beyond it', positive('runs'), 100_000)
    .option('--concurrency <n>', 'checks running at once', positive('checks'), 50)
    .action(async (flags: SatelliteFlags) => {
      const server = flags.server ?? process.env.VIGIL_SERVER;
      const token = flags.token ?? process.env.VIGIL_SATELLITE_TOKEN;
      if (!server || !token) {
        console.error(`vigil satellite: ${!server ? '--server (or VIGIL_SERVER)' : '--token (or VIGIL_SATELLITE_TOKEN)'} is required`);
        process.exit(64);
      }
      try {
        new URL(server);
      } catch {
        console.error(`vigil satellite: --server must be a URL such as https://vigil.example.com, got ${server}`);
        process.exit(64);
      }
      let confinement;
      try {
        confinement = scriptConfinementFromEnv();
      } catch (error) {
        if (!(error instanceof SettingsError)) throw error;
        console.error(`vigil satellite: ${error.message}`);
        process.exit(64);
      }
      const level = LEVELS.find((known) => known === process.env.LOG_LEVEL) ?? 'info';
      const log = createLogger({ level, format: process.env.VIGIL_LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
      const dataDir = resolve(flags.dataDir);
      // Scripts never see the buffer: it is the satellite's, not theirs.
      const strategies = buildStrategyRegistry(createStrategies({ script: { ...DEFAULT_CONFINEMENT, ...confinement, hiddenPaths: [dataDir] } }));
      const agent = new SatelliteAgent({
        server,
        token,
        dataDir,
        strategies,
        log,
        version,
        pollMs: flags.pollSeconds * 1000,
        maxBufferedRuns: Math.floor(flags.maxBufferedRuns),
        concurrency: Math.floor(flags.concurrency),
      });
      await agent.start();
      log.info({ server, dataDir, version }, 'Satellite started');
      const stop = (signal: string) => {
        log.info({ signal }, 'Satellite shutting down');
        void agent.stop();
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      const end = await agent.done;
      log.flush?.();
      process.exit(end === 'revoked' ? 1 : 0);
    });
}
