import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, runVigil, startVigil, type VigilProcess } from './support/vigil-process.ts';

/** `vigil login` against a real Vigil, as a person at another machine would run it. */
let vigil: VigilProcess;
let root: string;

beforeAll(async () => {
  root = mkdtempSync('/tmp/vigil-login-');
  chmodSync(root, 0o755);
  vigil = await startVigil(['--data-dir', join(root, 'data')]);
}, 60_000);
afterAll(async () => {
  await vigil.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('vigil login', () => {
  it('keeps a working API token in a private credentials file, and prints neither it nor the password', async () => {
    const config = join(root, 'config');
    const login = runVigil(['login', '--server', vigil.url, '--email', TEST_ADMIN.email, '--password-stdin'], { XDG_CONFIG_HOME: config }, { input: `${TEST_ADMIN.password}\n` });
    expect(await login.exited, login.output()).toBe(0);
    const file = join(config, 'vigil', 'credentials');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { server: string; token: string };
    expect(stored.server).toBe(vigil.url);
    expect(stored.token).toMatch(/^vgl_/);
    expect(login.output()).toContain(`Signed in to ${vigil.url} as ${TEST_ADMIN.email}`);
    expect(login.output()).not.toContain(stored.token);
    expect(login.output()).not.toContain(TEST_ADMIN.password);
    const me = await fetch(`${vigil.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${stored.token}` } });
    expect(await me.json()).toMatchObject({ via: 'token', user: { email: TEST_ADMIN.email } });
  });

  it('says the server refused a wrong password, and writes nothing', async () => {
    const config = join(root, 'refused');
    const login = runVigil(['login', '--server', vigil.url, '--email', TEST_ADMIN.email, '--password-stdin'], { XDG_CONFIG_HOME: config }, { input: 'not the password at all\n' });
    expect(await login.exited).toBe(1);
    expect(login.output()).toContain(`vigil login: ${vigil.url} refused the sign-in: Wrong email or password`);
    expect(() => statSync(join(config, 'vigil', 'credentials'))).toThrow();
  });
});
