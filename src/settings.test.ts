import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError, loadSettings } from './settings.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadSettings', () => {
  const rows: { name: string; flags?: Parameters<typeof loadSettings>[0]; env: NodeJS.ProcessEnv; expected: Partial<ReturnType<typeof loadSettings>> }[] = [
    { name: 'defaults: everything in one process on 127.0.0.1:8080, ./data', env: {}, expected: { role: 'all', host: '127.0.0.1', port: 8080, dataDir: resolve('data'), databaseUrl: undefined } },
    { name: 'environment variables', env: { PORT: '9090', VIGIL_DATA_DIR: '/var/lib/vigil', DATABASE_URL: 'postgres://db/vigil', VIGIL_SECRET_KEY: KEY }, expected: { port: 9090, dataDir: '/var/lib/vigil', databaseUrl: 'postgres://db/vigil', secretKey: KEY } },
    { name: 'a hex secret key', env: { VIGIL_SECRET_KEY: 'ab'.repeat(32) }, expected: { secretKey: 'ab'.repeat(32) } },
    { name: 'flags win over the environment', flags: { port: '7070', dataDir: '/srv/v' }, env: { PORT: '9090', VIGIL_DATA_DIR: '/var/lib/vigil' }, expected: { port: 7070, dataDir: '/srv/v' } },
    { name: 'an empty DATABASE_URL means the embedded server', env: { DATABASE_URL: '' }, expected: { databaseUrl: undefined } },
    { name: 'worker concurrency, body limit and log settings from the environment', env: { VIGIL_WORKER_CONCURRENCY: '64', VIGIL_MAX_BODY_BYTES: '4096', LOG_LEVEL: 'debug', VIGIL_LOG_FORMAT: 'json' }, expected: { workerConcurrency: 64, maxBodyBytes: 4096, logLevel: 'debug', logFormat: 'json' } },
    { name: 'defaults: 500 checks at once, 1 MiB bodies, info', env: {}, expected: { workerConcurrency: 500, maxBodyBytes: 1_048_576, logLevel: 'info' } },
    { name: 'defaults: scripts confined when bubblewrap works, bwrap found on PATH', env: {}, expected: { scriptConfine: 'auto', bwrapPath: 'bwrap' } },
    { name: 'script confinement from the environment', env: { VIGIL_SCRIPT_CONFINE: 'required', VIGIL_BWRAP_PATH: '/opt/bin/bwrap' }, expected: { scriptConfine: 'required', bwrapPath: '/opt/bin/bwrap' } },
    { name: 'defaults: grouping 10 s, no muting, no reminders, no mail for users', env: {}, expected: { notificationGroupSeconds: 10, suppressDeEscalations: false, renotifyMinutes: undefined, smtpUrl: undefined } },
    {
      name: 'notification defaults from the environment',
      env: { VIGIL_NOTIFICATION_GROUP_SECONDS: '0', VIGIL_SUPPRESS_DE_ESCALATIONS: 'true', VIGIL_RENOTIFY_MINUTES: '60', VIGIL_SMTP_URL: 'smtps://vigil:pw@mail.example.com', VIGIL_SMTP_FROM: 'vigil@example.com' },
      expected: { notificationGroupSeconds: 0, suppressDeEscalations: true, renotifyMinutes: 60, smtpUrl: 'smtps://vigil:pw@mail.example.com', smtpFrom: 'vigil@example.com' },
    },
    { name: 'a split role with both services', flags: { role: 'worker' }, env: { DATABASE_URL: 'postgres://db/v', REDIS_URL: 'redis://r:6379', VIGIL_SECRET_KEY: KEY }, expected: { role: 'worker', redisUrl: 'redis://r:6379', redisPrefix: 'vigil' } },
  ];
  for (const row of rows) it(row.name, () => expect(loadSettings(row.flags, row.env)).toMatchObject(row.expected));

  const errors: { name: string; flags?: Parameters<typeof loadSettings>[0]; env: NodeJS.ProcessEnv; field: string }[] = [
    { name: 'a port that is not a number', flags: { port: 'eighty' }, env: {}, field: '--port / PORT' },
    { name: 'a port out of range', env: { PORT: '70000' }, field: '--port / PORT' },
    { name: 'a database URL of another kind', env: { DATABASE_URL: 'mysql://db' }, field: 'DATABASE_URL' },
    { name: 'a split role without Redis', flags: { role: 'worker' }, env: { DATABASE_URL: 'postgres://db/v', VIGIL_SECRET_KEY: KEY }, field: '--role' },
    { name: 'DATABASE_URL without a secret key', env: { DATABASE_URL: 'postgres://db/v' }, field: 'VIGIL_SECRET_KEY' },
    { name: 'a secret key that is not 32 bytes', env: { VIGIL_SECRET_KEY: 'c2hvcnQ=' }, field: 'VIGIL_SECRET_KEY' },
    { name: 'a worker concurrency that is not a number', env: { VIGIL_WORKER_CONCURRENCY: 'lots' }, field: 'VIGIL_WORKER_CONCURRENCY' },
    { name: 'a zero worker concurrency', env: { VIGIL_WORKER_CONCURRENCY: '0' }, field: 'VIGIL_WORKER_CONCURRENCY' },
    { name: 'a negative grouping window', env: { VIGIL_NOTIFICATION_GROUP_SECONDS: '-1' }, field: 'VIGIL_NOTIFICATION_GROUP_SECONDS' },
    { name: 'reminders of zero minutes', env: { VIGIL_RENOTIFY_MINUTES: '0' }, field: 'VIGIL_RENOTIFY_MINUTES' },
    { name: 'a mail server URL of another kind', env: { VIGIL_SMTP_URL: 'http://mail.example.com' }, field: 'VIGIL_SMTP_URL' },
    { name: 'a sender that is not an address', env: { VIGIL_SMTP_FROM: 'vigil' }, field: 'VIGIL_SMTP_FROM' },
    { name: 'an unknown log level', env: { LOG_LEVEL: 'loud' }, field: 'LOG_LEVEL' },
    { name: 'a tiny body limit', env: { VIGIL_MAX_BODY_BYTES: '10' }, field: 'VIGIL_MAX_BODY_BYTES' },
    { name: 'an unknown script confinement', env: { VIGIL_SCRIPT_CONFINE: 'yes' }, field: 'VIGIL_SCRIPT_CONFINE' },
    { name: 'a split role on the embedded database', flags: { role: 'api' }, env: { REDIS_URL: 'redis://r' }, field: '--role' },
  ];
  for (const row of errors) {
    it(`rejects ${row.name}, naming ${row.field}`, () => {
      try {
        loadSettings(row.flags, row.env);
        expect.unreachable('loadSettings accepted it');
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        expect((error as SettingsError).problems.map((p) => p.field)).toContain(row.field);
      }
    });
  }
});

