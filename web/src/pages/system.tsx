import { useMemo, useState, type FormEvent } from 'react';
import { all, api, ok, type Schemas } from '../api/client.ts';
import { LatencyChart } from '../chart.tsx';
import { useLiveEvents } from '../live.ts';
import { RunResult } from '../result.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorBox, Field, Gate, Loading, ms, percent, since, StatusBadge, useAction, useLoad, when } from '../ui.tsx';
import { confirmManagedEdit, ManagedNotice, useManaged, type ManagedResource } from '../managed.tsx';

const PERIODS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
type Period = keyof typeof PERIODS;

export default function SystemPage({ id }: { id: string }) {
  const scoped = !useSession().me.role;
  const system = useLoad(async () => {
    const [system, environments, assignments, configurations] = await Promise.all([
      ok(api.GET('/api/v1/systems/{id}', { params: { path: { id } } })),
      all((cursor) => api.GET('/api/v1/environments', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/assignments', { params: { query: { systemId: id, limit: 500, cursor } } })),
      // A user limited to some groups may not list every configuration: theirs are read by id, below.
      scoped ? Promise.resolve(undefined) : all((cursor) => api.GET('/api/v1/configurations', { params: { query: { limit: 500, cursor } } })),
    ]);
    const checks = configurations ?? (await Promise.all([...new Set(assignments.map((a) => a.configurationId))].map((configurationId) => ok(api.GET('/api/v1/configurations/{id}', { params: { path: { id: configurationId } } })))));
    return { system, environments, assignments, configurations: checks };
  }, [id, scoped]);
  return (
    <div className="page system-page">
      <Gate loaded={system} what="Loading the system">
        {(data) => <SystemView {...data} reload={system.reload} />}
      </Gate>
    </div>
  );
}

function SystemView({ system, environments, assignments, configurations, reload }: { system: Schemas['System']; environments: Schemas['Environment'][]; assignments: Schemas['Assignment'][]; configurations: Schemas['Configuration'][]; reload(): void }) {
  const session = useSession();
  const id = system.id;
  const managed = useManaged('System').get(id);
  const health = useLoad(() => ok(api.GET('/api/v1/systems/{id}/health', { params: { path: { id } } })), [id]);
  const runs = useLoad(() => ok(api.GET('/api/v1/runs', { params: { query: { systemId: id, limit: 20 } } })), [id]);
  const transitions = useLoad(() => ok(api.GET('/api/v1/transitions', { params: { query: { systemId: id, limit: 50 } } })), [id]);
  useLiveEvents(
    { systemId: id, environments: 'all' },
    {
      health: () => {
        health.reload();
        transitions.reload();
      },
      run: () => {
        runs.reload();
        health.reload();
      },
    },
  );
  const names = useMemo(() => new Map<string, string>([...environments.map((e) => [e.id, e.name] as const), ...configurations.map((c) => [c.id, c.name] as const)]), [environments, configurations]);
  return (
    <>
      <p className="crumbs"><Link to="/">Dashboard</Link> / {system.name}</p>
      <div className="title-row">
        <h1>{system.name}</h1>
        {health.data && <StatusBadge status={health.data.status} />}
        {session.canEdit && (
          <Link className="button" to={`/checks/new?systemId=${id}`}>Add a check</Link>
        )}
      </div>
      {system.description && <p>{system.description}</p>}
      {session.canEdit && <ManagedNotice resource={managed} />}
      {session.canEdit && <EditSystem key={system.updatedAt} system={system} managed={managed} onSaved={reload} />}
      <section aria-labelledby="now">
        <h2 id="now">Now</h2>
        <Gate loaded={health} what="Loading health">
          {(h) => (
            <div className="grid">
              <div className="card">
                <h3>Checks</h3>
                {h.checks.length === 0 && <p className="empty">No checks yet.</p>}
                <ul className="plain">
                  {h.checks.map((c) => {
                    const assignment = assignments.find((a) => a.configurationId === c.configurationId);
                    return (
                      <li key={c.configurationId}>
                        <StatusBadge status={c.status} /> {c.name} <small>last run {since(c.lastRun)} ago</small>
                        {session.canEdit && <> · <Link to={`/checks/${c.configurationId}`}>Edit</Link></>}
                        {session.canEdit && assignment && <RunNow assignmentId={assignment.id} />}
                      </li>
                    );
                  })}
                </ul>
              </div>
              <div className="card">
                <h3>Environments</h3>
                {h.environments.length === 0 && <p className="empty">No environment-specific status.</p>}
                <ul className="plain">
                  {h.environments.map((e) => (
                    <li key={e.environmentId}>
                      <StatusBadge status={e.status} /> {e.name} <small>{e.healthyChecks}/{e.totalChecks} healthy, since {since(e.since)}</small>
                    </li>
                  ))}
                </ul>
              </div>
              <div className="card">
                <h3>Figures</h3>
                <dl className="pairs">
                  <dt>In this status for</dt><dd>{since(h.inStatusSince)}</dd>
                  <dt>Latest latency</dt><dd>{ms(h.latencyMs)}</dd>
                  <dt>p95 latency</dt><dd>{ms(h.p95LatencyMs)}</dd>
                  <dt>Healthy runs, 24 h</dt><dd>{percent(h.successRate === null ? null : h.successRate * 100)}</dd>
                  <dt>In maintenance</dt><dd>{h.inMaintenance ? 'yes' : 'no'}</dd>
                </dl>
              </div>
            </div>
          )}
        </Gate>
      </section>
      <History id={id} />
      <UptimeBar id={id} />
      <section aria-labelledby="transitions">
        <h2 id="transitions">Transitions</h2>
        <Gate loaded={transitions} what="Loading transitions">
          {(t) =>
            t.items.length === 0 ? (
              <p className="empty">No status change yet.</p>
            ) : (
              <ol className="timeline">
                {t.items.map((tr) => (
                  <li key={tr.id}>
                    <time dateTime={tr.transitionedAt}>{when(tr.transitionedAt)}</time> <StatusBadge status={tr.fromStatus} /> → <StatusBadge status={tr.toStatus} />{' '}
                    <small>{tr.environmentId ? names.get(tr.environmentId) ?? 'environment' : 'system'}{tr.configurationId ? ` · ${names.get(tr.configurationId) ?? 'check'}` : ''}</small>
                  </li>
                ))}
              </ol>
            )
          }
        </Gate>
      </section>
      <Runs runs={runs} names={names} />
      <Related system={system} />
    </>
  );
}

function EditSystem({ system, managed, onSaved }: { system: Schemas['System']; managed: ManagedResource | undefined; onSaved(): void }) {
  const [name, setName] = useState(system.name);
  const [description, setDescription] = useState(system.description);
  const [isPublic, setPublic] = useState(system.public);
  const action = useAction();
  const fieldError = (field: string) => (action.error as { details?: { path: string; message: string }[] } | undefined)?.details?.find((d) => d.path === field)?.message;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirmManagedEdit(managed)) return;
    const saved = await action.run(() => ok(api.PATCH('/api/v1/systems/{id}', { params: { path: { id: system.id } }, body: { name, description, public: isPublic } })));
    if (saved) onSaved();
  };
  return (
    <details className="card">
      <summary>Edit system</summary>
      <form onSubmit={submit}>
        <Field label="Name" id="edit-system-name" error={fieldError('name')}>
          <input id="edit-system-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description" id="edit-system-description" error={fieldError('description')}>
          <input id="edit-system-description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <div className="field check">
          <label htmlFor="edit-system-public"><input id="edit-system-public" type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} /> Public (shown on the status page)</label>
        </div>
        {action.error && !fieldError('name') && !fieldError('description') && <ErrorBox error={action.error} />}
        <button type="submit" className="primary" disabled={action.busy}>{action.busy ? 'Saving…' : 'Save system'}</button>
      </form>
    </details>
  );
}

