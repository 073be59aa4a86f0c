import { useState, type FormEvent, type ReactNode } from 'react';
import { all, api, ok, type Schemas } from '../api/client.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorBox, Field, Gate, useAction, useLoad, when, type Loaded } from '../ui.tsx';

/** The catalog's other pages: each lists what the API has and, for editors, creates and removes. */
export const CATALOG = [
  ['groups', 'Groups'],
  ['environments', 'Environments'],
  ['secrets', 'Secrets'],
  ['channels', 'Notification channels'],
  ['subscriptions', 'Subscriptions'],
  ['automations', 'Automations'],
  ['maintenance', 'Maintenance'],
  ['incidents', 'Incidents'],
  ['users', 'Users'],
  ['audit', 'Audit log'],
] as const;
export type CatalogKind = (typeof CATALOG)[number][0];

export default function CatalogPage({ kind }: { kind?: CatalogKind }) {
  const page: Record<CatalogKind, () => ReactNode> = {
    groups: () => <Groups />,
    environments: () => <Environments />,
    secrets: () => <Secrets />,
    channels: () => <Channels />,
    subscriptions: () => <Subscriptions />,
    automations: () => <Automations />,
    maintenance: () => <Maintenance />,
    incidents: () => <Incidents />,
    users: () => <Users />,
    audit: () => <Audit />,
  };
  return (
    <div className="page">
      <nav aria-label="Catalog" className="subnav">
        {CATALOG.map(([k, label]) => (
          <Link key={k} to={`/catalog/${k}`} aria-current={k === kind ? 'page' : undefined}>{label}</Link>
        ))}
      </nav>
      {kind ? page[kind]() : <><h1>Catalog</h1><p>Choose what to look at above.</p></>}
    </div>
  );
}

function Remove({ label, action, reload }: { label: string; action: () => Promise<unknown>; reload(): void }) {
  const run = useAction();
  return (
    <>
      <button type="button" className="link danger" disabled={run.busy} onClick={async () => {
        if (!confirm(`Delete ${label}?`)) return;
        if ((await run.run(async () => { await action(); return true; }))) reload();
      }}>Delete<span className="sr-only"> {label}</span></button>
      {run.error && <ErrorBox error={run.error} />}
    </>
  );
}

function CreateForm({ title, onSubmit, children, reload }: { title: string; onSubmit(): Promise<unknown>; children: ReactNode; reload(): void }) {
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await action.run(async () => { await onSubmit(); return true; }))) reload();
  };
  return (
    <details className="card">
      <summary>{title}</summary>
      <form onSubmit={submit}>
        {children}
        {action.error && <ErrorBox error={action.error} />}
        <button type="submit" className="primary" disabled={action.busy}>{action.busy ? 'Saving…' : 'Create'}</button>
      </form>
    </details>
  );
}

