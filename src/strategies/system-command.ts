import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { AnyStrategy, SystemCommand } from './types.ts';

/**
 * Programs a strategy runs (SPEC §1: ping through the system `ping`): found the way `execFile`
 * finds them, so "missing" here means a run would fail with ENOENT.
 */

/** Where `command` would run from: itself when it is a path, else the first executable on PATH. */
export function findCommand(command: string, path: string = process.env.PATH ?? ''): string | undefined {
  const candidates = command.includes('/') ? [command] : path.split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, command));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function missingCommandMessage(requirement: SystemCommand): string {
  return `The "${requirement.command}" command is not installed (${requirement.install})`;
}

/** Why this machine cannot run the strategy (a program it needs is missing), or undefined. */
export function missingRequirement(strategy: Pick<AnyStrategy, 'requires'>): string | undefined {
  if (strategy.requires === undefined || findCommand(strategy.requires.command) !== undefined) return undefined;
  return missingCommandMessage(strategy.requires);
}
