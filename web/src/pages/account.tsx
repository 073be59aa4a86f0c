import { useState, type FormEvent } from 'react';
import { api, ok, type Schemas } from '../api/client.ts';
import { useSession } from '../session.tsx';
import { ErrorBox, Field, Gate, useAction, useLoad, when } from '../ui.tsx';

export default function AccountPage() {
  return (
    <div className="page">
      <h1>Account</h1>
      <Password />
      <Tokens />
    </div>
  );
}

function Password() {
  const session = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    const changed = await action.run(() => ok(api.PUT('/api/v1/auth/password', { body: { current, new: next } })).then(() => true));
    if (changed) {
      setDone(true);
      setCurrent('');
      setNext('');
      // Changing it ends every session: the page then asks to sign in again, if this one went too.
      setTimeout(session.refresh, 1500);
    }
  };
  return (
    <section className="card" aria-labelledby="password">
      <h2 id="password">Change password</h2>
      <form onSubmit={submit}>
        <Field label="Current password" id="current-password">
          <input id="current-password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field label="New password" id="new-password" hint="10 characters or more">
          <input id="new-password" type="password" autoComplete="new-password" minLength={10} required value={next} onChange={(e) => setNext(e.target.value)} />
        </Field>
        {action.error && <ErrorBox error={action.error} />}
        {done && <p role="status" className="status-healthy">Password changed. Other sessions were signed out.</p>}
        <button type="submit" disabled={action.busy}>Change password</button>
      </form>
    </section>
  );
}

function Tokens() {
  const session = useSession();
  const tokens = useLoad(() => ok(api.GET('/api/v1/tokens')), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Schemas['ApiToken']['role']>(session.me.role ?? 'viewer');
  const [created, setCreated] = useState<Schemas['CreatedToken'] | undefined>();
  const [copied, setCopied] = useState(false);
  const action = useAction();
  const roles = (['viewer', 'editor', 'admin'] as const).slice(0, ['viewer', 'editor', 'admin'].indexOf(session.me.role ?? 'viewer') + 1);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const token = await action.run(() => ok(api.POST('/api/v1/tokens', { body: { name, role } })));
    if (token) {
      setCreated(token);
      setCopied(false);
      setName('');
      tokens.reload();
    }
  };
  const revoke = async (id: string) => {
    if (!confirm('Revoke this token? Programs using it stop working at once.')) return;
    await action.run(() => ok(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })));
    tokens.reload();
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      // Without clipboard access the field stays selected for copying by hand.
      (document.getElementById('new-token') as HTMLInputElement | null)?.select();
    }
  };
  return (
    <section className="card" aria-labelledby="tokens">
      <h2 id="tokens">API tokens</h2>
      <form onSubmit={create} className="inline">
        <label>
          Name <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Role{' '}
          <select value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
            {roles.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit" disabled={action.busy}>Create token</button>
      </form>
      {action.error && <ErrorBox error={action.error} />}
      {created && (
        <div className="notice" role="status">
          <p>Copy the token <strong>{created.name}</strong> now: it is shown this once.</p>
          <div className="inline">
            <label htmlFor="new-token" className="sr-only">New token</label>
            <input id="new-token" readOnly value={created.token} onFocus={(e) => e.target.select()} size={48} />
            <button type="button" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
            <button type="button" className="link" onClick={() => setCreated(undefined)}>Done</button>
          </div>
        </div>
      )}
      <Gate loaded={tokens} what="Loading tokens">
        {(list) =>
          list.items.length === 0 ? (
            <p className="empty">No tokens.</p>
          ) : (
            <table>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {list.items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.role}</td>
                    <td>{when(t.createdAt)}</td>
                    <td>{when(t.lastUsedAt)}</td>
                    <td><button type="button" className="link danger" onClick={() => revoke(t.id)}>Revoke</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Gate>
    </section>
  );
}
