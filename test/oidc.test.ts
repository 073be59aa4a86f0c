import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../src/access/login-limit.ts';
import { OidcService, type OidcConfig } from '../src/access/oidc.ts';
import { createHttpApp } from '../src/app.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { Browser } from './support/browser.ts';
import { serveOnLoopback, type RunningServer } from './support/http-server.ts';
import { startOidcProvider, type TestProvider } from './targets/oidc-provider.ts';

/**
 * Single sign-on end to end (issue 17): Vigil's API on a real socket, a real OpenID provider
 * (oidc-provider) on another, and a browser made of fetch and a cookie jar going between them.
 */

let api: TestApi;
let vigil: RunningServer;
let provider: TestProvider;
/** The app the socket serves: each test configures single sign-on as it needs. */
let app: ReturnType<typeof createHttpApp>;
let logLines: string[];
const secretKey = randomBytes(32);

const LOGIN = '/api/v1/auth/oidc/login';
const CALLBACK = '/api/v1/auth/oidc/callback';
const ROLE_MAP = [
  { value: 'vigil-admins', role: 'admin' as const },
  { value: 'vigil-editors', role: 'editor' as const },
  { value: 'everyone', role: 'viewer' as const },
];

beforeAll(async () => {
  api = await createTestApi();
  vigil = await serveOnLoopback((request, env) => app.fetch(request, env));
  provider = await startOidcProvider(`${vigil.base}${CALLBACK}`);
});
afterAll(async () => {
  await provider?.close();
  await vigil?.close();
  await api?.close();
});
beforeEach(() => configure());

/** Serves Vigil with single sign-on at the test provider, as these settings say. */
function configure(overrides: Partial<OidcConfig> = {}, limiter = new LoginLimiter({ failures: 1000 })) {
  logLines = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const config: OidcConfig = {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    roleClaim: 'groups',
    roleMap: ROLE_MAP,
    defaultRole: null,
    autoCreate: true,
    name: 'Test SSO',
    ...overrides,
  };
  const oidc = new OidcService(config, { db: api.database.db, access: api.services.access, secretKey, log });
  app = createHttpApp(api.database, { ...api.services, loginLimiter: limiter }, log, { oidc });
}

const isCallback = (url: URL) => url.pathname === CALLBACK;

/** From Vigil's login route through the provider's sign-in page, up to (not into) Vigil's callback. */
async function toCallback(browser: Browser, account: string, returnTo = '/'): Promise<URL> {
  const page = await browser.follow(`${vigil.base}${LOGIN}?returnTo=${encodeURIComponent(returnTo)}`, { stop: isCallback });
  expect(page.response.status, `the provider's sign-in page (${page.url.href})`).toBe(200);
  const action = /action="([^"]+)"/.exec(await page.response.text())![1]!;
  const back = await browser.follow(new URL(action, page.url), { method: 'POST', form: { login: account }, stop: isCallback });
  expect(back.url.pathname, `the provider sent the browser back to Vigil (${back.url.href})`).toBe(CALLBACK);
  return back.url;
}

/** The whole journey; the callback's answer. */
async function signIn(browser: Browser, account: string, returnTo = '/'): Promise<Response> {
  return browser.request(await toCallback(browser, account, returnTo));
}

/** Where a refused sign-in sent the browser: the sign-in page's error message. */
function refusal(response: Response): string {
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!, vigil.base);
  expect(location.pathname).toBe('/login');
  return location.searchParams.get('error')!;
}

async function me(browser: Browser): Promise<{ status: number; body: any }> {
  const response = await browser.request(`${vigil.base}/api/v1/auth/me`);
  return { status: response.status, body: await response.json() };
}

const userRow = async (email: string) => (await api.database.pool.query('SELECT * FROM users WHERE lower(email) = lower($1)', [email])).rows[0];

