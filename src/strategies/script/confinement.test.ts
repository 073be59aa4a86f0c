import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { bubblewrapMissing } from '../../../test/targets/services.ts';
import { buildStrategyRegistry } from '../registry.ts';
import { missingRequirement } from '../system-command.ts';
import { confinementStatus, describeConfinement, type ScriptConfinement } from './confinement.ts';
import { createScriptStrategy } from './index.ts';

// Outside /tmp, which a confined script sees as a fresh empty directory anyway: here only the
// hiding itself keeps these files from the script.
const root = mkdtempSync('/var/tmp/vigil-confinement-');
const dataDir = join(root, 'data');
const keyFile = join(dataDir, 'secret.key');
/** A key file outside any hidden directory, hidden on its own. */
const looseKeyFile = join(root, 'etc', 'secret.key');
const workDir = join(root, 'work');
const KEY = 'c2VjcmV0LWtleS1vZi10aGlzLXRlc3Q=';

const scriptRunner = (confinement: ScriptConfinement) => {
  const registry = buildStrategyRegistry([createScriptStrategy(confinement)]);
  return (config: Record<string, unknown>) => checkOnce({ strategy: 'script', config }, { registry });
};
const required: ScriptConfinement = { mode: 'required', bwrapPath: 'bwrap', hiddenPaths: [dataDir, looseKeyFile] };
const confined = scriptRunner(required);
const unconfined = scriptRunner({ ...required, mode: 'off' });
const output = (result: Awaited<ReturnType<typeof confined>>) => `${String(fieldsOf(result).stdout)}${String(fieldsOf(result).stderr)}`;

const missing = await bubblewrapMissing();