describe('the secret key settings', () => {
  it('tells how to make a key when DATABASE_URL has none', () => {
    expect(() => loadSettings({}, { DATABASE_URL: 'postgres://db/v' })).toThrow(/VIGIL_SECRET_KEY: is required with DATABASE_URL.*openssl rand -base64 32/);
  });
  it('never repeats a malformed key in its error', () => {
    expect(() => loadSettings({}, { VIGIL_SECRET_KEY: 'not-a-key-but-maybe-a-password' })).toThrow(/^(?!.*not-a-key-but).*VIGIL_SECRET_KEY must be 32 bytes/);
  });
});

describe('the single sign-on settings', () => {
  const sso = { VIGIL_OIDC_ISSUER: 'https://sso.example.com/realms/main', VIGIL_OIDC_CLIENT_ID: 'vigil', VIGIL_OIDC_CLIENT_SECRET: 'client-secret-value' };

  it('leave SSO off by default, with the documented defaults', () => {
    expect(loadSettings({}, {})).toMatchObject({
      oidcIssuer: undefined,
      publicUrl: undefined,
      oidcScopes: ['openid', 'email', 'profile'],
      oidcRoleClaim: 'groups',
      oidcRoleMap: [],
      oidcDefaultRole: null,
      oidcAutoCreate: true,
    });
  });

  const rows: { name: string; env: NodeJS.ProcessEnv; expected: Partial<ReturnType<typeof loadSettings>> }[] = [
    { name: 'an issuer with its client', env: sso, expected: { oidcIssuer: 'https://sso.example.com/realms/main', oidcClientId: 'vigil', oidcClientSecret: 'client-secret-value' } },
    {
      name: 'a role map, highest first or not, with spaces and a value holding =',
      env: { ...sso, VIGIL_OIDC_ROLE_MAP: ' everyone=viewer, vigil-admins=admin ,team=ops=editor' },
      expected: { oidcRoleMap: [{ value: 'everyone', role: 'viewer' }, { value: 'vigil-admins', role: 'admin' }, { value: 'team=ops', role: 'editor' }] },
    },
    { name: 'a default role, scopes and a nested role claim', env: { ...sso, VIGIL_OIDC_DEFAULT_ROLE: 'viewer', VIGIL_OIDC_SCOPES: 'openid email groups', VIGIL_OIDC_ROLE_CLAIM: 'realm_access.roles' }, expected: { oidcDefaultRole: 'viewer', oidcScopes: ['openid', 'email', 'groups'], oidcRoleClaim: 'realm_access.roles' } },
    { name: 'auto-create turned off', env: { ...sso, VIGIL_OIDC_AUTO_CREATE: 'false' }, expected: { oidcAutoCreate: false } },
    { name: 'a plain-http issuer on this machine (a local provider)', env: { ...sso, VIGIL_OIDC_ISSUER: 'http://127.0.0.1:9000' }, expected: { oidcIssuer: 'http://127.0.0.1:9000' } },
    { name: 'a public URL, its trailing slash dropped', env: { VIGIL_PUBLIC_URL: 'https://vigil.example.com/' }, expected: { publicUrl: 'https://vigil.example.com' } },
    { name: 'a plain-http public URL (Vigil on a private network)', env: { VIGIL_PUBLIC_URL: 'http://vigil.lan:8080' }, expected: { publicUrl: 'http://vigil.lan:8080' } },
  ];
  for (const row of rows) it(`reads ${row.name}`, () => expect(loadSettings({}, row.env)).toMatchObject(row.expected));

  const errors: { name: string; env: NodeJS.ProcessEnv; field: string; message: RegExp }[] = [
    { name: 'an issuer without a client id', env: { ...sso, VIGIL_OIDC_CLIENT_ID: '' }, field: 'VIGIL_OIDC_CLIENT_ID', message: /is required with VIGIL_OIDC_ISSUER/ },
    { name: 'an issuer without a client secret', env: { ...sso, VIGIL_OIDC_CLIENT_SECRET: undefined }, field: 'VIGIL_OIDC_CLIENT_SECRET', message: /is required with VIGIL_OIDC_ISSUER/ },
    { name: 'a client without an issuer', env: { ...sso, VIGIL_OIDC_ISSUER: '' }, field: 'VIGIL_OIDC_ISSUER', message: /is required with VIGIL_OIDC_CLIENT_ID/ },
    { name: 'an issuer that is not a URL', env: { ...sso, VIGIL_OIDC_ISSUER: 'sso.example.com' }, field: 'VIGIL_OIDC_ISSUER', message: /expected the OpenID provider's issuer URL/ },
    { name: 'a plain-http issuer elsewhere', env: { ...sso, VIGIL_OIDC_ISSUER: 'http://sso.example.com' }, field: 'VIGIL_OIDC_ISSUER', message: /expected an https:\/\/ URL/ },
    { name: 'scopes without openid', env: { ...sso, VIGIL_OIDC_SCOPES: 'email profile' }, field: 'VIGIL_OIDC_SCOPES', message: /including openid/ },
    { name: 'a role map pair without a role', env: { ...sso, VIGIL_OIDC_ROLE_MAP: 'vigil-admins=admin,vigil-editors' }, field: 'VIGIL_OIDC_ROLE_MAP', message: /got "vigil-editors"/ },
    { name: 'a role map with an unknown role', env: { ...sso, VIGIL_OIDC_ROLE_MAP: 'ops=owner' }, field: 'VIGIL_OIDC_ROLE_MAP', message: /each role one of viewer, editor, admin; got "ops=owner"/ },
    { name: 'an unknown default role', env: { ...sso, VIGIL_OIDC_DEFAULT_ROLE: 'guest' }, field: 'VIGIL_OIDC_DEFAULT_ROLE', message: /viewer, editor, admin, none/ },
    { name: 'a role claim with a space', env: { ...sso, VIGIL_OIDC_ROLE_CLAIM: 'my groups' }, field: 'VIGIL_OIDC_ROLE_CLAIM', message: /expected a claim name/ },
    { name: 'auto-create that is not a boolean', env: { ...sso, VIGIL_OIDC_AUTO_CREATE: 'yes' }, field: 'VIGIL_OIDC_AUTO_CREATE', message: /expected true or false/ },
    { name: 'a public URL of another scheme', env: { VIGIL_PUBLIC_URL: 'ftp://vigil.example.com' }, field: 'VIGIL_PUBLIC_URL', message: /expected an http:\/\/ or https:\/\/ URL, got ftp:/ },
    { name: 'a public URL with a query', env: { VIGIL_PUBLIC_URL: 'https://vigil.example.com/?x=1' }, field: 'VIGIL_PUBLIC_URL', message: /without \?query/ },
  ];
  for (const row of errors) {
    it(`rejects ${row.name}, naming ${row.field}`, () => {
      try {
        loadSettings({}, row.env);
        expect.unreachable('loadSettings accepted it');
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        expect((error as SettingsError).problems).toContainEqual({ field: row.field, message: expect.stringMatching(row.message) });
      }
    });
  }

  it('never repeats the client secret in an error', () => {
    expect(() => loadSettings({}, { VIGIL_OIDC_CLIENT_SECRET: 'client-secret-value' })).toThrow(/^(?!.*client-secret-value).*VIGIL_OIDC_ISSUER/);
  });
});

describe('loadClientSettings', () => {
  it('reads VIGIL_SERVER and VIGIL_TOKEN, and keeps credentials under XDG_CONFIG_HOME or ~/.config', async () => {
    const { loadClientSettings } = await import('./settings.ts');
    expect(loadClientSettings({ VIGIL_SERVER: 'https://v.test', VIGIL_TOKEN: 'vgl_x' }, '/home/me')).toEqual({
      server: 'https://v.test',
      token: 'vgl_x',
      credentialsFile: '/home/me/.config/vigil/credentials',
    });
    expect(loadClientSettings({ XDG_CONFIG_HOME: '/cfg', VIGIL_SERVER: '' }, '/home/me')).toEqual({ server: undefined, token: undefined, credentialsFile: '/cfg/vigil/credentials' });
  });
});
