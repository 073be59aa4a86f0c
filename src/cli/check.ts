import type { Command, CommanderError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../assertions/duration.ts';
import { planDefinition } from '../definitions/plan.ts';
import { executeRun } from '../engine/execute-run.ts';
import { buildStrategyRegistry, createStrategies, listStrategies, type StrategyRegistry } from '../strategies/registry.ts';
import { DEFAULT_CONFINEMENT } from '../strategies/script/confinement.ts';
import { SettingsError, scriptConfinementFromEnv } from '../settings.ts';
import { missingRequirement } from '../strategies/system-command.ts';
import { formatCheckResult } from './check-output.ts';

/**
 * `vigil check <strategy> <target>`: run one check once, like curl for
 * health. Exit 0 healthy, 1 degraded, 2 unhealthy, 64 for a usage or config
 * mistake or a machine that cannot run the check (a program it needs is
 * missing), so scripts and CI can branch on the verdict; 2 always means the target.
 */

export const EXIT_CODES = { healthy: 0, degraded: 1, unhealthy: 2, usage: 64 } as const;

export interface CheckIo {
  out(text: string): void;
  err(text: string): void;
  exit(code: number): void;
}

const processIo: CheckIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

interface CheckFlags {
  set: string[];
  assert: string[];
  collector: string[];
  timeout?: string;
  json?: boolean;
}

/** The check cannot be run as asked (the command line, or this machine): exit 64, not a verdict. */
class UsageError extends Error {}

export function registerCheckCommand(program: Command, io: CheckIo = processIo): Command {
  const strategyIds = () => listStrategies().map((strategy) => strategy.id);
  const collect = (value: string, previous: string[]) => [...previous, value];
  return program
    .command('check')
    .description('run one check once and print the verdict (exit 0 healthy, 1 degraded, 2 unhealthy, 64 usage or setup error)')
    .argument('<strategy>', `how to reach the target: ${strategyIds().join(', ')}`)
    .argument('<target>', 'what to check: a URL, host:port, name, connection URL, user@host or command')
    .option('--set <key=value>', 'set a config field, e.g. method=POST, headers.accept=application/json (repeatable)', collect, [])
    .option('--assert <expression>', 'e.g. "statusCode == 200", "latencyMs < 500ms (degraded)" (repeatable)', collect, [])
    .option('--collector <id>', 'also run this collector of the strategy (repeatable)', collect, [])
    .option('--timeout <duration>', 'hard timeout for the whole check, e.g. 5s (default 30s)')
    .option('--json', 'print the full result document as JSON')
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .exitOverride((error: CommanderError) => {
      io.exit(error.exitCode === 0 ? 0 : EXIT_CODES.usage);
      throw error;
    })
    .action(async (strategyId: string, target: string, flags: CheckFlags) => {
      let code: number;
      try {
        code = await runFromShell(strategyId, target, flags, io);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.err(`vigil check: ${error.message}\n`);
        code = EXIT_CODES.usage;
      }
      io.exit(code);
    });
}

/** The strategies as this machine's settings make them: scripts confined as VIGIL_SCRIPT_CONFINE / VIGIL_BWRAP_PATH say, as on a worker. */
function localStrategies(): StrategyRegistry {
  try {
    return buildStrategyRegistry(createStrategies({ script: { ...DEFAULT_CONFINEMENT, ...scriptConfinementFromEnv() } }));
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(error.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    throw error;
  }
}

async function runFromShell(strategyId: string, target: string, flags: CheckFlags, io: CheckIo): Promise<number> {
  const registry = localStrategies();
  const { getStrategy, getCollector } = registry;
  const strategy = getStrategy(strategyId);
  if (!strategy) {
    const available = registry.listStrategies().map((known) => known.id).join(', ');
    throw new UsageError(`Unknown health-check strategy "${strategyId}". Available: ${available}.`);
  }

  let config: Record<string, unknown>;
  try {
    config = strategy.target.toConfig(target);
  } catch (error) {
    throw new UsageError(`<target>: ${(error as Error).message} (e.g. ${strategy.target.example})`);
  }
  for (const assignment of flags.set) applySet(config, assignment);
  if (flags.timeout !== undefined) {
    const timeout = parseDuration(flags.timeout) ?? (/^\d+$/.test(flags.timeout) ? Number(flags.timeout) : undefined);
    if (timeout === undefined) throw new UsageError(`--timeout: expected a duration like 500ms or 5s, got "${flags.timeout}"`);
    config.timeout = timeout;
  }
  for (const id of flags.collector) {
    if (getCollector(id)?.strategy !== strategy) {
      const available = strategy.collectors.map((collector) => collector.id).join(', ');
      throw new UsageError(`--collector: Unknown collector "${id}". Available: ${available}.`);
    }
  }

  const planned = planDefinition(
    registry,
    {
      strategy: strategy.id,
      config,
      assertions: flags.assert,
      collectors: flags.collector.filter((id) => id !== strategy.defaultCollector).map((id) => ({ collector: id })),
    },
  );
  if (!planned.ok) {
    const lines = planned.errors.map((issue) => `${describePath(issue.path)}: ${issue.message}`);
    throw new UsageError(lines.join('\n  '));
  }
  // Without its program the check would only report this machine, never the target.
  const missing = missingRequirement(strategy);
  if (missing !== undefined) throw new UsageError(missing);

  const result = await executeRun({
    ...planned.plan,
    run: {
      check: { id: 'cli', name: `${strategy.id} ${target}`, intervalSeconds: 0 },
      system: { id: 'cli', name: 'cli' },
    },
  });
  io.out(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatCheckResult(`${strategy.id} ${target}`, result));
  return EXIT_CODES[result.status];
}

/** Names the flag a person would fix: `--set method`, `--assert #2`. */
function describePath(path: (string | number)[]): string {
  const [head, ...rest] = path;
  if (head === 'config') return rest[0] === 'timeout' ? '--timeout' : rest.length > 0 ? `--set ${rest.join('.')}` : '--set';
  if (head === 'assertions') return `--assert #${Number(rest[0]) + 1}`;
  if (head === 'collectors') return '--collector';
  return path.join('.');
}

const KEY = /^[A-Za-z_][\w-]*(?:\.[\w-]+)*$/;

/** `headers.accept=application/json` → config.headers.accept; values read like YAML scalars. */
export function applySet(config: Record<string, unknown>, assignment: string): void {
  const equals = assignment.indexOf('=');
  const key = equals < 0 ? '' : assignment.slice(0, equals);
  if (!KEY.test(key)) throw new UsageError(`--set: expected key=value, got "${assignment}"`);
  const value = parseSetValue(assignment.slice(equals + 1));
  const segments = key.split('.');
  const last = segments.pop() as string;
  let node = config;
  for (const segment of segments) {
    const child = node[segment];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[last] = value;
}

/**
 * `5` is a number, `false` a boolean, `[200, 204]` a list, `"5"` the text 5;
 * anything YAML would turn into a mapping stays the text that was typed.
 */
export function parseSetValue(text: string): unknown {
  if (text === '') return '';
  try {
    const value: unknown = parseYaml(text);
    if (value === null && text !== 'null' && text !== '~') return text;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !text.trimStart().startsWith('{')) return text;
    return value;
  } catch {
    return text;
  }
}

