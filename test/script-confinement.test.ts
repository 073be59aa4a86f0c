import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bubblewrapMissing } from './targets/services.ts';
import { apiFetch, startVigil, type VigilProcess } from './support/vigil-process.ts';

/**
 * `vigil start` as a user runs it: the settings reach the script strategy, the start log says
 * scripts are confined, and a scheduled script cannot read the key file Vigil generated into its
 * own data directory.
 */

const missing = await bubblewrapMissing();

describe.skipIf(missing)('scripts under vigil start', () => {
  let root: string;
  let dataDir: string;
  let vigil: VigilProcess | undefined;
  beforeAll(() => {
    // Outside /tmp, which confined scripts see as a fresh empty directory anyway: only the setting
    // that hides the data directory keeps the key from the script.
    root = mkdtempSync('/var/tmp/vigil-confined-start-');
    chmodSync(root, 0o755); // the embedded PostgreSQL runs as the postgres user when Vigil is root
    dataDir = join(root, 'data');
  });
  afterAll(async () => {
    await vigil?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('are confined, and cannot read the key in the data directory', async () => {
    vigil = await startVigil(['--data-dir', dataDir], { VIGIL_SCRIPT_CONFINE: 'required', VIGIL_LOG_FORMAT: 'json' });
    expect(vigil.output()).toMatch(/script confinement: active \(bubblewrap \d[\d.]*; no network unless a check allows it\)/);
    const key = readFileSync(join(dataDir, 'secret.key'), 'utf8').trim();

    const post = async (path: string, body: unknown) => {
      const response = await apiFetch(vigil!.url, `/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return (await response.json()) as { id: string; items: { status: string; message: string; result: unknown }[] };
    };
    const system = await post('/systems', { name: 'vigil-host' });
    const configuration = await post('/configurations', {
      name: 'read-the-key',
      strategy: 'script',
      intervalSeconds: 3600,
      config: { command: `ls -A ${dataDir}; cat ${join(dataDir, 'secret.key')}` },
    });
    const assignment = await post('/assignments', { systemId: system.id, configurationId: configuration.id });
    const [run] = (await post(`/assignments/${assignment.id}/run`, {})).items;
    expect(run?.status).toBe('unhealthy');
    expect(run?.message).toBe('Check failed: Shell script exited with code 1');
    expect(JSON.stringify(run?.result)).toContain('No such file or directory');
    expect(JSON.stringify(run?.result)).not.toContain(key);
  });
});
