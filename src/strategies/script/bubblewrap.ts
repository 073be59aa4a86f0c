import { execFile } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import type { HiddenPath } from './confine.ts';

/**
 * The machine side of confinement: whether bubblewrap runs here, and what the paths to hide are
 * on disk. Present is not enough: without user namespaces (or the privilege to make them) `bwrap`
 * is installed and still refuses, so it is tried once, with the namespaces a run asks for.
 */

export const BUBBLEWRAP_INSTALL = 'apt-get install bubblewrap';

export type BubblewrapProbe = { works: true; version: string } | { works: false; reason: string };

const PROBE_TIMEOUT_MS = 5_000;
const probes = new Map<string, Promise<BubblewrapProbe>>();

/** Asked once per path for the life of the process: the answer is a fact about the machine. */
export function probeBubblewrap(bwrapPath: string): Promise<BubblewrapProbe> {
  let probe = probes.get(bwrapPath);
  if (probe === undefined) {
    probe = tryBubblewrap(bwrapPath);
    probes.set(bwrapPath, probe);
  }
  return probe;
}

async function tryBubblewrap(bwrapPath: string): Promise<BubblewrapProbe> {
  const trial = await execute(bwrapPath, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-net', '--unshare-pid', '--unshare-ipc', '--', 'true']);
  if (!trial.ok) return { works: false, reason: trial.reason };
  const version = await execute(bwrapPath, ['--version']);
  return { works: true, version: (version.ok && /\d+(?:\.\d+)+/.exec(version.stdout)?.[0]) || 'unknown version' };
}

function execute(file: string, args: string[]): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: PROBE_TIMEOUT_MS, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error, stdout, stderr) => {
      if (!error) resolve({ ok: true, stdout });
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve({ ok: false, reason: `"${file}" was not found` });
      else resolve({ ok: false, reason: `"${file}" failed: ${stderr.trim() || error.message}` });
    });
  });
}

/**
 * The paths to hide as they are on disk: through symlinks (a mount over a link would miss its
 * target), each a directory or a file; a path that does not exist has nothing to hide.
 */
export async function hiddenOnDisk(paths: string[]): Promise<HiddenPath[]> {
  const found = await Promise.all(
    paths.map(async (path): Promise<HiddenPath | undefined> => {
      try {
        const real = await realpath(path);
        return { path: real, directory: (await stat(real)).isDirectory() };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    }),
  );
  return found.filter((entry) => entry !== undefined);
}
