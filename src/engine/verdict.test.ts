import { describe, expect, it } from 'vitest';
import { decideVerdict } from './verdict.ts';
import type { CollectorVerdictInput } from './verdict.ts';

const pass = { assertion: { field: 'a', operator: 'exists' as const }, passed: true, message: 'Assertion passed: a exists' };
const fail = { assertion: { field: 'b', operator: 'exists' as const }, passed: false, message: 'Assertion failed: b exists' };
const degrade = {
  assertion: { field: 'c', operator: 'exists' as const, severity: 'degraded' as const },
  passed: false,
  message: 'Assertion failed: c exists',
};

const rows: { name: string; input: CollectorVerdictInput[]; expected: { status: string; message: string } }[] = [
  { name: 'no collectors is healthy', input: [], expected: { status: 'healthy', message: 'Completed in 42ms' } },
  { name: 'all assertions pass', input: [{ assertions: [pass] }], expected: { status: 'healthy', message: 'Completed in 42ms' } },
  { name: 'a failed assertion is unhealthy', input: [{ assertions: [pass, fail] }], expected: { status: 'unhealthy', message: 'Assertion failed: b exists' } },
  { name: 'a degraded failure alone degrades', input: [{ assertions: [degrade] }], expected: { status: 'degraded', message: 'Assertion failed: c exists' } },
  { name: 'unhealthy beats degraded whatever the order', input: [{ assertions: [degrade] }, { assertions: [fail] }], expected: { status: 'unhealthy', message: 'Assertion failed: b exists' } },
  { name: 'a collector error beats failed assertions', input: [{ assertions: [fail] }, { error: 'refused', assertions: [] }], expected: { status: 'unhealthy', message: 'Check failed: refused' } },
  { name: 'the first collector error names the run', input: [{ error: 'first', assertions: [] }, { error: 'second', assertions: [] }], expected: { status: 'unhealthy', message: 'Check failed: first' } },
];

describe('decideVerdict', () => {
  for (const row of rows) it(row.name, () => expect(decideVerdict(row.input, 42)).toEqual(row.expected));
});
