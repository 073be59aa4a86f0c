import { Cron } from 'croner';
import { z } from 'zod';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../../kernel/secret-name.ts';
import { emptyCollectorConfig } from '../common.ts';
import { defineCollector, defineStrategy } from '../types.ts';

/**
 * Heartbeat checks (SPEC §2.11): the monitored job reports in by calling its ping URL, so this
 * strategy is passive — nothing schedules or connects. Its config says when a ping is expected:
 * every `period`, or at each slot of a cron `schedule` in `timezone`, plus `grace`.
 */

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `5m`, `1h`, `1d` → milliseconds; anything else → undefined. */
export function parseHeartbeatDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

const durationField = (what: string, minMs: number) =>
  z.string().refine((text) => (parseHeartbeatDuration(text) ?? -1) >= minMs, {
    message: `expected a duration such as "90s", "5m", "1h" or "1d"${minMs > 0 ? ` of at least ${minMs / 1000}s` : ''} (${what})`,
  });

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron pattern is not one, or undefined when it is. */
function cronProblem(pattern: string, timezone: string | undefined): string | undefined {
  try {
    new Cron(pattern, { timezone: timezone !== undefined && isTimeZone(timezone) ? timezone : 'UTC' });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const heartbeatConfigSchema = z
  .strictObject({
    period: durationField('the time between pings', 1_000).optional(),
    schedule: z.string().min(1).optional().meta({ description: 'A cron pattern (5 fields, or 6 with seconds) for when the job runs, e.g. "0 3 * * *"' }),
    timezone: z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as "Europe/Berlin"' }).optional().meta({ description: 'The time zone of `schedule` (default UTC)' }),
    grace: durationField('how late a ping may come', 0).default('1m'),
    maskSecrets: z
      .array(z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE))
      .max(50)
      .default([])
      .meta({ description: 'Secrets whose values are masked as **** out of what a ping sends (its body)' }),
  })
  .superRefine((config, ctx) => {
    if ((config.period === undefined) === (config.schedule === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'expected exactly one of period (e.g. "5m") or schedule (a cron pattern)' });
    }
    if (config.timezone !== undefined && config.schedule === undefined) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'expected only with schedule' });
    }
    if (config.schedule !== undefined) {
      const problem = cronProblem(config.schedule, config.timezone);
      if (problem) ctx.addIssue({ code: 'custom', path: ['schedule'], message: `expected a cron pattern such as "0 3 * * *": ${problem}` });
    }
  });
export type HeartbeatConfig = z.infer<typeof heartbeatConfigSchema>;

/** When a ping is expected, in the lateness decision's terms. */
export type Expectation =
  | { kind: 'period'; periodMs: number; graceMs: number }
  | { kind: 'schedule'; schedule: string; timezone: string; graceMs: number };

/** A validated config as an expectation. */
export function expectationOf(config: Pick<HeartbeatConfig, 'period' | 'schedule' | 'timezone' | 'grace'>): Expectation {
  const graceMs = parseHeartbeatDuration(config.grace) ?? 0;
  if (config.schedule !== undefined) return { kind: 'schedule', schedule: config.schedule, timezone: config.timezone ?? 'UTC', graceMs };
  return { kind: 'period', periodMs: parseHeartbeatDuration(config.period ?? '') ?? 0, graceMs };
}

const PASSIVE = 'heartbeat checks are passive: a run is recorded when the job calls its ping URL';

const heartbeatPingCollector = defineCollector<Record<string, never>, never>({
  id: 'heartbeat.ping',
  title: 'Ping from the job',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    exitCode: { type: 'number', description: 'The exit code the ping reported (/ping/<token>/<exit-code>); 0 for a plain ping' },
    output: { type: 'string', description: 'The first 10 KB of the ping’s body, secrets masked' },
  },
  collect() {
    return Promise.reject(new Error(PASSIVE));
  },
});

// The contract types every config with the engine's `timeout`; a passive strategy is never run, so it has none (the registry allows that).
export const heartbeatStrategy = defineStrategy<HeartbeatConfig & { timeout: number }, never>({
  id: 'heartbeat',
  title: 'Heartbeat (the job pings Vigil)',
  passive: true,
  config: { version: 1, schema: heartbeatConfigSchema as unknown as z.ZodType<HeartbeatConfig & { timeout: number }>, migrations: [] },
  templatable: [],
  secret: [],
  target: {
    example: '5m',
    toConfig: (target) => (parseHeartbeatDuration(target) === undefined ? { schedule: target } : { period: target }),
    fromConfig: (config) => config.period ?? config.schedule ?? '',
  },
  connect() {
    return Promise.reject(new Error(PASSIVE));
  },
  async close() {},
  defaultCollector: 'heartbeat.ping',
  collectors: [heartbeatPingCollector],
});
