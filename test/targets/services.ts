import { connect } from 'node:net';
import { probeBubblewrap } from '../../src/strategies/script/bubblewrap.ts';
import { createScriptStrategy } from '../../src/strategies/script/index.ts';
import { missingRequirement } from '../../src/strategies/system-command.ts';
import type { AnyStrategy } from '../../src/strategies/types.ts';

/**
 * Whether a local service (PostgreSQL, MariaDB, Redis) answers, for
 * `describe.skipIf`. On CI (`CI=true`) nothing is skipped: a missing
 * service must fail the run loudly, not hide the tests.
 */
export async function serviceMissing(name: string, host: string, port: number): Promise<boolean> {
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (reachable || process.env.CI === 'true') return false;
  console.warn(`Skipping ${name} tests: nothing listens on ${host}:${port} (set CI=true to make this a failure)`);
  return true;
}

/**
 * Whether a program the strategy runs (its `requires`, e.g. `ping`) is missing here, for
 * `describe.skipIf`: a missing tool is treated like a missing service, so never skipped on CI.
 */
export function commandMissing(strategy: AnyStrategy): boolean {
  const missing = missingRequirement(strategy);
  if (missing === undefined || process.env.CI === 'true') return false;
  console.warn(`Skipping ${strategy.id} tests: ${missing}; set CI=true to make this a failure`);
  return true;
}

/**
 * Whether scripts cannot be confined here, for `describe.skipIf`: `bwrap` is missing (said as
 * `commandMissing` says it) or installed and refusing (no user namespaces, say). Never on CI.
 */
export async function bubblewrapMissing(): Promise<boolean> {
  if (commandMissing(createScriptStrategy({ mode: 'required', bwrapPath: 'bwrap', hiddenPaths: [] }))) return true;
  const probe = await probeBubblewrap('bwrap');
  if (probe.works || process.env.CI === 'true') return false;
  console.warn(`Skipping script confinement tests: ${probe.reason} (apt-get install bubblewrap); set CI=true to make this a failure`);
  return true;
}
