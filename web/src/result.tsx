import type { Status } from './api/client.ts';
import { ms, StatusBadge } from './ui.tsx';

interface AssertionOutcome {
  assertion?: { field?: string; operator?: string; value?: unknown; jsonPath?: string; severity?: string } | string;
  passed?: boolean;
  actual?: unknown;
  message?: string;
}
interface CollectorOutcome {
  collector?: string;
  fields?: Record<string, unknown>;
  assertions?: AssertionOutcome[];
  error?: string;
}

const show = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

function describe(assertion: AssertionOutcome['assertion']): string {
  if (!assertion) return '';
  if (typeof assertion === 'string') return assertion;
  return [assertion.field, assertion.jsonPath, assertion.operator, assertion.value === undefined ? undefined : show(assertion.value)].filter((p) => p !== undefined && p !== '').join(' ');
}

/** A run's full result: per collector its fields, its assertions ✓/✗ with the actual values, and its error. */
export function RunResult({ status, latencyMs, message, result }: { status: Status; latencyMs: number | null; message: string; result: Record<string, unknown> }) {
  const collectors = (Array.isArray(result.collectors) ? result.collectors : []) as CollectorOutcome[];
  const error = typeof result.error === 'string' ? result.error : undefined;
  return (
    <div className="run-result" data-status={status}>
      <p>
        <StatusBadge status={status} /> {ms(latencyMs)} {message && <span className="message">— {message}</span>}
      </p>
      {error && <p className="field-error">Error: {error}</p>}
      {collectors.map((outcome, index) => (
        <section key={index} className="collector-result">
          <h4>{outcome.collector ?? `Collector ${index + 1}`}</h4>
          {outcome.error && <p className="field-error">Error: {outcome.error}</p>}
          {(outcome.assertions ?? []).length > 0 && (
            <ul className="assertions">
              {outcome.assertions!.map((a, i) => (
                <li key={i} className={a.passed ? 'pass' : 'fail'}>
                  <span aria-label={a.passed ? 'passed' : 'failed'}>{a.passed ? '✓' : '✗'}</span> {describe(a.assertion)}
                  <span className="actual"> (actual: {show(a.actual)})</span>
                  {a.message && !a.passed && <span className="actual"> — {a.message}</span>}
                </li>
              ))}
            </ul>
          )}
          <details>
            <summary>Fields ({Object.keys(outcome.fields ?? {}).length})</summary>
            <dl className="fields">
              {Object.entries(outcome.fields ?? {}).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>
                    <code>{show(value).slice(0, 2000)}</code>
                  </dd>
                </div>
              ))}
            </dl>
          </details>
        </section>
      ))}
    </div>
  );
}
