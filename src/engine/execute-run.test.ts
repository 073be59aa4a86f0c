import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseAssertionString } from '../assertions/parse.ts';
import type { Assertion } from '../assertions/types.ts';
import { CollectorError, defineCollector, defineStrategy } from '../strategies/types.ts';
import type { AnyCollector } from '../strategies/types.ts';
import { tcpStrategy } from '../strategies/tcp/index.ts';
import { startTcpTarget } from '../../test/targets/tcp.ts';
import type { TcpTarget } from '../../test/targets/tcp.ts';
import { TEST_RUN } from '../../test/targets/check-once.ts';
import { executeRun } from './execute-run.ts';

/**
 * The engine against a strategy written for the test: its connect/close are
 * observable and its collectors wait as long as told, which is what the
 * timeout, parallelism and closing rules are about.
 */

interface Probe {
  connects: number;
  closes: number;
  connectDelayMs: number;
  connectError?: string;
}

interface WaitConfig {
  waitMs: number;
  value?: number;
  fail?: string;
}

function probeStrategy(probe: Probe) {
  const wait = defineCollector<WaitConfig, Probe>({
    id: 'probe.wait',
    title: 'waits, then reports',
    config: { version: 1, schema: z.strictObject({ waitMs: z.number(), value: z.number().optional(), fail: z.string().optional() }), migrations: [] },
    templatable: [],
    fields: { value: { type: 'number', description: 'the configured value' }, startedAt: { type: 'number', description: '' } },
    async collect(_client, config, ctx) {
      const startedAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, config.waitMs));
      if (ctx.signal.aborted) throw new Error('aborted');
      if (config.fail) throw new CollectorError(config.fail, { value: config.value });
      return { value: config.value ?? 0, startedAt };
    },
  });
  return defineStrategy<{ timeout: number; password?: string }, Probe>({
    id: 'probe',
    title: 'probe',
    config: { version: 1, schema: z.strictObject({ timeout: z.number(), password: z.string().optional() }), migrations: [] },
    templatable: [],
    secret: ['password'],
    target: { example: 'x', toConfig: () => ({}), fromConfig: () => 'x' },
    async connect() {
      probe.connects++;
      await new Promise((resolve) => setTimeout(resolve, probe.connectDelayMs));
      if (probe.connectError) throw new Error(probe.connectError);
      return probe;
    },
    async close(client) {
      client.closes++;
    },
    defaultCollector: 'probe.wait',
    collectors: [wait],
  });
}

