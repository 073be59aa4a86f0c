import type { RunResult } from '../engine/execute-run.ts';

/**
 * The human rendering of one check result: verdict first, then what each
 * collector measured, then each assertion with ✓/✗ and the actual value.
 */

const STATUS_MARK = { healthy: '✓', degraded: '!', unhealthy: '✗' } as const;
const MAX_VALUE_CHARS = 120;

export function formatCheckResult(title: string, result: RunResult): string {
  const lines = [`${STATUS_MARK[result.status]} ${result.status.toUpperCase()}  ${title}  (${result.latencyMs} ms)`, `  ${result.message}`];
  for (const collector of result.collectors) {
    lines.push('', collector.collector);
    if (collector.error !== undefined) lines.push(`  error: ${collector.error}`);
    const names = Object.keys(collector.fields).sort();
    const width = Math.max(0, ...names.map((name) => name.length));
    for (const name of names) lines.push(`  ${name.padEnd(width)}  ${formatValue(collector.fields[name])}`);
    if (collector.assertions.length > 0) lines.push('  assertions:');
    for (const outcome of collector.assertions) {
      const words = outcome.message.replace(/^Assertion (passed|failed): /, '');
      const severity = outcome.assertion.severity === 'degraded' ? ' [degraded]' : '';
      lines.push(`  ${outcome.passed ? '✓' : '✗'} ${words}${severity}  (actual: ${formatValue(outcome.actual)})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}