function RunNow({ assignmentId }: { assignmentId: string }) {
  const [state, setState] = useState<string>('');
  const run = async () => {
    setState('running…');
    try {
      await ok(api.POST('/api/v1/assignments/{id}/run', { params: { path: { id: assignmentId } } }));
      setState('done');
    } catch (error) {
      setState((error as Error).message);
    }
  };
  return (
    <>
      {' '}· <button type="button" className="link" onClick={run}>Run now</button> <small role="status">{state}</small>
    </>
  );
}

function History({ id }: { id: string }) {
  const [period, setPeriod] = useState<Period>('24h');
  const history = useLoad(() => {
    const to = new Date();
    const from = new Date(to.getTime() - PERIODS[period]);
    return ok(api.GET('/api/v1/history', { params: { query: { systemId: id, from: from.toISOString(), to: to.toISOString(), bucket: 'auto' } } }));
  }, [id, period]);
  const chart = useMemo(() => {
    const points = history.data?.points ?? [];
    return {
      times: points.map((p) => Date.parse(p.start) / 1000),
      series: [
        { name: 'p50', values: points.map((p) => p.latency.p50), color: '#2a9d5c' },
        { name: 'p95', values: points.map((p) => p.latency.p95), color: '#d08c00' },
        { name: 'p99', values: points.map((p) => p.latency.p99), color: '#d1453b' },
      ],
    };
  }, [history.data]);
  return (
    <section aria-labelledby="latency">
      <div className="title-row">
        <h2 id="latency">Latency</h2>
        <div role="group" aria-label="Period" className="segmented">
          {(Object.keys(PERIODS) as Period[]).map((p) => (
            <button key={p} type="button" aria-pressed={p === period} onClick={() => setPeriod(p)}>{p}</button>
          ))}
        </div>
      </div>
      {history.loading && <Loading what="Loading history" />}
      {history.error && <ErrorBox error={history.error} retry={history.reload} />}
      {history.data && (
        <>
          <p className="summary">
            {history.data.total.runs} runs · uptime {percent(history.data.total.uptime)} · p50 {ms(history.data.total.latency.p50)} · p95 {ms(history.data.total.latency.p95)} · p99 {ms(history.data.total.latency.p99)}{' '}
            <small>({history.data.bucket} buckets)</small>
          </p>
          {history.data.points.some((p) => p.runs > 0) ? <LatencyChart times={chart.times} series={chart.series} label={`Latency p50, p95 and p99 over ${period}`} /> : <p className="empty">No runs in this period.</p>}
        </>
      )}
    </section>
  );
}

