import { execFile } from 'node:child_process';
import { z } from 'zod';
import { emptyCollectorConfig, hostField, timeoutField } from '../common.ts';
import { missingCommandMessage } from '../system-command.ts';
import { CollectorError, defineCollector, defineStrategy, type SystemCommand } from '../types.ts';
import { parsePingOutput } from './output.ts';

/**
 * ICMP echo through the system `ping` (iputils): raw ICMP sockets need
 * privileges Vigil should not ask for, and `ping` already has them.
 */

const PING: SystemCommand = { command: process.env.VIGIL_PING_PATH ?? 'ping', install: 'apt-get install iputils-ping' };

const pingConfigSchema = z.strictObject({
  host: hostField.regex(/^[^-\s]/, 'A host cannot start with "-"'),
  count: z.number().int().min(1).max(100).default(3),
  /** Between echo requests; iputils refuses less than 200 ms to non-root users. */
  intervalMs: z.number().int().min(200).max(60_000).default(200),
  timeout: timeoutField,
});
type PingConfig = z.infer<typeof pingConfigSchema>;

const pingEchoCollector = defineCollector<Record<string, never>, PingConfig>({
  id: 'ping.echo',
  title: 'ICMP echo',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    packetsSent: { type: 'number', description: 'Echo requests sent' },
    packetsReceived: { type: 'number', description: 'Echo replies received' },
    packetLossPercent: { type: 'number', description: 'Share of requests without reply, 0–100' },
    rttMinMs: { type: 'number', description: 'Fastest round trip' },
    rttAvgMs: { type: 'number', description: 'Average round trip' },
    rttMaxMs: { type: 'number', description: 'Slowest round trip' },
  },
  async collect(config, _config, ctx) {
    // Wait for the last reply at most until the run's own deadline would hit.
    const waitSeconds = Math.max(1, Math.floor(config.timeout / 1000) - Math.ceil((config.count * config.intervalMs) / 1000));
    const args = ['-n', '-c', String(config.count), '-i', String(config.intervalMs / 1000), '-W', String(waitSeconds), config.host];
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(PING.command, args, { signal: ctx.signal, maxBuffer: 1024 * 1024 }, (error, out, err) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(missingCommandMessage(PING)));
        else if (error && ctx.signal.aborted) reject(error);
        else resolve({ stdout: out, stderr: err });
      });
    });
    const summary = parsePingOutput(stdout);
    if (!summary) {
      const reason = stderr.trim().replace(/^ping: /, '') || stdout.trim() || 'no output';
      throw new CollectorError(`Ping to ${config.host} failed: ${reason}`);
    }
    if (summary.packetsReceived === 0) {
      throw new CollectorError(`No reply from ${config.host} (100% packet loss)`, { ...summary });
    }
    return { ...summary };
  },
});

export const pingStrategy = defineStrategy<PingConfig, PingConfig>({
  id: 'ping',
  title: 'Ping (ICMP)',
  config: { version: 1, schema: pingConfigSchema, migrations: [] },
  templatable: ['host'],
  secret: [],
  target: {
    example: 'gateway.internal',
    fromConfig: (config) => config.host,
    toConfig: (target) => ({ host: target }),
  },
  requires: PING,
  // Each check spawns its own ping; there is no connection to hold.
  async connect(config) {
    return config;
  },
  async close() {},
  defaultCollector: 'ping.echo',
  collectors: [pingEchoCollector],
});
