import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { all, api, ok, type Schemas } from '../api/client.ts';
import { RunResult } from '../result.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { SchemaForm, type FieldErrors, type JsonSchema } from '../schema-form.tsx';
import { useSession } from '../session.tsx';
import { ErrorBox, Field, Gate, Loading, useAction, useLoad } from '../ui.tsx';
import { confirmManagedEdit, ManagedNotice, useManaged } from '../managed.tsx';

type Assertion = Schemas['Assertion'];
interface CollectorDraft {
  collector: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
}
interface Draft {
  name: string;
  description: string;
  strategy: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
  collectors: CollectorDraft[];
  intervalSeconds: number;
  enabled: boolean;
}
interface Placement {
  systemId: string;
  /** null: all of the system's environments. */
  environmentIds: string[] | null;
  thresholds: 'default' | 'consecutive';
  degradedAfter: number;
  unhealthyAfter: number;
}

/** Operators that take no value. */
const UNARY = new Set(['isEmpty', 'isNotEmpty', 'isTrue', 'isFalse', 'exists', 'notExists']);
const ALL_OPERATORS = ['equals', 'notEquals', 'lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual', 'contains', 'notContains', 'startsWith', 'endsWith', 'matches', 'isEmpty', 'isNotEmpty', 'isTrue', 'isFalse', 'includes', 'notIncludes', 'lengthEquals', 'lengthGreaterThan', 'lengthLessThan', 'in', 'exists', 'notExists'];

