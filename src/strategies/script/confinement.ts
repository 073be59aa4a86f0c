import { realpath } from 'node:fs/promises';
import { BUBBLEWRAP_INSTALL, hiddenOnDisk, probeBubblewrap, type BubblewrapProbe } from './bubblewrap.ts';
import { bwrapArguments } from './confine.ts';

/**
 * How scripts are confined on this Vigil (SPEC §7.6), from the settings: `auto` confines when
 * bubblewrap works here and otherwise runs scripts as they are (and says so at start), `required`
 * refuses to run a script it cannot confine, `off` never confines.
 */
export interface ScriptConfinement {
  mode: 'auto' | 'required' | 'off';
  /** A name looked up on PATH, or a path (VIGIL_BWRAP_PATH). */
  bwrapPath: string;
  /** Vigil's own files no script may read: its data directory, the key file, the database's files. */
  hiddenPaths: string[];
}

/** What `vigil check` and the tests use: Vigil's own paths are added where the settings are known. */
export const DEFAULT_CONFINEMENT: ScriptConfinement = { mode: 'auto', bwrapPath: 'bwrap', hiddenPaths: [] };

export interface ConfinementStatus {
  active: boolean;
  /** One line for the start log. */
  line: string;
}

export async function confinementStatus(confinement: ScriptConfinement): Promise<ConfinementStatus> {
  return describeConfinement(confinement.mode, confinement.mode === 'off' ? undefined : await probeBubblewrap(confinement.bwrapPath));
}

/** Pure: the start line for a mode and what the probe found (none when `off`). */
export function describeConfinement(mode: ScriptConfinement['mode'], probe: BubblewrapProbe | undefined): ConfinementStatus {
  if (mode === 'off' || probe === undefined) {
    return { active: false, line: 'script confinement: off (VIGIL_SCRIPT_CONFINE=off): scripts run with all of Vigil\'s own access' };
  }
  if (probe.works) return { active: true, line: `script confinement: active (bubblewrap ${probe.version}; no network unless a check allows it)` };
  if (mode === 'required') {
    return { active: false, line: `script confinement: NOT active, so scripts will not run (VIGIL_SCRIPT_CONFINE=required) — ${probe.reason}; install bubblewrap (${BUBBLEWRAP_INSTALL})` };
  }
  return { active: false, line: `script confinement: NOT active — install bubblewrap (${BUBBLEWRAP_INSTALL}) to confine scripts (${probe.reason})` };
}

export interface ScriptLaunch {
  workDir: string;
  allowNetwork: boolean;
  file: string;
  args: string[];
}

/**
 * The program to spawn for a script: bwrap wrapping it when confined, the script itself when
 * not. Throws, with the reason for the run's message, when the script must not run at all.
 */
export async function launchCommand(confinement: ScriptConfinement, launch: ScriptLaunch): Promise<{ file: string; args: string[] }> {
  if (confinement.mode === 'off') return { file: launch.file, args: launch.args };
  const probe = await probeBubblewrap(confinement.bwrapPath);
  if (!probe.works) {
    if (confinement.mode === 'required') {
      throw new Error(`Scripts must run confined (VIGIL_SCRIPT_CONFINE=required) and bubblewrap cannot run here: ${probe.reason}. Install it: ${BUBBLEWRAP_INSTALL}`);
    }
    return { file: launch.file, args: launch.args };
  }
  const workDir = await realpath(launch.workDir).catch(() => {
    throw new Error(`The working directory ${launch.workDir} does not exist`);
  });
  const built = bwrapArguments({ ...launch, workDir, hidden: await hiddenOnDisk(confinement.hiddenPaths) });
  if (!built.ok) throw new Error(built.reason);
  return { file: confinement.bwrapPath, args: built.args };
}