function UptimeBar({ id }: { id: string }) {
  const uptime = useLoad(() => ok(api.GET('/api/v1/uptime', { params: { query: { systemIds: id, ranges: '24h,7d,30d,90d' } } })), [id]);
  return (
    <section aria-labelledby="uptime">
      <h2 id="uptime">Uptime, 90 days</h2>
      <Gate loaded={uptime} what="Loading uptime">
        {(u) => {
          const item = u.items[0];
          if (!item) return <p className="empty">No uptime yet.</p>;
          const start = Date.parse(item.days.from);
          return (
            <>
              <p className="summary">{item.ranges.map((r) => `${r.range}: ${percent(r.uptime)}`).join(' · ')}</p>
              <div className="uptime-bar" role="list" aria-label="Uptime per day">
                {item.days.uptime.map((value, i) => {
                  const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
                  const level = value === null ? 'none' : value >= 99.9 ? 'healthy' : value >= 95 ? 'degraded' : 'unhealthy';
                  const label = `${day}: ${value === null ? 'no runs' : `${percent(value)} of ${item.days.runs[i]} runs`}`;
                  return <span key={i} role="listitem" className={`day status-${level}`} title={label} aria-label={label} />;
                })}
              </div>
            </>
          );
        }}
      </Gate>
    </section>
  );
}

