import { describe, expect, it } from 'vitest';
import { dayLevel, formatUptime, latencyBadge, overallLevel, slugOf, statusBadge, systemLevel, uptimeBadge, type Level } from './model.ts';

describe('slugOf', () => {
  const cases: [string, string][] = [
    ['Core Services', 'core-services'],
    ['  Payments / EU  ', 'payments-eu'],
    ['API_v2.1', 'api-v2-1'],
    ['Zürich DC', 'zürich-dc'],
    ['---', ''],
    ['a--b', 'a-b'],
  ];
  for (const [name, slug] of cases) it(`${JSON.stringify(name)} → ${JSON.stringify(slug)}`, () => expect(slugOf(name)).toBe(slug));
});

describe('systemLevel', () => {
  const cases: { name: string; status: 'healthy' | 'degraded' | 'unhealthy' | null; maintenance: boolean; expected: [Level, string] }[] = [
    { name: 'healthy is operational', status: 'healthy', maintenance: false, expected: ['ok', 'Operational'] },
    { name: 'degraded is degraded performance', status: 'degraded', maintenance: false, expected: ['warn', 'Degraded performance'] },
    { name: 'unhealthy is an outage', status: 'unhealthy', maintenance: false, expected: ['bad', 'Outage'] },
    { name: 'no checks is no data', status: null, maintenance: false, expected: ['none', 'No data'] },
    { name: 'maintenance wins over a failure it causes', status: 'unhealthy', maintenance: true, expected: ['info', 'Under maintenance'] },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const { level, label } = systemLevel(row.status, row.maintenance);
      expect([level, label]).toEqual(row.expected);
    });
  }
});

describe('overallLevel', () => {
  const cases: { name: string; levels: Level[]; expected: string }[] = [
    { name: 'every system operational', levels: ['ok', 'ok'], expected: 'All systems operational' },
    { name: 'maintenance and no data do not spoil it', levels: ['ok', 'info', 'none'], expected: 'All systems operational' },
    { name: 'one degraded is a partial outage', levels: ['ok', 'ok', 'warn'], expected: 'Partial outage' },
    { name: 'one down of three is a partial outage', levels: ['ok', 'ok', 'bad'], expected: 'Partial outage' },
    { name: 'half down is a major outage', levels: ['ok', 'bad'], expected: 'Major outage' },
    { name: 'a system in maintenance does not count toward the half', levels: ['bad', 'info', 'info', 'ok'], expected: 'Major outage' },
    { name: 'only maintenance', levels: ['info'], expected: 'Under maintenance' },
    { name: 'only systems without data', levels: ['none', 'none'], expected: 'No data yet' },
    { name: 'no systems', levels: [], expected: 'No systems to show' },
  ];
  for (const row of cases) it(row.name, () => expect(overallLevel(row.levels).label).toBe(row.expected));
});

describe('days and uptime', () => {
  const cases: [number | null, Level, string][] = [
    [100, 'ok', '100'],
    [99.999, 'ok', '99.99'],
    [99.9, 'ok', '99.9'],
    [99.89, 'warn', '99.89'],
    [95, 'warn', '95'],
    [94.999, 'bad', '94.99'],
    [0, 'bad', '0'],
    [null, 'none', ''],
  ];
  for (const [uptime, level, shown] of cases) {
    it(`${uptime} is ${level}${uptime === null ? '' : `, shown as ${shown}`}`, () => {
      expect(dayLevel(uptime).level).toBe(level);
      if (uptime !== null) expect(formatUptime(uptime)).toBe(shown);
    });
  }
});

describe('badges', () => {
  const cases: { name: string; badge: ReturnType<typeof statusBadge>; expected: [string, string, string] }[] = [
    { name: 'status: the system name and its state', badge: statusBadge('api', 'ok'), expected: ['api', 'operational', 'brightgreen'] },
    { name: 'status: down', badge: statusBadge('api', 'bad'), expected: ['api', 'down', 'red'] },
    { name: 'status: maintenance', badge: statusBadge('api', 'info'), expected: ['api', 'maintenance', 'blue'] },
    { name: 'uptime: three nines and up', badge: uptimeBadge('30d', 99.95), expected: ['uptime 30d', '99.95%', 'brightgreen'] },
    { name: 'uptime: two nines', badge: uptimeBadge('7d', 99.5), expected: ['uptime 7d', '99.5%', 'green'] },
    { name: 'uptime: 96 %', badge: uptimeBadge('24h', 96), expected: ['uptime 24h', '96%', 'yellow'] },
    { name: 'uptime: 50 %', badge: uptimeBadge('90d', 50), expected: ['uptime 90d', '50%', 'red'] },
    { name: 'uptime: no runs', badge: uptimeBadge('30d', null), expected: ['uptime 30d', 'no data', 'grey'] },
    { name: 'latency: fast', badge: latencyBadge(42.4), expected: ['latency', '42 ms', 'brightgreen'] },
    { name: 'latency: slow', badge: latencyBadge(1500), expected: ['latency', '1500 ms', 'orange'] },
    { name: 'latency: very slow', badge: latencyBadge(12_345), expected: ['latency', '12 s', 'red'] },
    { name: 'latency: none', badge: latencyBadge(null), expected: ['latency', 'no data', 'grey'] },
  ];
  for (const row of cases) it(row.name, () => expect([row.badge.label, row.badge.value, row.badge.colour]).toEqual(row.expected));
});