describe('single sign-on with a real OpenID provider', () => {
  it('creates a user on first sign-in, with the role their groups map to, and sends them back where they started', async () => {
    provider.accounts.set('alice', { email: 'alice@corp.test', email_verified: true, name: 'Alice', groups: ['everyone', 'vigil-admins'] });
    const browser = new Browser();
    const start = await browser.request(`${vigil.base}${LOGIN}?returnTo=${encodeURIComponent('/systems?tab=runs')}`);
    expect(start.status).toBe(302);
    const authorization = new URL(start.headers.get('location')!);
    expect(authorization.origin).toBe(provider.issuer);
    expect(Object.fromEntries(authorization.searchParams)).toMatchObject({ client_id: 'vigil', response_type: 'code', code_challenge_method: 'S256', redirect_uri: `${vigil.base}${CALLBACK}`, scope: 'openid email profile groups' });
    for (const parameter of ['state', 'nonce', 'code_challenge']) expect(authorization.searchParams.get(parameter)).toMatch(/^[\w-]{20,}$/);
    const pendingCookie = start.headers.getSetCookie().find((line) => line.startsWith('vigil_oidc='))!;
    expect(pendingCookie).toMatch(/HttpOnly/);
    expect(pendingCookie).toMatch(/SameSite=Lax/);
    expect(pendingCookie).toMatch(/Path=\/api\/v1\/auth\/oidc(;|$)/);
    expect(pendingCookie).toMatch(/Max-Age=600/);

    const callback = await signIn(browser, 'alice', '/systems?tab=runs');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/systems?tab=runs');
    expect(callback.headers.getSetCookie().find((line) => line.startsWith('vigil_session='))).toMatch(/HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/);
    expect(browser.cookie('vigil_oidc'), 'the pending sign-in is over').toBeUndefined();
    const { status, body } = await me(browser);
    expect(status).toBe(200);
    expect(body).toMatchObject({ via: 'session', role: 'admin', user: { email: 'alice@corp.test', name: 'Alice', role: 'admin' } });
    expect(await userRow('alice@corp.test')).toMatchObject({ oidc_issuer: provider.issuer, oidc_subject: 'alice', password_hash: null });
  });

  it('logs who signed in and from where, never the code, a token or the client secret', async () => {
    provider.accounts.set('logan', { email: 'logan@corp.test', email_verified: true, groups: ['everyone'] });
    const browser = new Browser();
    const callbackUrl = await toCallback(browser, 'logan');
    expect((await browser.request(callbackUrl)).status).toBe(302);
    const signedIn = logLines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'Signed in');
    expect(signedIn).toMatchObject({ address: '127.0.0.1', via: 'sso', user: 'created', userId: (await userRow('logan@corp.test')).id });
    const everything = logLines.join('\n');
    for (const secret of [callbackUrl.searchParams.get('code')!, callbackUrl.searchParams.get('state')!, provider.clientSecret, browser.cookie('vigil_session')!]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('takes roles from the groups at every sign-in: editor, then admin once the provider says so; no matching group, no entry', async () => {
    provider.accounts.set('bob', { email: 'bob@corp.test', email_verified: true, groups: ['everyone', 'vigil-editors'] });
    const first = new Browser();
    await signIn(first, 'bob');
    expect((await me(first)).body.role).toBe('editor');
    provider.accounts.set('bob', { email: 'bob@corp.test', email_verified: true, groups: ['vigil-admins'] });
    const second = new Browser();
    await signIn(second, 'bob');
    expect((await me(second)).body).toMatchObject({ role: 'admin', user: { id: (await me(first)).body.user.id } });

    provider.accounts.set('carol', { email: 'carol@corp.test', email_verified: true, groups: ['contractors'] });
    const carol = new Browser();
    expect(refusal(await signIn(carol, 'carol'))).toBe('Vigil has no role for you; ask an admin for access');
    expect(carol.cookie('vigil_session')).toBeUndefined();
    expect(await userRow('carol@corp.test')).toBeUndefined();
  });

  it('gives the default role when no group matches, if there is one', async () => {
    configure({ defaultRole: 'viewer' });
    provider.accounts.set('dora', { email: 'dora@corp.test', email_verified: true, groups: ['contractors'] });
    const browser = new Browser();
    await signIn(browser, 'dora');
    expect((await me(browser)).body.role).toBe('viewer');
  });

  it('refuses a callback whose state was changed, and a pending sign-in cookie Vigil did not seal', async () => {
    provider.accounts.set('eve', { email: 'eve@corp.test', email_verified: true, groups: ['vigil-admins'] });
    const tampered = new Browser();
    const callbackUrl = await toCallback(tampered, 'eve');
    callbackUrl.searchParams.set('state', 'attacker-chosen-state');
    expect(refusal(await tampered.request(callbackUrl))).toMatch(/could not be verified \(state mismatch\)/);
    expect(tampered.cookie('vigil_session')).toBeUndefined();
    // The library's error carries the answer's parameters: the log keeps its message only.
    expect(logLines.join('\n')).toMatch(/Sign-in by SSO refused/);
    expect(logLines.join('\n')).not.toContain(callbackUrl.searchParams.get('code')!);

    const forged = new Browser();
    const forgedUrl = await toCallback(forged, 'eve');
    const [payload, signature] = forged.cookie('vigil_oidc')!.split('.');
    const changed = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const rewritten = Buffer.from(JSON.stringify({ ...changed, returnTo: '/users' })).toString('base64url');
    forged.setCookie('vigil_oidc', `${rewritten}.${signature}`, vigil.base, '/api/v1/auth/oidc');
    expect(refusal(await forged.request(forgedUrl))).toMatch(/could not be verified/);
    expect(forged.cookie('vigil_session')).toBeUndefined();
    expect(await userRow('eve@corp.test')).toBeUndefined();
  });

  it('refuses a replayed callback, with the old pending cookie or without one', async () => {
    provider.accounts.set('fred', { email: 'fred@corp.test', email_verified: true, groups: ['everyone'] });
    const browser = new Browser();
    const callbackUrl = await toCallback(browser, 'fred');
    const pending = browser.cookie('vigil_oidc')!;
    expect((await browser.request(callbackUrl)).headers.get('location')).toBe('/');

    const replayed = new Browser();
    replayed.setCookie('vigil_oidc', pending, vigil.base, '/api/v1/auth/oidc');
    expect(refusal(await replayed.request(callbackUrl))).toMatch(/did not accept this sign-in \(invalid_grant\)/);
    expect(replayed.cookie('vigil_session')).toBeUndefined();
    expect(refusal(await new Browser().request(callbackUrl))).toMatch(/No sign-in is under way in this browser/);
  });

  it('refuses a pending sign-in older than ten minutes', async () => {
    provider.accounts.set('gus', { email: 'gus@corp.test', email_verified: true, groups: ['everyone'] });
    const browser = new Browser();
    const callbackUrl = await toCallback(browser, 'gus');
    const oidc = new OidcService(
      { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, scopes: ['openid'], roleClaim: 'groups', roleMap: ROLE_MAP, defaultRole: null, autoCreate: true },
      { db: api.database.db, access: api.services.access, secretKey, log: silentLogger() },
    );
    await expect(oidc.complete(callbackUrl.searchParams, browser.cookie('vigil_oidc'), Date.now() + 10 * 60_000 + 1)).rejects.toThrow(/took longer than 10 minutes/);
  });

  it('shows the provider’s refusal when the person cancels there', async () => {
    const browser = new Browser();
    const page = await browser.follow(`${vigil.base}${LOGIN}`, { stop: isCallback });
    const action = /action="([^"]+)"/.exec(await page.response.text())![1]!;
    const back = await browser.follow(new URL(action, page.url), { method: 'POST', form: { cancel: '1' }, stop: isCallback });
    expect(back.url.searchParams.get('error')).toBe('access_denied');
    expect(refusal(await browser.request(back.url))).toBe('The sign-in was cancelled at the provider');
  });

  it('links a password user with the same verified email, who keeps their password and id', async () => {
    const created = await api.call('POST', '/api/v1/users', { email: 'Hana@corp.test', role: 'viewer', password: 'a long enough password' });
    expect(created.status).toBe(201);
    provider.accounts.set('hana', { email: 'hana@corp.test', email_verified: true, groups: ['vigil-editors'] });
    const browser = new Browser();
    await signIn(browser, 'hana');
    expect((await me(browser)).body).toMatchObject({ role: 'editor', user: { id: created.body.id, email: 'Hana@corp.test' } });
    expect(await userRow('hana@corp.test')).toMatchObject({ oidc_subject: 'hana', password_hash: expect.stringMatching(/^\$argon2id\$/) });
    const password = await api.call('POST', '/api/v1/auth/login', { email: 'hana@corp.test', password: 'a long enough password' }, { authorization: '' });
    expect(password.status).toBe(200);
  });

  it('never links on an email the provider has not verified', async () => {
    await api.call('POST', '/api/v1/users', { email: 'ivan@corp.test', role: 'admin', password: 'a long enough password' });
    provider.accounts.set('mallory', { email: 'ivan@corp.test', email_verified: false, groups: ['vigil-admins'] });
    expect(refusal(await signIn(new Browser(), 'mallory'))).toBe('Your email address belongs to another Vigil account; ask an admin');
    expect(await userRow('ivan@corp.test')).toMatchObject({ oidc_subject: null });
  });

  it('with auto-create off, refuses a person Vigil does not know, and lets in one an admin created', async () => {
    configure({ autoCreate: false });
    provider.accounts.set('jack', { email: 'jack@corp.test', email_verified: true, groups: ['vigil-editors'] });
    expect(refusal(await signIn(new Browser(), 'jack'))).toBe('You have no Vigil account; ask an admin to create one with your email address');
    expect(await userRow('jack@corp.test')).toBeUndefined();

    await api.call('POST', '/api/v1/users', { email: 'jack@corp.test', role: 'viewer', password: 'a long enough password' });
    const browser = new Browser();
    await signIn(browser, 'jack');
    expect((await me(browser)).body).toMatchObject({ role: 'editor', user: { email: 'jack@corp.test' } });
  });

  it('refuses a disabled user', async () => {
    provider.accounts.set('kate', { email: 'kate@corp.test', email_verified: true, groups: ['everyone'] });
    const browser = new Browser();
    await signIn(browser, 'kate');
    const { body } = await me(browser);
    expect((await api.call('PATCH', `/api/v1/users/${body.user.id}`, { disabled: true })).status).toBe(200);
    const again = new Browser();
    expect(refusal(await signIn(again, 'kate'))).toBe('Your Vigil account is disabled');
    expect(again.cookie('vigil_session')).toBeUndefined();
  });

  it('refuses failed callbacks from an address past the limit, like failed password sign-ins', async () => {
    configure({}, new LoginLimiter({ failures: 2 }));
    const bogus = `${vigil.base}${CALLBACK}?code=made-up&state=made-up`;
    for (let i = 0; i < 2; i++) expect(refusal(await new Browser().request(bogus))).toMatch(/No sign-in is under way/);
    expect(refusal(await new Browser().request(bogus))).toMatch(/^Too many failed sign-ins; try again in \d+ s$/);
  });

  it('answers 400 to a callback that carries no answer from a provider', async () => {
    const response = await fetch(`${vigil.base}${CALLBACK}`);
    expect(response.status).toBe(400);
    expect((await response.json()).error.details).toEqual([{ path: 'code', message: 'expected the provider’s answer: code and state, or error' }]);
  });

  it('refuses a returnTo that leaves the site, naming the parameter', async () => {
    for (const returnTo of ['https://evil.test/', '//evil.test/x', '/\\evil.test']) {
      const response = await fetch(`${vigil.base}${LOGIN}?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
      expect(response.status, returnTo).toBe(400);
      expect((await response.json()).error.details).toEqual([{ path: 'returnTo', message: 'expected a path on this site starting with / (e.g. /systems)' }]);
    }
  });

  it('asks the provider again after discovery failed, instead of keeping the failure', async () => {
    configure();
    provider.discoveryDown = true;
    try {
      expect(refusal(await new Browser().request(`${vigil.base}${LOGIN}`))).toBe('The sign-in provider cannot be reached; try again later');
    } finally {
      provider.discoveryDown = false;
    }
    const retried = await new Browser().request(`${vigil.base}${LOGIN}`);
    expect(new URL(retried.headers.get('location')!).origin).toBe(provider.issuer);
  });
});

describe('GET /api/v1/auth/oidc', () => {
  it('tells the sign-in page whether to offer single sign-on, to anyone', async () => {
    expect(await (await fetch(`${vigil.base}/api/v1/auth/oidc`)).json()).toEqual({ enabled: true, name: 'Test SSO' });
    expect(await api.call('GET', '/api/v1/auth/oidc', undefined, { authorization: '' })).toEqual({ status: 200, body: { enabled: false } });
  });

  it('is the only SSO route when single sign-on is off; with it on, all three are public and named', async () => {
    expect((await api.call('GET', LOGIN, undefined, { authorization: '' })).status).toBe(404);
    const document = await (await fetch(`${vigil.base}/api/openapi.json`)).json();
    const operations = ['/api/v1/auth/oidc', LOGIN, CALLBACK].map((path) => document.paths[path]?.get);
    expect(operations.map((o) => [o?.operationId, o?.security])).toEqual([
      ['getSingleSignOn', []],
      ['startSingleSignOn', []],
      ['finishSingleSignOn', []],
    ]);
  });
});
