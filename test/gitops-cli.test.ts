import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch, runVigil, startVigil, type VigilProcess } from './support/vigil-process.ts';
import { waitFor } from './support/wait.ts';

/**
 * Configuration as code as people run it (issue 22): a real `vigil start --config-dir` watching a
 * directory of the committed fixture files, and `vigil diff`, `apply` and `export` as separate
 * processes against it, with an API token, as a CI job would.
 */
let vigil: VigilProcess;
let root: string;
let directory: string;
let token: string;
const secrets = { GITOPS_TEST_API_TOKEN: 'tok-first' };

const json = async (path: string, init?: RequestInit) => (await apiFetch(vigil.url, path, init)).json();
const systemNamed = async (name: string) => ((await json(`/api/v1/systems?name=${encodeURIComponent(name)}`)) as { items: { name: string; description: string; id: string }[] }).items.find((system) => system.name === name);

beforeAll(async () => {
  root = mkdtempSync('/tmp/vigil-gitops-cli-');
  chmodSync(root, 0o755);
  directory = join(root, 'vigil.d');
  cpSync(join(import.meta.dirname, 'fixtures/gitops'), directory, { recursive: true });
  vigil = await startVigil(['--data-dir', join(root, 'data'), '--config-dir', directory], secrets);
  const created = await apiFetch(vigil.url, '/api/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json', origin: vigil.url }, body: JSON.stringify({ name: 'ci' }) });
  token = ((await created.json()) as { token: string }).token;
}, 60_000);
afterAll(async () => {
  await vigil?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; output: string }> {
  const run = runVigil(args, { VIGIL_SERVER: vigil.url, VIGIL_TOKEN: token, ...env });
  const code = await run.exited;
  return { code, output: run.output() };
}

describe('vigil start --config-dir', () => {
  it('applies the directory at start and marks what it manages', async () => {
    expect(vigil.output()).toContain('Applied the configuration directory');
    expect(await systemNamed('Payments API')).toBeDefined();
    const managed = (await json('/api/v1/managed-resources?kind=System')) as { items: { name: string; managedBy: string }[] };
    expect(managed.items.map((item) => item.name).sort()).toEqual(['ledger', 'payments-api']);
    expect(managed.items.every((item) => item.managedBy === `dir:${directory}`)).toBe(true);
  });

  it('applies again when a file changes', async () => {
    const file = join(directory, 'catalog.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('description: Books every payment', 'description: Books every payment, twice checked'));
    await waitFor(async () => (await systemNamed('ledger'))?.description === 'Books every payment, twice checked', 10_000, 'the change in catalog.yaml applied');
  });

  it('reports a broken file with its path and leaves the running configuration as it was', async () => {
    const broken = join(directory, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: vigil/v1\nkind: System\nmetadata: {name: half-written\nspec: {}\n');
    try {
      // The file's problem and the summary after it are two log lines: wait for the summary.
      await waitFor(() => vigil.output().includes('nothing applied, the running configuration is unchanged'), 10_000, 'the broken file reported');
      expect(vigil.output()).toMatch(/broken\.yaml:4:1: document 1: Flow map/);
      expect(await systemNamed('half-written')).toBeUndefined();
      expect((await systemNamed('ledger'))?.description).toBe('Books every payment, twice checked');
    } finally {
      rmSync(broken);
    }
  });
});

describe('vigil diff, apply and export', () => {
  it('diff exits 0 when the files match the server, 2 with the changes when they do not', async () => {
    const same = await cli(['diff', '-f', directory], secrets);
    expect(same.output).toContain('No changes: 14 resources as the files say.');
    expect(same.code).toBe(0);

    const changed = join(root, 'changed');
    cpSync(directory, changed, { recursive: true });
    writeFileSync(join(changed, 'checks/checks.yaml'), readFileSync(join(changed, 'checks/checks.yaml'), 'utf8').replace('intervalSeconds: 60', 'intervalSeconds: 120'));
    const drift = await cli(['diff', '-f', changed], { GITOPS_TEST_API_TOKEN: 'tok-second' });
    expect(drift.code, drift.output).toBe(2);
    expect(drift.output).toContain('~ update Healthcheck ledger-port\n    intervalSeconds: 60 → 120');
    expect(drift.output).toContain('~ update Secret API_TOKEN\n    value: (secret changed)');
    expect(drift.output).not.toContain('tok-');

    const applied = await cli(['apply', '-f', changed], secrets);
    expect(applied.code, applied.output).toBe(0);
    expect(applied.output).toMatch(/Applied: 0 created, 1 updated, 0 deleted, 13 unchanged \(audit change set [0-9a-f-]{36}\)/);
  });

  it('apply names the file, document and field of a problem and sends nothing', async () => {
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: vigil/v1\nkind: Healthcheck\nmetadata: {name: nope}\nspec:\n  strategy: http\n  intervalSeconds: 30\n  config: {url: "not a url"}\n');
    const refused = await cli(['apply', '-f', bad]);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/bad\.yaml:7:\d+: document 1 \(Healthcheck nope\): spec\.config\.url: /);
    expect(refused.output).toContain('nothing was sent');
  });

  it('export writes YAML that applies back as no change', async () => {
    const file = join(root, 'all.yaml');
    const exported = await cli(['export', '-o', file]);
    expect(exported.code, exported.output).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('kind: System');
    expect(text).toContain('valueFrom:');
    expect(text).not.toContain('tok-first');
    const again = await cli(['apply', '-f', file]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('No changes');
  });
});