function Table<T>({ loaded, empty, head, row }: { loaded: Loaded<T[]>; empty: string; head: string[]; row(item: T): ReactNode }) {
  return (
    <Gate loaded={loaded}>
      {(items) => items.length === 0 ? <p className="empty">{empty}</p> : (
        <table>
          <thead><tr>{head.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
          <tbody>{items.map(row)}</tbody>
        </table>
      )}
    </Gate>
  );
}

function Groups() {
  const { canEdit } = useSession();
  const groups = useLoad(() => all((cursor) => api.GET('/api/v1/groups', { params: { query: { limit: 500, cursor } } })), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  return (
    <>
      <h1>Groups</h1>
      {canEdit && (
        <CreateForm title="New group" reload={groups.reload} onSubmit={() => ok(api.POST('/api/v1/groups', { body: { name, description, systemIds: [] } }))}>
          <Field label="Name" id="group-name"><input id="group-name" required value={name} onChange={(e) => setName(e.target.value)} /></Field>
          <Field label="Description" id="group-description"><input id="group-description" value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
        </CreateForm>
      )}
      <Table loaded={groups} empty="No groups." head={['Name', 'Systems', 'Description', '']} row={(g: Schemas['Group']) => (
        <tr key={g.id}><td>{g.name}</td><td>{g.systemIds.length}</td><td>{g.description}</td>
          <td>{canEdit && <Remove label={g.name} reload={groups.reload} action={() => ok(api.DELETE('/api/v1/groups/{id}', { params: { path: { id: g.id } } }))} />}</td></tr>
      )} />
    </>
  );
}

function Environments() {
  const { canEdit } = useSession();
  const environments = useLoad(() => all((cursor) => api.GET('/api/v1/environments', { params: { query: { limit: 500, cursor } } })), []);
  const [name, setName] = useState('');
  const [fields, setFields] = useState('');
  const parsed = () => Object.fromEntries(fields.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => [l.slice(0, l.indexOf('=') < 0 ? l.length : l.indexOf('=')).trim(), l.indexOf('=') < 0 ? '' : l.slice(l.indexOf('=') + 1).trim()]));
  return (
    <>
      <h1>Environments</h1>
      {canEdit && (
        <CreateForm title="New environment" reload={environments.reload} onSubmit={() => ok(api.POST('/api/v1/environments', { body: { name, description: '', fields: parsed() } }))}>
          <Field label="Name" id="env-name"><input id="env-name" required value={name} onChange={(e) => setName(e.target.value)} /></Field>
          <Field label="Custom fields" id="env-fields" hint="name=value, one per line; templates read them as {{ environment.name }}">
            <textarea id="env-fields" rows={3} value={fields} onChange={(e) => setFields(e.target.value)} />
          </Field>
        </CreateForm>
      )}
      <Table loaded={environments} empty="No environments." head={['Name', 'Fields', '']} row={(e: Schemas['Environment']) => (
        <tr key={e.id}><td>{e.name}</td><td><code>{Object.entries(e.fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')}</code></td>
          <td>{canEdit && <Remove label={e.name} reload={environments.reload} action={() => ok(api.DELETE('/api/v1/environments/{id}', { params: { path: { id: e.id } } }))} />}</td></tr>
      )} />
    </>
  );
}

function Secrets() {
  const { canEdit } = useSession();
  const secrets = useLoad(() => all((cursor) => api.GET('/api/v1/secrets', { params: { query: { limit: 500, cursor } } })), []);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  return (
    <>
      <h1>Secrets</h1>
      <p className="hint">Values are write-only: no page or API shows them again. Checks use them as {'{{ secrets.NAME }}'}.</p>
      {canEdit && (
        <CreateForm title="New secret" reload={() => { setValue(''); secrets.reload(); }} onSubmit={() => ok(api.POST('/api/v1/secrets', { body: { name, value } }))}>
          <Field label="Name" id="secret-name"><input id="secret-name" required value={name} onChange={(e) => setName(e.target.value)} /></Field>
          <Field label="Value" id="secret-value"><input id="secret-value" type="password" autoComplete="off" required value={value} onChange={(e) => setValue(e.target.value)} /></Field>
        </CreateForm>
      )}
      <Table loaded={secrets} empty="No secrets." head={['Name', 'Changed', '']} row={(s: Schemas['Secret']) => (
        <tr key={s.name}><td><code>{s.name}</code></td><td>{when(s.updatedAt)}</td>
          <td>{canEdit && <Remove label={s.name} reload={secrets.reload} action={() => ok(api.DELETE('/api/v1/secrets/{name}', { params: { path: { name: s.name } } }))} />}</td></tr>
      )} />
    </>
  );
}

function Channels() {
  const { canEdit } = useSession();
  const channels = useLoad(async () => {
    const [items, types] = await Promise.all([
      all((cursor) => api.GET('/api/v1/notification-channels', { params: { query: { limit: 500, cursor } } })),
      ok(api.GET('/api/v1/notification-channel-types')),
    ]);
    return { items, types: types.items };
  }, []);
  const [name, setName] = useState('');
  const [type, setType] = useState('webhook');
  const [config, setConfig] = useState('{\n  "url": "https://example.com/hook"\n}');
  const [tested, setTested] = useState<Record<string, string>>({});
  const send = async (id: string) => {
    setTested((t) => ({ ...t, [id]: 'sending…' }));
    try {
      const outcome = await ok(api.POST('/api/v1/notification-channels/{id}/test', { params: { path: { id } } }));
      setTested((t) => ({ ...t, [id]: outcome.ok ? `delivered${outcome.status ? ` (${outcome.status})` : ''}` : `failed: ${outcome.error ?? outcome.status}` }));
    } catch (error) {
      setTested((t) => ({ ...t, [id]: (error as Error).message }));
    }
  };
  return (
    <>
      <h1>Notification channels</h1>
      <Gate loaded={channels}>
        {({ items, types }) => (
          <>
            {canEdit && (
              <CreateForm title="New channel" reload={channels.reload} onSubmit={() => ok(api.POST('/api/v1/notification-channels', { body: { name, type, config: JSON.parse(config) as Record<string, unknown>, enabled: true, groupWindowSeconds: null } }))}>
                <Field label="Name" id="channel-name"><input id="channel-name" required value={name} onChange={(e) => setName(e.target.value)} /></Field>
                <Field label="Type" id="channel-type">
                  <select id="channel-type" value={type} onChange={(e) => setType(e.target.value)}>{types.map((t) => <option key={t.type} value={t.type}>{t.title}</option>)}</select>
                </Field>
                <Field label="Settings (JSON)" id="channel-config" hint={`Secret fields of this type (write-only): ${types.find((t) => t.type === type)?.secretFields.join(', ') || 'none'}`}>
                  <textarea id="channel-config" rows={4} value={config} onChange={(e) => setConfig(e.target.value)} />
                </Field>
              </CreateForm>
            )}
            {items.length === 0 ? <p className="empty">No channels.</p> : (
              <table>
                <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Enabled</th><th scope="col"></th></tr></thead>
                <tbody>
                  {items.map((c) => (
                    <tr key={c.id}><td>{c.name}</td><td>{c.type}</td><td>{c.enabled ? 'yes' : 'no'}</td>
                      <td>{canEdit && <><button type="button" className="link" onClick={() => send(c.id)}>Send test</button> <small role="status">{tested[c.id]}</small> · <Remove label={c.name} reload={channels.reload} action={() => ok(api.DELETE('/api/v1/notification-channels/{id}', { params: { path: { id: c.id } } }))} /></>}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Gate>
    </>
  );
}

const localInput = (date: Date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function Maintenance() {
  const { canEdit } = useSession();
  const windows = useLoad(async () => {
    const [items, systems] = await Promise.all([
      all((cursor) => api.GET('/api/v1/maintenance', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/systems', { params: { query: { limit: 500, cursor } } })),
    ]);
    return { items, systems };
  }, []);
  const [title, setTitle] = useState('');
  const [systemIds, setSystemIds] = useState<string[]>([]);
  const [starts, setStarts] = useState(localInput(new Date(Date.now() + 3_600_000)));
  const [ends, setEnds] = useState(localInput(new Date(Date.now() + 7_200_000)));
  return (
    <>
      <h1>Maintenance windows</h1>
      <Gate loaded={windows}>
        {({ items, systems }) => (
          <>
            {canEdit && (
              <CreateForm title="New maintenance window" reload={windows.reload} onSubmit={() => ok(api.POST('/api/v1/maintenance', { body: { title, description: '', systemIds, groupIds: [], startsAt: new Date(starts).toISOString(), endsAt: new Date(ends).toISOString(), rrule: null, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, suppressNotifications: true } }))}>
                <Field label="Title" id="mw-title"><input id="mw-title" required value={title} onChange={(e) => setTitle(e.target.value)} /></Field>
                <Field label="Systems" id="mw-systems" hint="Ctrl/⌘-click for several">
                  <select id="mw-systems" multiple value={systemIds} onChange={(e) => setSystemIds([...e.target.selectedOptions].map((o) => o.value))}>{systems.slice(0, 1000).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}</select>
                </Field>
                <Field label="Starts" id="mw-starts"><input id="mw-starts" type="datetime-local" required value={starts} onChange={(e) => setStarts(e.target.value)} /></Field>
                <Field label="Ends" id="mw-ends"><input id="mw-ends" type="datetime-local" required value={ends} onChange={(e) => setEnds(e.target.value)} /></Field>
              </CreateForm>
            )}
            {items.length === 0 ? <p className="empty">No maintenance windows.</p> : (
              <table>
                <thead><tr><th scope="col">Title</th><th scope="col">Status</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Systems</th><th scope="col"></th></tr></thead>
                <tbody>
                  {items.map((m) => (
                    <tr key={m.id}><td>{m.title}</td><td>{m.status}</td><td>{when(m.startsAt)}</td><td>{when(m.endsAt)}</td>
                      <td>{m.systemIds.map((id) => systems.find((s) => s.id === id)?.name ?? id).join(', ')}</td>
                      <td>{canEdit && <Remove label={m.title} reload={windows.reload} action={() => ok(api.DELETE('/api/v1/maintenance/{id}', { params: { path: { id: m.id } } }))} />}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Gate>
    </>
  );
}

const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;

function Incidents() {
  const { canEdit } = useSession();
  const incidents = useLoad(() => all((cursor) => api.GET('/api/v1/incidents', { params: { query: { limit: 500, cursor } } })), []);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<Schemas['Incident']['severity']>('minor');
  const [open, setOpen] = useState<string | undefined>();
  return (
    <>
      <h1>Incidents</h1>
      {canEdit && (
        <CreateForm title="New incident" reload={incidents.reload} onSubmit={() => ok(api.POST('/api/v1/incidents', { body: { title, description: '', severity, systemIds: [], suppressNotifications: false, status: 'investigating' } }))}>
          <Field label="Title" id="incident-title"><input id="incident-title" required value={title} onChange={(e) => setTitle(e.target.value)} /></Field>
          <Field label="Severity" id="incident-severity">
            <select id="incident-severity" value={severity} onChange={(e) => setSeverity(e.target.value as typeof severity)}><option>minor</option><option>major</option><option>critical</option></select>
          </Field>
        </CreateForm>
      )}
      <Table loaded={incidents} empty="No incidents." head={['Title', 'Severity', 'Status', 'Opened', '']} row={(i: Schemas['Incident']) => (
        <tr key={i.id}><td><button type="button" className="link" aria-expanded={open === i.id} onClick={() => setOpen(open === i.id ? undefined : i.id)}>{i.title}</button>{open === i.id && <IncidentTimeline id={i.id} reload={incidents.reload} />}</td>
          <td>{i.severity}</td><td>{i.status}</td><td>{when(i.createdAt)}</td>
          <td>{canEdit && <Remove label={i.title} reload={incidents.reload} action={() => ok(api.DELETE('/api/v1/incidents/{id}', { params: { path: { id: i.id } } }))} />}</td></tr>
      )} />
    </>
  );
}

function IncidentTimeline({ id, reload }: { id: string; reload(): void }) {
  const { canEdit } = useSession();
  const incident = useLoad(() => ok(api.GET('/api/v1/incidents/{id}', { params: { path: { id } } })), [id]);
  const [status, setStatus] = useState<(typeof INCIDENT_STATUSES)[number]>('identified');
  const [message, setMessage] = useState('');
  const action = useAction();
  const post = async (event: FormEvent) => {
    event.preventDefault();
    if (await action.run(() => ok(api.POST('/api/v1/incidents/{id}/updates', { params: { path: { id } }, body: { status, message } })))) {
      setMessage('');
      incident.reload();
      reload();
    }
  };
  return (
    <Gate loaded={incident}>
      {(i) => (
        <div className="card">
          <ol className="timeline">
            {((i as Schemas['IncidentWithTimeline']).updates ?? []).map((u) => (
              <li key={u.id}><time dateTime={u.createdAt}>{when(u.createdAt)}</time> <strong>{u.status}</strong> {u.message} <small>— {u.actor}</small></li>
            ))}
          </ol>
          {canEdit && (
            <form onSubmit={post} className="inline">
              <label>Status <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>{INCIDENT_STATUSES.map((s) => <option key={s}>{s}</option>)}</select></label>
              <label>Update <input required value={message} onChange={(e) => setMessage(e.target.value)} /></label>
              <button type="submit" disabled={action.busy}>Post update</button>
              {action.error && <ErrorBox error={action.error} />}
            </form>
          )}
        </div>
      )}
    </Gate>
  );
}

function Users() {
  const { isAdmin } = useSession();
  const users = useLoad(async () => (isAdmin ? (await ok(api.GET('/api/v1/users'))).items : []), [isAdmin]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'viewer' | 'editor' | 'admin'>('viewer');
  const [password, setPassword] = useState('');
  if (!isAdmin) return <><h1>Users</h1><p>Only admins manage users.</p></>;
  return (
    <>
      <h1>Users</h1>
      <CreateForm title="New user" reload={() => { setPassword(''); users.reload(); }} onSubmit={() => ok(api.POST('/api/v1/users', { body: { email, name: '', role, grants: [], password } }))}>
        <Field label="Email" id="user-email"><input id="user-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} /></Field>
        <Field label="Role" id="user-role"><select id="user-role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}><option>viewer</option><option>editor</option><option>admin</option></select></Field>
        <Field label="Password" id="user-password" hint="10 characters or more"><input id="user-password" type="password" autoComplete="new-password" minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} /></Field>
      </CreateForm>
      <Table loaded={users} empty="No users." head={['Email', 'Role', 'Disabled', 'Created', '']} row={(u: Schemas['User']) => (
        <tr key={u.id}><td>{u.email}</td><td>{u.role ?? `groups (${u.grants.length})`}</td><td>{u.disabled ? 'yes' : 'no'}</td><td>{when(u.createdAt)}</td>
          <td><Remove label={u.email} reload={users.reload} action={() => ok(api.DELETE('/api/v1/users/{id}', { params: { path: { id: u.id } } }))} /></td></tr>
      )} />
    </>
  );
}

function Audit() {
  const [cursor, setCursor] = useState<string | undefined>();
  const page = useLoad(() => ok(api.GET('/api/v1/audit', { params: { query: { limit: 100, cursor } } })), [cursor]);
  return (
    <>
      <h1>Audit log</h1>
      <Gate loaded={page}>
        {(p) => (
          <>
            {p.items.length === 0 ? <p className="empty">Nothing recorded.</p> : (
              <table>
                <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Changes</th></tr></thead>
                <tbody>
                  {p.items.map((e) => (
                    <tr key={e.seq}><td>{when(e.at)}</td><td>{e.actor.label}</td><td>{e.action} {e.resourceType} <small>{e.resourceId}</small></td>
                      <td>{e.changes.slice(0, 5).map((c) => c.path).join(', ')}{e.changes.length > 5 ? ` … (${e.changes.length})` : ''}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
            {p.nextCursor && <button type="button" onClick={() => setCursor(p.nextCursor ?? undefined)}>Older entries</button>}
          </>
        )}
      </Gate>
    </>
  );
}

const ON = ['degraded', 'unhealthy', 'recovered', 'any'] as const;

function Subscriptions() {
  const { canEdit } = useSession();
  const loaded = useLoad(async () => {
    const [items, systems, groups, channels] = await Promise.all([
      all((cursor) => api.GET('/api/v1/subscriptions', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/systems', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/groups', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/notification-channels', { params: { query: { limit: 500, cursor } } })),
    ]);
    return { items, systems, groups, channels };
  }, []);
  const [target, setTarget] = useState('');
  const [channelId, setChannelId] = useState('');
  const [on, setOn] = useState<(typeof ON)[number][]>(['any']);
  return (
    <>
      <h1>Subscriptions</h1>
      <Gate loaded={loaded}>
        {({ items, systems, groups, channels }) => {
          const name = (id: string | null, list: { id: string; name: string }[]) => (id ? (list.find((x) => x.id === id)?.name ?? id) : '');
          return (
            <>
              {canEdit && (
                <CreateForm title="New subscription" reload={loaded.reload} onSubmit={() => {
                  const [kind, id] = target.split(':');
                  return ok(api.POST('/api/v1/subscriptions', { body: { systemId: kind === 'system' ? id! : null, groupId: kind === 'group' ? id! : null, channelId, userId: null, on, environmentIds: null } }));
                }}>
                  <Field label="About" id="sub-target">
                    <select id="sub-target" required value={target} onChange={(e) => setTarget(e.target.value)}>
                      <option value="">Choose…</option>
                      <optgroup label="Groups">{groups.map((g) => <option key={g.id} value={`group:${g.id}`}>{g.name}</option>)}</optgroup>
                      <optgroup label="Systems">{systems.slice(0, 1000).map((x) => <option key={x.id} value={`system:${x.id}`}>{x.name}</option>)}</optgroup>
                    </select>
                  </Field>
                  <Field label="Channel" id="sub-channel">
                    <select id="sub-channel" required value={channelId} onChange={(e) => setChannelId(e.target.value)}>
                      <option value="">Choose…</option>
                      {channels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
                    </select>
                  </Field>
                  <fieldset className="nested">
                    <legend>On</legend>
                    {ON.map((o) => (
                      <label key={o}><input type="checkbox" checked={on.includes(o)} onChange={(e) => setOn(e.target.checked ? [...on, o] : on.filter((x) => x !== o))} /> {o}</label>
                    ))}
                  </fieldset>
                </CreateForm>
              )}
              {items.length === 0 ? <p className="empty">No subscriptions.</p> : (
                <table>
                  <thead><tr><th scope="col">About</th><th scope="col">To</th><th scope="col">On</th><th scope="col"></th></tr></thead>
                  <tbody>
                    {items.map((x) => (
                      <tr key={x.id}><td>{x.systemId ? name(x.systemId, systems) : `group ${name(x.groupId, groups)}`}</td><td>{x.channelId ? name(x.channelId, channels) : 'email to a user'}</td><td>{x.on.join(', ')}</td>
                        <td>{canEdit && <Remove label="this subscription" reload={loaded.reload} action={() => ok(api.DELETE('/api/v1/subscriptions/{id}', { params: { path: { id: x.id } } }))} />}</td></tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </Gate>
    </>
  );
}

const EXAMPLE_RULE = JSON.stringify({ name: 'page on unhealthy', description: '', enabled: true, trigger: 'healthcheck.system_health_changed', filter: 'trigger.payload.newStatus == "unhealthy"', window: null, for: null, actions: [] }, null, 2);

function Automations() {
  const { canEdit } = useSession();
  const rules = useLoad(() => all((cursor) => api.GET('/api/v1/automations', { params: { query: { limit: 500, cursor } } })), []);
  const [rule, setRule] = useState(EXAMPLE_RULE);
  const [open, setOpen] = useState<string | undefined>();
  return (
    <>
      <h1>Automations</h1>
      {canEdit && (
        <CreateForm title="New rule (JSON)" reload={rules.reload} onSubmit={() => ok(api.POST('/api/v1/automations', { body: JSON.parse(rule) as Schemas['AutomationRuleInput'] }))}>
          <Field label="Rule" id="rule-json" hint="Triggers and actions: GET /api/v1/automation/triggers and /automation/actions (see /api/docs)">
            <textarea id="rule-json" rows={10} value={rule} onChange={(e) => setRule(e.target.value)} />
          </Field>
        </CreateForm>
      )}
      <Table loaded={rules} empty="No rules." head={['Name', 'Trigger', 'Enabled', '']} row={(r: Schemas['AutomationRule']) => (
        <tr key={r.id}><td><button type="button" className="link" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? undefined : r.id)}>{r.name}</button>{open === r.id && <RuleDetail rule={r} />}</td>
          <td><code>{r.trigger}</code>{r.filter && <small> if {r.filter}</small>}</td><td>{r.enabled ? 'yes' : 'no'}</td>
          <td>{canEdit && <Remove label={r.name} reload={rules.reload} action={() => ok(api.DELETE('/api/v1/automations/{id}', { params: { path: { id: r.id } } }))} />}</td></tr>
      )} />
    </>
  );
}

function RuleDetail({ rule }: { rule: Schemas['AutomationRule'] }) {
  const executions = useLoad(() => ok(api.GET('/api/v1/automations/{id}/executions', { params: { path: { id: rule.id }, query: { limit: 20 } } })), [rule.id]);
  const [payload, setPayload] = useState('{\n  "newStatus": "unhealthy"\n}');
  const dry = useAction();
  const [verdict, setVerdict] = useState<Schemas['AutomationDryRun'] | undefined>();
  const run = async () => {
    const answer = await dry.run(() => ok(api.POST('/api/v1/automations/dry-run', { body: { ruleId: rule.id, event: { type: rule.trigger as never, payload: JSON.parse(payload) as Record<string, unknown> } } })));
    if (answer) setVerdict(answer);
  };
  return (
    <div className="card">
      <h4>Latest executions</h4>
      <Gate loaded={executions}>
        {(page) => page.items.length === 0 ? <p className="empty">None yet.</p> : (
          <ul className="plain">
            {page.items.map((x) => <li key={x.id}>{when(x.createdAt)} · <strong>{x.state}</strong>{x.reason ? ` (${x.reason})` : ''} · {x.actions.map((a) => `${a.type}: ${a.state}`).join(', ')}</li>)}
          </ul>
        )}
      </Gate>
      <h4>Dry run</h4>
      <Field label="A made-up event's payload (JSON)" id={`dry-${rule.id}`}>
        <textarea id={`dry-${rule.id}`} rows={4} value={payload} onChange={(e) => setPayload(e.target.value)} />
      </Field>
      <button type="button" onClick={run} disabled={dry.busy}>Dry run</button>
      {dry.error && <ErrorBox error={dry.error} />}
      {verdict && <p role="status">Verdict: <strong>{verdict.verdict}</strong>{verdict.reason ? ` — ${verdict.reason}` : ''}</p>}
    </div>
  );
}
