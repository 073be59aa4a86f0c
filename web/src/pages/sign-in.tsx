import { useState, type FormEvent } from 'react';
import { api, ok } from '../api/client.ts';
import { ErrorBox, Field, useAction, useLoad } from '../ui.tsx';

export function SignInPage({ notice, onDone }: { notice?: string; onDone(): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const sso = useLoad(async () => ok(api.GET('/api/v1/auth/oidc')).catch(() => undefined), []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await action.run(() => ok(api.POST('/api/v1/auth/login', { body: { email, password } })));
    if (done) onDone();
  };
  const noAdmin = notice && /no admin yet/i.test(notice);
  const ssoInfo = sso.data;
  return (
    <main className="narrow" id="main">
      <h1>Sign in to Vigil</h1>
      {noAdmin && <p className="notice" role="status">{notice}</p>}
      <form onSubmit={submit} className="card">
        <Field label="Email" id="email">
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" id="password">
          <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {action.error && <ErrorBox error={action.error} />}
        <button type="submit" className="primary" disabled={action.busy}>{action.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      {ssoInfo?.enabled && (
        <p><a className="button" href="/api/v1/auth/oidc/login">Sign in with {ssoInfo.name ?? 'single sign-on'}</a></p>
      )}
    </main>
  );
}

/** The first admin, from the one-time link Vigil printed at its first start (/setup?token=…). */
export function SetupPage({ onDone }: { onDone(): void }) {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const action = useAction();
  const mismatch = repeat.length > 0 && repeat !== password;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (mismatch) return;
    const done = await action.run(() => ok(api.POST('/api/v1/auth/setup', { body: { token, email, password } })));
    if (done) onDone();
  };
  return (
    <main className="narrow" id="main">
      <h1>Create the first admin</h1>
      {!token && <p className="notice" role="status">This page needs the one-time link Vigil printed when it first started (…/setup?token=…).</p>}
      <form onSubmit={submit} className="card">
        <Field label="Email" id="setup-email">
          <input id="setup-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" id="setup-password" hint="10 characters or more">
          <input id="setup-password" type="password" autoComplete="new-password" minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Password again" id="setup-repeat" error={mismatch ? 'The two passwords differ' : undefined}>
          <input id="setup-repeat" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </Field>
        {action.error && <ErrorBox error={action.error} />}
        <button type="submit" className="primary" disabled={action.busy || !token}>{action.busy ? 'Creating…' : 'Create admin and sign in'}</button>
      </form>
    </main>
  );
}
