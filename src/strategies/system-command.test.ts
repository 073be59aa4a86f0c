import { describe, expect, it } from 'vitest';
import { findCommand, missingRequirement } from './system-command.ts';

describe('findCommand', () => {
  const path = ['/nonexistent', '/usr/bin', '/bin'].join(':');
  const rows: { name: string; command: string; found: boolean }[] = [
    { name: 'a name on PATH', command: 'sh', found: true },
    { name: 'a name nowhere on PATH', command: 'vigil-no-such-command', found: false },
    { name: 'an absolute path', command: process.execPath, found: true },
    { name: 'a path that does not exist', command: '/nonexistent/ping', found: false },
    { name: 'a directory is not a command', command: '/usr/bin', found: false },
  ];
  for (const row of rows) it(row.name, () => expect(findCommand(row.command, path) !== undefined).toBe(row.found));
});

describe('missingRequirement', () => {
  it('says how to install a missing command', () => {
    expect(missingRequirement({ requires: { command: 'vigil-no-such-command', install: 'apt-get install vigil-tools' } })).toBe(
      'The "vigil-no-such-command" command is not installed (apt-get install vigil-tools)',
    );
  });
  it('has nothing to say about a strategy that needs no program, or whose program is there', () => {
    expect(missingRequirement({})).toBeUndefined();
    expect(missingRequirement({ requires: { command: process.execPath, install: 'x' } })).toBeUndefined();
  });
});