function Runs({ runs, names }: { runs: ReturnType<typeof useLoad<Schemas['RunPage']>>; names: Map<string, string> }) {
  const [open, setOpen] = useState<string | undefined>();
  const run = useLoad(async () => (open ? ok(api.GET('/api/v1/runs/{id}', { params: { path: { id: open } } })) : undefined), [open]);
  return (
    <section aria-labelledby="runs">
      <h2 id="runs">Latest runs</h2>
      <Gate loaded={runs} what="Loading runs">
        {(page) =>
          page.items.length === 0 ? (
            <p className="empty">No runs yet.</p>
          ) : (
            <table className="runs">
              <thead>
                <tr><th scope="col">When</th><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Message</th></tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr key={r.id}>
                    <td><button type="button" className="link" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? undefined : r.id)}>{when(r.createdAt)}</button></td>
                    <td>{names.get(r.configurationId) ?? 'check'}{r.environmentId ? ` · ${names.get(r.environmentId) ?? ''}` : ''}</td>
                    <td><StatusBadge status={r.status} /></td>
                    <td>{ms(r.latencyMs)}</td>
                    <td className="message">{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Gate>
      {open && (
        <div className="card" aria-live="polite">
          <h3>Run details</h3>
          {run.loading && <Loading what="Loading the run" />}
          {run.error && <ErrorBox error={run.error} retry={run.reload} />}
          {run.data && <RunResult status={run.data.status} latencyMs={run.data.latencyMs} message={run.data.message} result={run.data.result} />}
        </div>
      )}
    </section>
  );
}

function Related({ system }: { system: Schemas['System'] }) {
  const id = system.id;
  const related = useLoad(async () => {
    const [slos, maintenance, incidents, dependencies] = await Promise.all([
      ok(api.GET('/api/v1/slos', { params: { query: { systemId: id, limit: 100 } } })),
      ok(api.GET('/api/v1/maintenance', { params: { query: { systemId: id, limit: 50 } } })),
      ok(api.GET('/api/v1/incidents', { params: { query: { systemId: id, status: 'open', limit: 50 } } })),
      Promise.all(system.dependsOn.map((dep) => ok(api.GET('/api/v1/systems/{id}', { params: { path: { id: dep } } })).catch(() => ({ id: dep, name: dep } as Pick<Schemas['System'], 'id' | 'name'>)))),
    ]);
    const statuses = await Promise.all(slos.items.map((s) => ok(api.GET('/api/v1/slos/{id}/status', { params: { path: { id: s.id } } })).catch(() => undefined)));
    return { slos: slos.items.map((slo, i) => ({ slo, status: statuses[i] })), maintenance: maintenance.items.filter((m) => m.status !== 'completed'), incidents: incidents.items, dependencies };
  }, [id]);
  return (
    <section aria-labelledby="related">
      <h2 id="related">SLOs, maintenance, incidents and dependencies</h2>
      <Gate loaded={related} what="Loading">
        {(r) => (
          <div className="grid">
            <div className="card">
              <h3>SLOs</h3>
              {r.slos.length === 0 && <p className="empty">None.</p>}
              <ul className="plain">
                {r.slos.map(({ slo, status }) => (
                  <li key={slo.id}>
                    {slo.name}: objective {slo.objective}% over {slo.windowDays}d · SLI {percent(status?.sli)} · budget left {status?.budget.remainingPercent === null || !status ? '—' : `${status.budget.remainingPercent.toFixed(1)}%`}
                    {status?.burning && <strong className="status-unhealthy"> burning</strong>}
                  </li>
                ))}
              </ul>
            </div>
            <div className="card">
              <h3>Maintenance</h3>
              {r.maintenance.length === 0 && <p className="empty">None planned or active.</p>}
              <ul className="plain">
                {r.maintenance.map((m) => (
                  <li key={m.id}>{m.title} · {m.status} · {when(m.currentOccurrence?.startsAt ?? m.nextOccurrence?.startsAt ?? m.startsAt)} → {when(m.currentOccurrence?.endsAt ?? m.nextOccurrence?.endsAt ?? m.endsAt)}</li>
                ))}
              </ul>
            </div>
            <div className="card">
              <h3>Open incidents</h3>
              {r.incidents.length === 0 && <p className="empty">None.</p>}
              <ul className="plain">
                {r.incidents.map((i) => (
                  <li key={i.id}>{i.title} · {i.severity} · {i.status} since {when(i.createdAt)}</li>
                ))}
              </ul>
            </div>
            <div className="card">
              <h3>Depends on</h3>
              {r.dependencies.length === 0 && <p className="empty">Nothing.</p>}
              <ul className="plain">
                {r.dependencies.map((d) => (
                  <li key={d.id}><Link to={`/systems/${d.id}`}>{d.name}</Link></li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </Gate>
    </section>
  );
}
