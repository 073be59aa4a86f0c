import { isAbsolute, relative } from 'node:path';

/**
 * The bubblewrap (`bwrap`) command line that confines one script run (SPEC §7.6): the whole file
 * system read-only, a private /tmp, /dev and /proc, its own working directory the one place it
 * writes, Vigil's own files hidden, no network unless the configuration allows it, and no view of
 * Vigil's processes (their /proc/<pid>/environ would show Vigil's keys). Pure, so every rule is a
 * row of a table test.
 */

/** A path the script must not read; a directory is replaced by an empty one, a file by /dev/null. */
export interface HiddenPath {
  path: string;
  directory: boolean;
}

export interface ConfinedRun {
  /** Absolute; the only directory the script can write to, and where it starts. */
  workDir: string;
  hidden: HiddenPath[];
  allowNetwork: boolean;
  file: string;
  args: string[];
}

export type BwrapArguments = { ok: true; args: string[] } | { ok: false; reason: string };

export function bwrapArguments(run: ConfinedRun): BwrapArguments {
  if (!isAbsolute(run.workDir)) return { ok: false, reason: `The working directory must be an absolute path when scripts are confined, got "${run.workDir}"` };
  const hidden = outermost(run.hidden);
  const covering = hidden.find((entry) => entry.directory && within(run.workDir, entry.path));
  if (covering !== undefined) {
    return { ok: false, reason: `The working directory ${run.workDir} is inside ${covering.path}, which scripts may not see` };
  }
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--bind', run.workDir, run.workDir];
  // After the working directory's bind, so a working directory that holds Vigil's files still hides them.
  for (const entry of hidden) {
    args.push(...(entry.directory ? ['--tmpfs', entry.path] : ['--ro-bind', '/dev/null', entry.path]));
  }
  args.push(
    run.allowNetwork ? '--share-net' : '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    // Vigil dying takes its scripts with it; a new session keeps them off Vigil's terminal.
    '--die-with-parent',
    '--new-session',
    '--chdir',
    run.workDir,
    '--',
    run.file,
    ...run.args,
  );
  return { ok: true, args };
}

/** Paths inside a hidden directory are hidden with it; mounting over them again would fail or do nothing. */
function outermost(hidden: HiddenPath[]): HiddenPath[] {
  const unique = hidden.filter((entry, index) => hidden.findIndex((other) => other.path === entry.path) === index);
  return unique.filter((entry) => !unique.some((other) => other !== entry && other.directory && within(entry.path, other.path)));
}

function within(path: string, directory: string): boolean {
  const rest = relative(directory, path);
  return rest === '' || (rest !== '..' && !rest.startsWith('../') && !isAbsolute(rest));
}