const assertion = (text: string): Assertion => {
  const parsed = parseAssertionString(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.assertion;
};

function setup(overrides: Partial<Probe> = {}) {
  const probe: Probe = { connects: 0, closes: 0, connectDelayMs: 0, ...overrides };
  const strategy = probeStrategy(probe);
  const collector = strategy.collectors[0] as AnyCollector;
  const step = (config: WaitConfig, assertions: string[] = []) => ({ collector, config, assertions: assertions.map(assertion) });
  return { probe, strategy, step };
}

describe('executeRun', () => {
  it('runs collectors in parallel and closes the client', async () => {
    const { probe, strategy, step } = setup();
    const result = await executeRun({
      strategy,
      config: { timeout: 5000 },
      collectors: [step({ waitMs: 150, value: 1 }), step({ waitMs: 150, value: 2 }), step({ waitMs: 150, value: 3 })],
      run: TEST_RUN,
    });
    expect(result.status).toBe('healthy');
    expect(result.collectors.map((collector) => collector.fields.value)).toEqual([1, 2, 3]);
    // Sequential would take ≥ 450 ms.
    expect(result.latencyMs).toBeLessThan(400);
    expect(probe).toMatchObject({ connects: 1, closes: 1 });
    expect(result.message).toBe(`Completed in ${result.latencyMs}ms`);
  });

  it('times out a slow collector, says so, and still closes the client', async () => {
    const { probe, strategy, step } = setup();
    const result = await executeRun({ strategy, config: { timeout: 200 }, collectors: [step({ waitMs: 2000 }), step({ waitMs: 10, value: 7 })], run: TEST_RUN });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Execution timeout after 200ms', error: 'Execution timeout after 200ms' });
    expect(result.collectors[0]?.error).toBe('Execution timeout after 200ms');
    expect(result.collectors[1]?.fields.value).toBe(7);
    expect(probe.closes).toBe(1);
  });

  it('closes a client whose connect lands after the timeout', async () => {
    const { probe, strategy, step } = setup({ connectDelayMs: 300 });
    const result = await executeRun({ strategy, config: { timeout: 100 }, collectors: [step({ waitMs: 0 })], run: TEST_RUN });
    expect(result.message).toBe('Execution timeout after 100ms');
    expect(probe.closes).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.closes).toBe(1);
  });

  it('applies the minimum timeout of 100 ms', async () => {
    const { strategy, step } = setup();
    const result = await executeRun({ strategy, config: { timeout: 1 }, collectors: [step({ waitMs: 50 })], run: TEST_RUN });
    expect(result.status).toBe('healthy');
  });

  it('reports a connect failure as an unhealthy run', async () => {
    const { probe, strategy, step } = setup({ connectError: 'Connection refused to db:5432' });
    const result = await executeRun({ strategy, config: { timeout: 1000 }, collectors: [step({ waitMs: 0 })], run: TEST_RUN });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Check failed: Connection refused to db:5432', error: 'Connection refused to db:5432' });
    expect(probe.closes).toBe(0);
  });

  it('names the first collector error and keeps what that collector measured', async () => {
    const { strategy, step } = setup();
    const result = await executeRun({
      strategy,
      config: { timeout: 1000 },
      collectors: [step({ waitMs: 0, value: 4 }), step({ waitMs: 5, value: 5, fail: 'boom' }, ['value == 1'])],
      run: TEST_RUN,
    });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Check failed: boom', error: 'boom' });
    expect(result.collectors[1]).toMatchObject({ error: 'boom', fields: { value: 5 }, assertions: [{ passed: false, actual: 5 }] });
  });

  it('fails on a failed assertion, degrades on a failed degraded one', async () => {
    const { strategy, step } = setup();
    const run = (assertions: string[]) =>
      executeRun({ strategy, config: { timeout: 1000 }, collectors: [step({ waitMs: 0, value: 3 }, assertions)], run: TEST_RUN });
    expect(await run(['value == 3'])).toMatchObject({ status: 'healthy' });
    expect(await run(['value < 2 (degraded)'])).toMatchObject({ status: 'degraded', message: 'Assertion failed: value lessThan 2' });
    expect(await run(['value < 2 (degraded)', 'value == 4'])).toMatchObject({ status: 'unhealthy', message: 'Assertion failed: value equals 4' });
    const detailed = await run(['value == 4']);
    expect(detailed.collectors[0]?.assertions[0]).toMatchObject({ passed: false, actual: 3, message: 'Assertion failed: value equals 4' });
  });

  it('adds latencyMs to collectors that do not measure it', async () => {
    const { strategy, step } = setup();
    const result = await executeRun({ strategy, config: { timeout: 1000 }, collectors: [step({ waitMs: 30 }, ['latencyMs >= 20'])], run: TEST_RUN });
    expect(result.status).toBe('healthy');
  });

  it('masks secret config values and given secrets out of the whole result', async () => {
    const { strategy, step } = setup({ connectError: 'login as admin with hunter2 failed; token tok-123' });
    const result = await executeRun({
      strategy,
      config: { timeout: 1000, password: 'hunter2' },
      collectors: [step({ waitMs: 0 })],
      run: TEST_RUN,
      secrets: ['tok-123'],
    });
    expect(result.message).toBe('Check failed: login as admin with **** failed; token ****');
    expect(JSON.stringify(result)).not.toMatch(/hunter2|tok-123/);
  });
});

describe('executeRun with a real TCP connection', () => {
  let target: TcpTarget | undefined;
  afterEach(async () => target?.close());

  it('closes the socket when the run times out mid-read', async () => {
    target = await startTcpTarget({ silent: true });
    const config = { host: '127.0.0.1', port: target.port, expect: 'never', readTimeoutMs: 5000, timeout: 200 };
    const result = await executeRun({
      strategy: tcpStrategy,
      config,
      collectors: [{ collector: tcpStrategy.collectors[0] as AnyCollector, config: {}, assertions: [] }],
      run: TEST_RUN,
    });
    expect(result.message).toBe('Execution timeout after 200ms');
    expect(await target.openConnections()).toBe(0);
  });
});
