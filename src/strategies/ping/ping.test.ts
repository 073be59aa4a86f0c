import { describe, expect, it, vi } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { commandMissing } from '../../../test/targets/services.ts';
import { buildStrategyRegistry } from '../registry.ts';
import { pingStrategy } from './index.ts';
import { parsePingOutput } from './output.ts';

const missing = commandMissing(pingStrategy);

describe('parsePingOutput', () => {
  const rows: { name: string; input: string; expected: unknown }[] = [
    {
      name: 'all replies',
      input: '3 packets transmitted, 3 received, 0% packet loss, time 402ms\nrtt min/avg/max/mdev = 0.031/0.045/0.061/0.012 ms',
      expected: { packetsSent: 3, packetsReceived: 3, packetLossPercent: 0, rttMinMs: 0.031, rttAvgMs: 0.045, rttMaxMs: 0.061 },
    },
    {
      name: 'partial loss',
      input: '4 packets transmitted, 3 received, 25% packet loss, time 3004ms\nrtt min/avg/max/mdev = 1.0/2.0/3.0/0.8 ms',
      expected: { packetsSent: 4, packetsReceived: 3, packetLossPercent: 25, rttMinMs: 1, rttAvgMs: 2, rttMaxMs: 3 },
    },
    {
      name: 'total loss has no round trip',
      input: '2 packets transmitted, 0 received, 100% packet loss, time 1021ms',
      expected: { packetsSent: 2, packetsReceived: 0, packetLossPercent: 100 },
    },
    {
      name: 'errors and duplicates (iputils wording)',
      input: '3 packets transmitted, 1 received, +2 errors, 66.6667% packet loss, time 2030ms\n',
      expected: { packetsSent: 3, packetsReceived: 1, packetLossPercent: 66.6667 },
    },
    {
      name: 'BSD wording',
      input: '2 packets transmitted, 2 packets received, 0.0% packet loss\nround-trip min/avg/max/stddev = 0.1/0.2/0.3/0.1 ms',
      expected: { packetsSent: 2, packetsReceived: 2, packetLossPercent: 0, rttMinMs: 0.1, rttAvgMs: 0.2, rttMaxMs: 0.3 },
    },
    { name: 'no summary (unknown host)', input: 'ping: nosuch: Name or service not known', expected: undefined },
  ];
  for (const row of rows) it(row.name, () => expect(parsePingOutput(row.input)).toEqual(row.expected));
});

describe.skipIf(missing)('ping strategy (system ping)', () => {
  it('pings the loopback address', async () => {
    const result = await checkOnce({ strategy: 'ping', config: { host: '127.0.0.1', count: 2 } }, {});
    expect(result.message).toMatch(/^Completed in/);
    expect(fieldsOf(result)).toMatchObject({ packetsSent: 2, packetsReceived: 2, packetLossPercent: 0, rttAvgMs: expect.any(Number) });
  });

  it('names an unknown host', async () => {
    const result = await checkOnce({ strategy: 'ping', config: { host: 'no-such-host.invalid', count: 1 } });
    expect(result.message).toMatch(/^Check failed: Ping to no-such-host\.invalid failed: .*(not known|Temporary failure|No address)/i);
  });
});

describe('ping strategy', () => {
  it('refuses a host that would be read as a ping option', async () => {
    await expect(checkOnce({ strategy: 'ping', config: { host: '-f' } })).rejects.toThrow(/A host cannot start with/);
  });

  it('without the ping command, fails the run saying how to install it', async () => {
    vi.stubEnv('VIGIL_PING_PATH', '/nonexistent/vigil-ping');
    vi.resetModules();
    const { pingStrategy: withoutPing } = await import('./index.ts');
    vi.unstubAllEnvs();
    const result = await checkOnce({ strategy: 'ping', config: { host: '127.0.0.1', count: 1 } }, { registry: buildStrategyRegistry([withoutPing]) });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Check failed: The "/nonexistent/vigil-ping" command is not installed (apt-get install iputils-ping)' });
  });
});
