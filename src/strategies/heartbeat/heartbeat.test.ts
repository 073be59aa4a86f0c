import { describe, expect, it } from 'vitest';
import { buildStrategyRegistry } from '../registry.ts';
import { expectationOf, heartbeatStrategy, parseHeartbeatDuration } from './index.ts';

describe('heartbeat durations', () => {
  it.each([
    { text: '90s', ms: 90_000 },
    { text: '5m', ms: 300_000 },
    { text: '1h', ms: 3_600_000 },
    { text: '2d', ms: 172_800_000 },
    { text: ' 0s ', ms: 0 },
    { text: '1.5m', ms: undefined },
    { text: '5', ms: undefined },
    { text: '5 minutes', ms: undefined },
  ])('$text → $ms', ({ text, ms }) => expect(parseHeartbeatDuration(text)).toBe(ms));
});

describe('heartbeat config', () => {
  const parse = (config: unknown) => heartbeatStrategy.config.schema.safeParse(config);

  it('takes a period, or a schedule with a time zone, and defaults grace to 1m', () => {
    expect(parse({ period: '5m' }).data).toEqual({ period: '5m', grace: '1m', maskSecrets: [] });
    const cron = parse({ schedule: '0 3 * * *', timezone: 'Europe/Berlin', grace: '30m' }).data!;
    expect(expectationOf(cron)).toEqual({ kind: 'schedule', schedule: '0 3 * * *', timezone: 'Europe/Berlin', graceMs: 1_800_000 });
    expect(expectationOf(parse({ schedule: '*/10 * * * *' }).data!)).toMatchObject({ timezone: 'UTC', graceMs: 60_000 });
    expect(expectationOf(parse({ period: '90s', grace: '0s' }).data!)).toEqual({ kind: 'period', periodMs: 90_000, graceMs: 0 });
  });

  it.each([
    { name: 'neither period nor schedule', config: {} },
    { name: 'both', config: { period: '5m', schedule: '0 3 * * *' } },
    { name: 'a period under a second', config: { period: '0s' } },
    { name: 'an unknown time zone', config: { schedule: '0 3 * * *', timezone: 'Europe/Atlantis' } },
    { name: 'a cron pattern with an hour of 25', config: { schedule: '0 25 * * *' } },
    { name: 'a timeout (a heartbeat is never run)', config: { period: '5m', timeout: 1000 } },
  ])('refuses $name', ({ config }) => expect(parse(config).success).toBe(false));

  it('is a passive strategy the registry accepts without a timeout', () => {
    expect(heartbeatStrategy.passive).toBe(true);
    expect(buildStrategyRegistry([heartbeatStrategy]).getStrategy('heartbeat')).toBe(heartbeatStrategy);
  });
});