export default function CheckEditor({ id }: { id?: string }) {
  const session = useSession();
  const loaded = useLoad(async () => {
    const [strategies, systems, environments, configuration, assignments] = await Promise.all([
      ok(api.GET('/api/v1/strategies')),
      all((cursor) => api.GET('/api/v1/systems', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/environments', { params: { query: { limit: 500, cursor } } })),
      id ? ok(api.GET('/api/v1/configurations/{id}', { params: { path: { id } } })) : Promise.resolve(undefined),
      id ? all((cursor) => api.GET('/api/v1/assignments', { params: { query: { configurationId: id, limit: 500, cursor } } })) : Promise.resolve([]),
    ]);
    return { strategies: strategies.items, systems, environments, configuration, assignments };
  }, [id]);
  if (!session.canEdit) return <div className="page"><h1>Check</h1><p>Your role can read checks but not change them.</p></div>;
  return (
    <div className="page editor">
      <Gate loaded={loaded} what="Loading the strategies">
        {(data) => <Editor {...data} />}
      </Gate>
    </div>
  );
}

function toAssertions(list: (string | Assertion)[]): Assertion[] {
  return list.filter((a): a is Assertion => typeof a === 'object');
}

function Editor({ strategies, systems, environments, configuration, assignments }: { strategies: Schemas['StrategyDescription'][]; systems: Schemas['System'][]; environments: Schemas['Environment'][]; configuration?: Schemas['Configuration']; assignments: Schemas['Assignment'][] }) {
  const { query } = useLocation();
  const preselected = query.get('systemId');
  const [draft, setDraft] = useState<Draft>(() =>
    configuration
      ? { name: configuration.name, description: configuration.description, strategy: configuration.strategy, config: configuration.config, assertions: toAssertions(configuration.assertions), collectors: configuration.collectors.map((c) => ({ collector: c.collector, config: c.config, assertions: toAssertions(c.assertions) })), intervalSeconds: configuration.intervalSeconds, enabled: configuration.enabled }
      : { name: '', description: '', strategy: strategies.find((s) => s.id === 'http')?.id ?? strategies[0]?.id ?? '', config: {}, assertions: [], collectors: [], intervalSeconds: 60, enabled: true },
  );
  const [placements, setPlacements] = useState<Placement[]>(() =>
    configuration
      ? assignments.map((a) => {
          const t = a.stateThresholds as { mode?: string; degraded?: { minFailureCount?: number }; unhealthy?: { minFailureCount?: number } } | null | undefined;
          return t?.mode === 'consecutive'
            ? { systemId: a.systemId, environmentIds: a.environmentIds, thresholds: 'consecutive' as const, degradedAfter: t.degraded?.minFailureCount ?? 2, unhealthyAfter: t.unhealthy?.minFailureCount ?? 5 }
            : { systemId: a.systemId, environmentIds: a.environmentIds, thresholds: 'default' as const, degradedAfter: 2, unhealthyAfter: 5 };
        })
      : preselected ? [{ systemId: preselected, environmentIds: null, thresholds: 'default', degradedAfter: 2, unhealthyAfter: 5 }] : [],
  );
  const strategy = strategies.find((s) => s.id === draft.strategy);
  const defaultCollector = strategy?.collectors.find((c) => c.id === strategy.defaultCollector);

  // Inline validation: the API's own validator, its errors shown at their fields.
  const [validation, setValidation] = useState<Schemas['ValidationResult'] | undefined>();
  const [validating, setValidating] = useState(false);
  const sequence = useRef(0);
  useEffect(() => {
    if (!draft.strategy) return;
    const mine = ++sequence.current;
    setValidating(true);
    const timer = setTimeout(async () => {
      try {
        const result = await ok(api.POST('/api/v1/configurations/validate', { body: body(draft) }));
        if (mine === sequence.current) setValidation(result);
      } catch {
        // shown by save instead
      } finally {
        if (mine === sequence.current) setValidating(false);
      }
    }, 350);
    return () => clearTimeout(timer);
  }, [draft]);
  const errors: FieldErrors = useMemo(() => new Map((validation?.errors ?? []).map((e) => [e.path.join('.'), e.message])), [validation]);
  const shownAtFields = (path: string) => /^(name|intervalSeconds|config\.|assertions\.|collectors\.)/.test(path);
  const elsewhere = (validation?.errors ?? []).filter((e) => !shownAtFields(e.path.join('.')) || !document.querySelector(`[data-path="${CSS.escape(e.path.join('.'))}"]`));

  // A Healthcheck document makes a configuration: an edit here lasts until its files are applied again.
  const managed = useManaged('Healthcheck', Boolean(configuration)).get(configuration?.id ?? '');
  const save = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirmManagedEdit(managed)) return;
    const saved = await save.run(async () => {
      const stored = configuration
        ? await ok(api.PATCH('/api/v1/configurations/{id}', { params: { path: { id: configuration.id } }, body: body(draft) }))
        : await ok(api.POST('/api/v1/configurations', { body: { ...body(draft), name: draft.name } as Schemas['ConfigurationInput'] }));
      for (const p of placements) {
        const existing = assignments.find((a) => a.systemId === p.systemId);
        const stateThresholds = p.thresholds === 'consecutive' ? { mode: 'consecutive' as const, healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: p.degradedAfter }, unhealthy: { minFailureCount: p.unhealthyAfter } } : undefined;
        if (existing) await ok(api.PATCH('/api/v1/assignments/{id}', { params: { path: { id: existing.id } }, body: { environmentIds: p.environmentIds, ...(stateThresholds && { stateThresholds }) } }));
        else await ok(api.POST('/api/v1/assignments', { body: { systemId: p.systemId, configurationId: stored.id, environmentIds: p.environmentIds, ...(stateThresholds && { stateThresholds }) } as Schemas['AssignmentInput'] }));
      }
      for (const a of assignments) if (!placements.some((p) => p.systemId === a.systemId)) await ok(api.DELETE('/api/v1/assignments/{id}', { params: { path: { id: a.id } } }));
      return stored;
    });
    if (saved) navigate(placements[0] ? `/systems/${placements[0].systemId}` : '/');
  };

  return (
    <form onSubmit={submit} noValidate aria-describedby="editor-status">
      <div className="title-row">
        <h1>{configuration ? `Edit ${configuration.name}` : 'New check'}</h1>
        <span id="editor-status" className="hint" role="status">{validating ? 'Checking…' : validation ? (validation.valid ? '✓ Valid' : `${validation.errors.length} problem${validation.errors.length === 1 ? '' : 's'}`) : ''}</span>
      </div>
      <ManagedNotice resource={managed} />
      <section className="card">
        <h2>Check</h2>
        <Field label="Name" id="check-name" error={errors.get('name')}>
          <input id="check-name" data-path="name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </Field>
        <Field label="Description" id="check-description">
          <input id="check-description" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
        </Field>
        <Field label="Strategy" id="check-strategy" hint={strategy ? `${strategy.title}${strategy.passive ? ' · reports in by itself (heartbeat)' : ''}${strategy.runsOnHost ? ' · runs on the Vigil host' : ''}` : undefined}>
          <select id="check-strategy" value={draft.strategy} disabled={Boolean(configuration)} onChange={(e) => setDraft({ ...draft, strategy: e.target.value, config: {}, assertions: [], collectors: [] })}>
            {strategies.map((s) => <option key={s.id} value={s.id}>{s.title} ({s.id})</option>)}
          </select>
        </Field>
        <Field label="Interval (seconds)" id="check-interval" error={errors.get('intervalSeconds')}>
          <input id="check-interval" data-path="intervalSeconds" type="number" min={1} value={draft.intervalSeconds} onChange={(e) => setDraft({ ...draft, intervalSeconds: Number(e.target.value) })} />
        </Field>
        <div className="field check">
          <label htmlFor="check-enabled"><input id="check-enabled" type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} /> Enabled</label>
        </div>
      </section>
      {strategy && (
        <section className="card">
          <h2>{strategy.title} settings</h2>
          <SchemaForm key={strategy.id} schema={strategy.configSchema as JsonSchema} value={draft.config} onChange={(config) => setDraft({ ...draft, config })} path={['config']} errors={errors} />
        </section>
      )}
      {defaultCollector && (
        <section className="card">
          <h2>Assertions on {defaultCollector.title}</h2>
          <Assertions collector={defaultCollector} value={draft.assertions} onChange={(assertions) => setDraft({ ...draft, assertions })} path={['assertions']} errors={errors} />
        </section>
      )}
      {strategy && strategy.collectors.length > 1 && (
        <section className="card">
          <h2>More collectors</h2>
          {draft.collectors.map((c, index) => {
            const description = strategy.collectors.find((d) => d.id === c.collector);
            if (!description) return null;
            const update = (next: Partial<CollectorDraft>) => setDraft({ ...draft, collectors: draft.collectors.map((o, i) => (i === index ? { ...o, ...next } : o)) });
            return (
              <fieldset key={index} className="nested">
                <legend>{description.title}</legend>
                <SchemaForm schema={description.configSchema as JsonSchema} value={c.config} onChange={(config) => update({ config })} path={['collectors', String(index), 'config']} errors={errors} />
                <Assertions collector={description} value={c.assertions} onChange={(assertions) => update({ assertions })} path={['collectors', String(index), 'assertions']} errors={errors} />
                <button type="button" className="link" onClick={() => setDraft({ ...draft, collectors: draft.collectors.filter((_, i) => i !== index) })}>Remove {description.title}</button>
              </fieldset>
            );
          })}
          <label>
            Add a collector{' '}
            <select value="" onChange={(e) => e.target.value && setDraft({ ...draft, collectors: [...draft.collectors, { collector: e.target.value, config: {}, assertions: [] }] })}>
              <option value="">Choose…</option>
              {strategy.collectors.filter((c) => c.id !== strategy.defaultCollector).map((c) => <option key={c.id} value={c.id}>{c.title}</option>)}
            </select>
          </label>
        </section>
      )}
      {elsewhere.length > 0 && (
        <div className="error" role="alert">
          {elsewhere.map((e, i) => <p key={i}><code>{e.path.join('.') || 'check'}</code>: {e.message}</p>)}
        </div>
      )}
      <Placements systems={systems} environments={environments} value={placements} onChange={setPlacements} />
      {strategy && !strategy.passive && <TestRun draft={draft} systems={systems} environments={environments} preselected={placements[0]?.systemId} />}
      {save.error && <ErrorBox error={save.error} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={save.busy}>{save.busy ? 'Saving…' : configuration ? 'Save changes' : 'Create check'}</button>
        <Link to={placements[0] ? `/systems/${placements[0].systemId}` : '/'}>Cancel</Link>
      </div>
    </form>
  );
}

