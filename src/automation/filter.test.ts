import { describe, expect, it } from 'vitest';
import { evaluate, parseExpression, passes } from './filter.ts';
import { payloadFields } from './triggers.ts';

const change = {
  type: 'healthcheck.system_health_changed',
  payload: { systemId: 's1', systemName: 'payments-api', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 1, totalChecks: 3, timestamp: '2026-12-02T10:00:00.000Z' },
};
const fields = payloadFields('healthcheck.system_health_changed');

describe('the filter language: evaluation', () => {
  const rows: [string, boolean][] = [
    ['trigger.payload.newStatus != "healthy"', true],
    ["trigger.payload.newStatus == 'unhealthy'", true],
    ['trigger.payload.newStatus == "degraded"', false],
    ['trigger.payload.totalChecks > 2', true],
    ['trigger.payload.totalChecks >= 3 and trigger.payload.healthyChecks < 1', false],
    ['trigger.payload.totalChecks >= 3 && trigger.payload.healthyChecks <= 1', true],
    ['trigger.payload.newStatus == "degraded" or trigger.payload.newStatus == "unhealthy"', true],
    ['trigger.payload.newStatus == "degraded" || trigger.payload.totalChecks == 3', true],
    ['not trigger.payload.newStatus == "healthy"', true],
    ['!(trigger.payload.newStatus == "unhealthy")', false],
    ['trigger.payload.newStatus in ["degraded", "unhealthy"]', true],
    ['trigger.payload.newStatus in []', false],
    ['trigger.payload.systemName contains "pay"', true],
    ['trigger.payload.systemName contains "PAY"', false],
    ['trigger.payload.environmentId == null', true],
    ['trigger.payload.environmentId != null', false],
    ['trigger.type == "healthcheck.system_health_changed"', true],
    ['(trigger.payload.totalChecks > 5 or trigger.payload.healthyChecks == 1) and trigger.payload.newStatus != "healthy"', true],
    ['trigger.payload.timestamp > "2026-12-01"', true],
    ['trigger.payload.totalChecks > "2"', false],
    ['trigger.payload.totalChecks == -3', false],
    ['true', true],
    ['trigger.payload.systemName', false],
  ];
  for (const [source, expected] of rows) {
    it(`${source} → ${expected}`, () => {
      const parsed = parseExpression(source, fields);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(passes(parsed.node, change)).toBe(expected);
    });
  }

  it('gives values, not only booleans (partitionBy)', () => {
    const parsed = parseExpression('trigger.payload.systemName');
    expect(parsed.ok && evaluate(parsed.node, change)).toBe('payments-api');
  });
});

describe('the filter language: errors point at the token', () => {
  const rows: [string, string][] = [
    ['trigger.payload.stauts == "healthy"', 'unknown field trigger.payload.stauts at column 1'],
    ['trigger.payload.newStatuss != "healthy"', 'unknown field trigger.payload.newStatuss at column 1; did you mean newStatus?'],
    ['trigger.payload.newStatus != "healthy" and trigger.payload.sytemName == "x"', 'unknown field trigger.payload.sytemName at column 44; did you mean systemName?'],
    ['trigger.payload.newStatus = "healthy"', 'unexpected "=" at column 27; did you mean "=="?'],
    ['trigger.payload.newStatus == "healthy', 'unterminated string starting at column 30'],
    ['trigger.payload.newStatus ==', 'expected a value at column 29, found the end'],
    ['(trigger.payload.totalChecks > 1', 'expected ")" at column 33, found the end'],
    ['trigger.payload.newStatus in "healthy"', 'expected a list [..] after "in" at column 30'],
    ['payload.newStatus == "x"', 'unknown name payload.newStatus at column 1; fields are trigger.payload.<field> or trigger.type'],
    ['trigger.payload.newStatus == "x" "y"', 'unexpected "y" at column 34; expected and, or, or the end'],
    ['trigger.payload.totalChecks > 1 $', 'unexpected "$" at column 33'],
    ['  ', 'expected an expression, e.g. trigger.payload.newStatus != "healthy"'],
  ];
  for (const [source, error] of rows) {
    it(source, () => {
      const parsed = parseExpression(source, fields);
      expect(parsed.ok ? 'parsed' : parsed.error).toBe(error);
    });
  }
});

describe('a typo near a field of the trigger', () => {
  it('suggests it (check_failed has status)', () => {
    const parsed = parseExpression('trigger.payload.stauts == "unhealthy"', payloadFields('healthcheck.check_failed'));
    expect(parsed).toEqual({ ok: false, error: 'unknown field trigger.payload.stauts at column 1; did you mean status?' });
  });
});

describe('payloadFields', () => {
  it('lists every field of the trigger, nested ones dotted', () => {
    expect([...payloadFields('healthcheck.system_degraded')].sort()).toEqual(['environmentId', 'healthyChecks', 'newStatus', 'previousStatus', 'systemId', 'systemName', 'timestamp', 'totalChecks']);
    expect(payloadFields('slo.burn_rate_high').has('burnRates.1h')).toBe(true);
  });
});