beforeAll(() => {
  mkdirSync(dataDir);
  mkdirSync(join(root, 'etc'));
  mkdirSync(workDir);
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  writeFileSync(looseKeyFile, `${KEY}\n`, { mode: 0o600 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(missing)('a confined script (bubblewrap)', () => {
  let listener: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    listener = createServer((socket) => {
      connections += 1;
      socket.end();
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(() => listener.close());
  beforeEach(() => {
    connections = 0;
  });
  const connect = (network?: boolean) => ({
    command: process.execPath,
    args: ['-e', `require('net').connect(${port}, '127.0.0.1').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(3); })`],
    ...(network === undefined ? {} : { network }),
  });

  it('cannot read the key file in Vigil\'s data directory, which it sees empty', async () => {
    const script = { command: `ls -A ${dataDir}; cat ${keyFile}` };
    const result = await confined(script);
    expect(result.status).toBe('unhealthy');
    expect(fieldsOf(result).stdout).toBe('');
    expect(output(result)).not.toContain(KEY);
    // The file is there for anyone else: the confinement is what keeps it from the script.
    expect(output(await unconfined(script))).toContain(KEY);
  });

  it('cannot read a hidden key file that lies outside the data directory', async () => {
    const script = { command: `cat ${looseKeyFile}` };
    const result = await confined(script);
    expect(result.status).toBe('unhealthy');
    expect(fieldsOf(result).stderr).toBe(`cat: ${looseKeyFile}: Permission denied\n`);
    expect(output(result)).not.toContain(KEY);
    expect(output(await unconfined(script))).toContain(KEY);
  });

  it('cannot read the environment of Vigil\'s processes through /proc', async () => {
    const vigil: ChildProcess = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, VIGIL_SECRET_KEY: KEY }, stdio: 'ignore' });
    try {
      const script = { command: `tr '\\0' '\\n' < /proc/${vigil.pid}/environ` };
      const result = await confined(script);
      // Its own process namespace has no such process (or, by chance, another one without the key).
      expect(fieldsOf(result).exitCode).toEqual(expect.any(Number));
      expect(output(result)).not.toContain(KEY);
      expect(output(await unconfined(script))).toContain(KEY);
    } finally {
      vigil.kill();
    }
  });

  it('cannot open a TCP connection when its configuration does not allow the network', async () => {
    const result = await confined(connect());
    expect(result.status).toBe('unhealthy');
    expect(fieldsOf(result).stdout).not.toContain('connected');
    await sleep(200);
    expect(connections).toBe(0);
  });

  it('connects when its configuration allows the network', async () => {
    const result = await confined(connect(true));
    expect(result.message).toMatch(/^Completed in/);
    expect(fieldsOf(result).stdout).toBe('connected\n');
    await vi.waitFor(() => expect(connections).toBe(1));
  });

  it('cannot write outside its working directory', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'vigil-confinement-'));
    try {
      const result = await confined({ command: `echo x > ${root}/outside; echo x > ../sibling; echo x > ${elsewhere}/outside`, workingDirectory: workDir });
      expect(fieldsOf(result).stderr).toContain('Read-only file system');
      for (const path of [join(root, 'outside'), join(root, 'sibling'), join(elsewhere, 'outside')]) expect(existsSync(path), path).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('writes in its own working directory, configured or fresh', async () => {
    const configured = await confined({ command: 'echo made > made-here', workingDirectory: workDir });
    expect(configured.message).toMatch(/^Completed in/);
    expect(existsSync(join(workDir, 'made-here'))).toBe(true);
    const fresh = await confined({ command: 'pwd; touch made-here && echo ok' });
    expect(fieldsOf(fresh).stdout).toMatch(/vigil-script-.*\nok\n$/);
  });

  it('is killed at the run timeout, children included', async () => {
    const result = await confined({ command: '(sleep 1; touch late) & sleep 5; wait', workingDirectory: workDir, timeout: 300 });
    expect(result.message).toBe('Execution timeout after 300ms');
    await sleep(1500);
    expect(existsSync(join(workDir, 'late'))).toBe(false);
  });

  it('says at start that confinement is active, with the bubblewrap version', async () => {
    const status = await confinementStatus(required);
    expect(status.active).toBe(true);
    expect(status.line).toMatch(/^script confinement: active \(bubblewrap \d+\.\d+[\d.]*; no network unless a check allows it\)$/);
  });
});

describe('without bubblewrap', () => {
  const absent: ScriptConfinement = { mode: 'required', bwrapPath: '/nonexistent/bwrap', hiddenPaths: [dataDir] };

  it('refuses to run a script unconfined when confinement is required, saying how to install it', async () => {
    const result = await scriptRunner(absent)({ command: 'echo ran' });
    expect(result.status).toBe('unhealthy');
    expect(result.message).toBe(
      'Check failed: Scripts must run confined (VIGIL_SCRIPT_CONFINE=required) and bubblewrap cannot run here: "/nonexistent/bwrap" was not found. Install it: apt-get install bubblewrap',
    );
    expect(fieldsOf(result).stdout).toBeUndefined();
    // `vigil check` takes that as a setup error (exit 64), like a missing ping.
    expect(missingRequirement(createScriptStrategy(absent))).toBe('The "/nonexistent/bwrap" command is not installed (apt-get install bubblewrap)');
  });

  it('runs the script as it is in auto mode', async () => {
    const result = await scriptRunner({ ...absent, mode: 'auto' })({ command: 'echo ran' });
    expect(fieldsOf(result).stdout).toBe('ran\n');
    expect(missingRequirement(createScriptStrategy({ ...absent, mode: 'auto' }))).toBeUndefined();
  });

  it('says at start that confinement is not active', async () => {
    expect(await confinementStatus({ ...absent, mode: 'auto' })).toEqual({
      active: false,
      line: 'script confinement: NOT active — install bubblewrap (apt-get install bubblewrap) to confine scripts ("/nonexistent/bwrap" was not found)',
    });
  });
});

describe('describeConfinement', () => {
  const rows: { name: string; mode: ScriptConfinement['mode']; probe: Parameters<typeof describeConfinement>[1]; active: boolean; line: string }[] = [
    {
      name: 'bubblewrap works',
      mode: 'auto',
      probe: { works: true, version: '0.8.0' },
      active: true,
      line: 'script confinement: active (bubblewrap 0.8.0; no network unless a check allows it)',
    },
    {
      name: 'bubblewrap missing, auto: scripts run as they are',
      mode: 'auto',
      probe: { works: false, reason: '"bwrap" was not found' },
      active: false,
      line: 'script confinement: NOT active — install bubblewrap (apt-get install bubblewrap) to confine scripts ("bwrap" was not found)',
    },
    {
      name: 'bubblewrap refused, required: scripts do not run',
      mode: 'required',
      probe: { works: false, reason: '"bwrap" failed: bwrap: No permissions to create new namespace' },
      active: false,
      line: 'script confinement: NOT active, so scripts will not run (VIGIL_SCRIPT_CONFINE=required) — "bwrap" failed: bwrap: No permissions to create new namespace; install bubblewrap (apt-get install bubblewrap)',
    },
    {
      name: 'turned off by the setting',
      mode: 'off',
      probe: undefined,
      active: false,
      line: 'script confinement: off (VIGIL_SCRIPT_CONFINE=off): scripts run with all of Vigil\'s own access',
    },
  ];
  for (const row of rows) it(row.name, () => expect(describeConfinement(row.mode, row.probe)).toEqual({ active: row.active, line: row.line }));
});