function body(draft: Draft) {
  return {
    name: draft.name || undefined,
    description: draft.description,
    strategy: draft.strategy,
    config: draft.config,
    assertions: draft.assertions,
    collectors: draft.collectors,
    intervalSeconds: draft.intervalSeconds,
    enabled: draft.enabled,
  };
}

/** Rows of field · operator · value, offering only the fields the collector yields and the operators that fit each. */
function Assertions({ collector, value, onChange, path, errors }: { collector: Schemas['CollectorDescription']; value: Assertion[]; onChange(next: Assertion[]): void; path: string[]; errors: FieldErrors }) {
  const fields = collector.resultFields;
  const update = (index: number, next: Partial<Assertion>) => onChange(value.map((a, i) => (i === index ? { ...a, ...next } : a)));
  return (
    <div className="assertion-builder">
      {value.length === 0 && <p className="hint">No assertions: the run is healthy when the collector works.</p>}
      {value.map((assertion, index) => {
        const field = fields.find((f) => f.name === assertion.field);
        const operators = field ? (assertion.jsonPath ? ALL_OPERATORS : field.operators) : [];
        const at = [...path, String(index)];
        const rowError = errors.get(at.join('.')) ?? errors.get([...at, 'value'].join('.')) ?? errors.get([...at, 'operator'].join('.')) ?? errors.get([...at, 'field'].join('.'));
        const base = `a-${at.join('-')}`;
        return (
          <fieldset key={index} className={`assertion${rowError ? ' invalid' : ''}`} data-path={at.join('.')}>
            <legend className="sr-only">Assertion {index + 1}</legend>
            <label>
              Field
              <select id={`${base}-field`} value={assertion.field} onChange={(e) => {
                const next = fields.find((f) => f.name === e.target.value);
                update(index, { field: e.target.value, operator: next?.operators[0] ?? 'equals', jsonPath: undefined, value: undefined });
              }}>
                {fields.map((f) => <option key={f.name} value={f.name} title={f.description}>{f.name}</option>)}
              </select>
            </label>
            {field?.jsonPath && (
              <label>
                JSON path
                <input value={assertion.jsonPath ?? ''} placeholder="$.status" onChange={(e) => update(index, { jsonPath: e.target.value || undefined })} />
              </label>
            )}
            <label>
              Operator
              <select id={`${base}-operator`} value={assertion.operator} onChange={(e) => update(index, { operator: e.target.value, ...(UNARY.has(e.target.value) && { value: undefined }) })}>
                {operators.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            </label>
            {!UNARY.has(assertion.operator) && (
              <label>
                Value
                <input id={`${base}-value`} value={assertion.value === undefined ? '' : typeof assertion.value === 'string' ? assertion.value : JSON.stringify(assertion.value)}
                  onChange={(e) => update(index, { value: parseValue(e.target.value, field?.type, assertion.operator) })} />
              </label>
            )}
            <label>
              When false
              <select value={assertion.severity ?? 'unhealthy'} onChange={(e) => update(index, { severity: e.target.value as Assertion['severity'] })}>
                <option value="unhealthy">unhealthy</option>
                <option value="degraded">degraded</option>
              </select>
            </label>
            <button type="button" className="link" onClick={() => onChange(value.filter((_, i) => i !== index))} aria-label={`Remove assertion ${index + 1}`}>Remove</button>
            {rowError && <small className="field-error" role="alert">{rowError}</small>}
          </fieldset>
        );
      })}
      <button type="button" onClick={() => fields[0] && onChange([...value, { field: fields[0].name, operator: fields[0].operators[0] ?? 'equals' }])} disabled={!fields.length}>
        Add an assertion
      </button>
    </div>
  );
}

function parseValue(text: string, type: string | undefined, operator: string): unknown {
  if (text === '') return undefined;
  if (operator === 'in' || text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (type === 'number' || operator.startsWith('length')) return Number.isNaN(Number(text)) ? text : Number(text);
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

function Placements({ systems, environments, value, onChange }: { systems: Schemas['System'][]; environments: Schemas['Environment'][]; value: Placement[]; onChange(next: Placement[]): void }) {
  const [adding, setAdding] = useState('');
  const [filter, setFilter] = useState('');
  const names = new Map(environments.map((e) => [e.id, e.name]));
  const candidates = systems.filter((s) => !value.some((p) => p.systemId === s.id) && s.name.toLowerCase().includes(filter.toLowerCase())).slice(0, 200);
  const update = (index: number, next: Partial<Placement>) => onChange(value.map((p, i) => (i === index ? { ...p, ...next } : p)));
  return (
    <section className="card">
      <h2>Runs on</h2>
      {value.length === 0 && <p className="hint">Not assigned to any system yet.</p>}
      {value.map((p, index) => {
        const system = systems.find((s) => s.id === p.systemId);
        return (
          <fieldset key={p.systemId} className="nested placement">
            <legend>{system?.name ?? p.systemId}</legend>
            {system && system.environmentIds.length > 0 && (
              <div className="field">
                <span>Environments</span>
                <label><input type="checkbox" checked={p.environmentIds === null} onChange={(e) => update(index, { environmentIds: e.target.checked ? null : [...system.environmentIds] })} /> All of the system’s</label>
                {p.environmentIds !== null && system.environmentIds.map((id) => (
                  <label key={id}>
                    <input type="checkbox" checked={p.environmentIds!.includes(id)} onChange={(e) => update(index, { environmentIds: e.target.checked ? [...p.environmentIds!, id] : p.environmentIds!.filter((x) => x !== id) })} /> {names.get(id) ?? id}
                  </label>
                ))}
              </div>
            )}
            <div className="field">
              <label>
                Thresholds{' '}
                <select value={p.thresholds} onChange={(e) => update(index, { thresholds: e.target.value as Placement['thresholds'] })}>
                  <option value="default">Default</option>
                  <option value="consecutive">Consecutive failures</option>
                </select>
              </label>
              {p.thresholds === 'consecutive' && (
                <>
                  <label>Degraded after <input type="number" min={1} value={p.degradedAfter} onChange={(e) => update(index, { degradedAfter: Number(e.target.value) })} /> failures</label>
                  <label>Unhealthy after <input type="number" min={1} value={p.unhealthyAfter} onChange={(e) => update(index, { unhealthyAfter: Number(e.target.value) })} /> failures</label>
                </>
              )}
            </div>
            <button type="button" className="link" onClick={() => onChange(value.filter((_, i) => i !== index))}>Remove {system?.name}</button>
          </fieldset>
        );
      })}
      <div className="inline">
        <label>
          Find a system <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </label>
        <label>
          System{' '}
          <select id="add-system" value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">Choose…</option>
            {candidates.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <button type="button" disabled={!adding} onClick={() => { onChange([...value, { systemId: adding, environmentIds: null, thresholds: 'default', degradedAfter: 2, unhealthyAfter: 5 }]); setAdding(''); }}>
          Assign
        </button>
      </div>
    </section>
  );
}

function TestRun({ draft, systems, environments, preselected }: { draft: Draft; systems: Schemas['System'][]; environments: Schemas['Environment'][]; preselected?: string }) {
  const [systemId, setSystemId] = useState(preselected ?? '');
  const [environmentId, setEnvironmentId] = useState('');
  useEffect(() => {
    if (preselected && !systemId) setSystemId(preselected);
  }, [preselected, systemId]);
  const system = systems.find((s) => s.id === systemId);
  const action = useAction();
  const [result, setResult] = useState<Schemas['TestRunResult'] | undefined>();
  const run = async () => {
    setResult(undefined);
    const answer = await action.run(() =>
      ok(api.POST('/api/v1/configurations/test-run', {
        body: {
          definition: { strategy: draft.strategy, config: draft.config, assertions: draft.assertions, collectors: draft.collectors, intervalSeconds: draft.intervalSeconds, ...(draft.name && { name: draft.name }) },
          ...(systemId && { systemId }),
          ...(environmentId && { environmentId }),
        },
      })),
    );
    if (answer) setResult(answer as Schemas['TestRunResult']);
  };
  return (
    <section className="card" aria-labelledby="test-run">
      <h2 id="test-run">Test run</h2>
      <p className="hint">Runs this draft once, as it is now, without saving it.</p>
      <div className="inline">
        <label>
          Against system{' '}
          <select id="test-system" value={systemId} onChange={(e) => { setSystemId(e.target.value); setEnvironmentId(''); }}>
            <option value="">No system</option>
            {systems.slice(0, 1000).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <label>
          Environment{' '}
          <select id="test-environment" value={environmentId} onChange={(e) => setEnvironmentId(e.target.value)} disabled={!system || system.environmentIds.length === 0}>
            <option value="">None</option>
            {(system?.environmentIds ?? []).map((id) => <option key={id} value={id}>{environments.find((e) => e.id === id)?.name ?? id}</option>)}
          </select>
        </label>
        <button type="button" onClick={run} disabled={action.busy}>{action.busy ? 'Running…' : 'Test run'}</button>
      </div>
      {action.busy && <Loading what="Running the check" />}
      {action.error && <ErrorBox error={action.error} />}
      {result && (
        <div className="test-result" aria-live="polite">
          <RunResult status={result.status} latencyMs={result.latencyMs} message={result.message} result={result.result} />
        </div>
      )}
    </section>
  );
}
