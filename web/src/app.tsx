import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { api, ApiError, ok } from './api/client.ts';
import { Link, match, navigate, useLocation } from './router.tsx';
import { SessionContext, type Session } from './session.tsx';
import { ErrorBox, Loading, useLoad } from './ui.tsx';
import { Dashboard } from './pages/dashboard.tsx';
import { SetupPage, SignInPage } from './pages/sign-in.tsx';
import type { CatalogKind } from './pages/catalog.tsx';

const CATALOG_KINDS = new Set(['groups', 'environments', 'secrets', 'channels', 'subscriptions', 'automations', 'maintenance', 'incidents', 'users', 'audit']);

const SystemPage = lazy(() => import('./pages/system.tsx'));
const CheckEditor = lazy(() => import('./pages/check-editor.tsx'));
const AccountPage = lazy(() => import('./pages/account.tsx'));
const SystemsPage = lazy(() => import('./pages/systems.tsx'));
const CatalogPage = lazy(() => import('./pages/catalog.tsx'));

export function App() {
  const { path } = useLocation();
  const me = useLoad(async () => ok(api.GET('/api/v1/auth/me')), []);

  if (path === '/setup') return <SetupPage onDone={() => { me.reload(); navigate('/', { replace: true }); }} />;
  if (me.loading && !me.data) return <main className="narrow"><Loading what="Starting Vigil" /></main>;
  if (!me.data || (me.error instanceof ApiError && me.error.status === 401)) {
    if (me.error && !(me.error instanceof ApiError && me.error.status === 401)) return <main className="narrow"><ErrorBox error={me.error} retry={me.reload} /></main>;
    return <SignInPage notice={me.error?.message} onDone={me.reload} />;
  }
  return <SignedIn me={me.data} refresh={me.reload} />;
}

function SignedIn({ me, refresh }: { me: Session['me']; refresh(): void }) {
  const session = useMemo<Session>(() => ({ me, refresh, canEdit: me.role === 'editor' || me.role === 'admin' || me.grants.some((g) => g.role !== 'viewer'), isAdmin: me.role === 'admin' }), [me, refresh]);
  const { path } = useLocation();
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [path]);
  const signOut = async () => {
    await api.POST('/api/v1/auth/logout').catch(() => undefined);
    navigate('/', { replace: true });
    refresh();
  };
  let page;
  let params: Record<string, string> | undefined;
  if (path === '/' || path === '') page = <Dashboard />;
  else if ((params = match('/systems/:id', path))) page = <SystemPage id={params.id!} />;
  else if (path === '/systems') page = <SystemsPage />;
  else if (path === '/checks/new') page = <CheckEditor />;
  else if ((params = match('/checks/:id', path))) page = <CheckEditor id={params.id} />;
  else if (path === '/account') page = <AccountPage />;
  else if (path === '/catalog') page = <CatalogPage />;
  else if ((params = match('/catalog/:kind', path)) && CATALOG_KINDS.has(params.kind!)) page = <CatalogPage kind={params.kind as CatalogKind} />;
  else page = <div className="page"><h1>Not found</h1><p>No page at {path}. <Link to="/">Back to the dashboard</Link>.</p></div>;
  const nav = [
    ['/', 'Dashboard'],
    ['/systems', 'Systems'],
    ['/catalog', 'Catalog'],
    ...(session.canEdit ? [['/checks/new', 'New check']] : []),
    ['/account', 'Account'],
  ] as const;
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <Link to="/" className="brand">Vigil</Link>
        <button type="button" className="menu-toggle" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>Menu</button>
        <nav id="nav" className={menu ? 'open' : ''} aria-label="Main">
          {nav.map(([to, label]) => (
            <Link key={to} to={to} aria-current={(to === '/' ? path === '/' : path.startsWith(to)) ? 'page' : undefined}>{label}</Link>
          ))}
          <span className="who" title={`Signed in as ${me.user.email} (${me.role ?? 'group roles'})`}>{me.user.email} · {me.role ?? 'scoped'}</span>
          <button type="button" className="link" onClick={signOut}>Sign out</button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{page}</Suspense>
      </main>
    </SessionContext.Provider>
  );
}
