import { describe, expect, it } from 'vitest';
import { bwrapArguments, type ConfinedRun } from './confine.ts';

const base: ConfinedRun = { workDir: '/tmp/vigil-script-1', hidden: [], allowNetwork: false, file: '/bin/sh', args: ['-c', 'echo hi'] };

const FILE_SYSTEM = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--bind', '/tmp/vigil-script-1', '/tmp/vigil-script-1'];
const ISOLATION = ['--unshare-pid', '--unshare-ipc', '--die-with-parent', '--new-session', '--chdir', '/tmp/vigil-script-1', '--', '/bin/sh', '-c', 'echo hi'];

describe('bwrapArguments', () => {
  const rows: { name: string; run: Partial<ConfinedRun>; expected: string[] }[] = [
    {
      name: 'read-only everywhere but its own directory, no network, its own processes',
      run: {},
      expected: [...FILE_SYSTEM, '--unshare-net', ...ISOLATION],
    },
    {
      name: 'a configuration that allows the network keeps the host network',
      run: { allowNetwork: true },
      expected: [...FILE_SYSTEM, '--share-net', ...ISOLATION],
    },
    {
      name: 'a hidden directory becomes an empty one, a hidden file reads as /dev/null',
      run: { hidden: [{ path: '/var/lib/vigil', directory: true }, { path: '/etc/vigil/secret.key', directory: false }] },
      expected: [...FILE_SYSTEM, '--tmpfs', '/var/lib/vigil', '--ro-bind', '/dev/null', '/etc/vigil/secret.key', '--unshare-net', ...ISOLATION],
    },
    {
      name: 'what lies inside a hidden directory is hidden with it, once',
      run: {
        hidden: [
          { path: '/var/lib/vigil/secret.key', directory: false },
          { path: '/var/lib/vigil', directory: true },
          { path: '/var/lib/vigil/pg', directory: true },
          { path: '/var/lib/vigil', directory: true },
        ],
      },
      expected: [...FILE_SYSTEM, '--tmpfs', '/var/lib/vigil', '--unshare-net', ...ISOLATION],
    },
    {
      name: 'a sibling whose name starts like a hidden directory stays visible',
      run: { hidden: [{ path: '/var/lib/vigil', directory: true }, { path: '/var/lib/vigil-backup', directory: true }] },
      expected: [...FILE_SYSTEM, '--tmpfs', '/var/lib/vigil', '--tmpfs', '/var/lib/vigil-backup', '--unshare-net', ...ISOLATION],
    },
    {
      name: 'a working directory that holds Vigil\'s files still does not show them (hidden after the bind)',
      run: { workDir: '/srv', hidden: [{ path: '/srv/vigil', directory: true }] },
      expected: [
        ...['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--bind', '/srv', '/srv', '--tmpfs', '/srv/vigil', '--unshare-net'],
        ...['--unshare-pid', '--unshare-ipc', '--die-with-parent', '--new-session', '--chdir', '/srv', '--', '/bin/sh', '-c', 'echo hi'],
      ],
    },
    {
      name: 'a command that looks like an option is still the command',
      run: { file: '--help', args: [] },
      expected: [...FILE_SYSTEM, '--unshare-net', ...ISOLATION.slice(0, -3), '--help'],
    },
  ];
  for (const row of rows) it(row.name, () => expect(bwrapArguments({ ...base, ...row.run })).toEqual({ ok: true, args: row.expected }));

  const refusals: { name: string; run: Partial<ConfinedRun>; reason: RegExp }[] = [
    { name: 'a working directory inside a hidden directory', run: { workDir: '/var/lib/vigil/work', hidden: [{ path: '/var/lib/vigil', directory: true }] }, reason: /inside \/var\/lib\/vigil, which scripts may not see/ },
    { name: 'the hidden directory itself as working directory', run: { workDir: '/var/lib/vigil', hidden: [{ path: '/var/lib/vigil', directory: true }] }, reason: /inside \/var\/lib\/vigil/ },
    { name: 'a relative working directory', run: { workDir: 'work' }, reason: /must be an absolute path/ },
  ];
  for (const row of refusals) {
    it(`refuses ${row.name}`, () => {
      const built = bwrapArguments({ ...base, ...row.run });
      expect(built.ok).toBe(false);
      if (!built.ok) expect(built.reason).toMatch(row.reason);
    });
  }
});
