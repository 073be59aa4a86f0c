import type { VersionedSchema } from './versioned.ts';
import type { FieldSpecs } from '../assertions/types.ts';

/**
 * The one contract every strategy follows (blackbox_exporter style): a
 * config schema, `connect` returning a client, and collectors that take
 * measurements through that client. The engine only ever talks to this
 * interface, so adding a strategy touches nothing outside its folder and the
 * registry list.
 */

/**
 * What the engine itself reads from a strategy config, whatever the strategy: the run's hard
 * timeout in ms (SPEC §2.8; `timeoutField` from common.ts) and, for strategies that hand secrets
 * to their default collector as environment variables, `secretEnv` (SPEC §2.7; `secretEnvField`).
 */
export interface StrategyConfigBase {
  timeout: number;
  secretEnv?: Record<string, string>;
}

/** What the engine reads from a collector config: its own `secretEnv`, when it takes secrets (`secretEnvField`). */
export interface CollectorConfigBase {
  secretEnv?: Record<string, string>;
}

/** Read-only facts about the run a collector is part of (SPEC §2.6). */
export interface RunContext {
  check: { id: string; name: string; intervalSeconds: number };
  system: { id: string; name: string };
  /** Absent when the run has no environment. */
  environment?: { id: string; name: string; fields: Record<string, unknown> };
}

export interface ConnectContext {
  run: RunContext;
  /** Aborted when the run's hard timeout fires; long operations must stop. */
  signal: AbortSignal;
}

export interface CollectContext extends ConnectContext {
  /** Resolved environment for the collector (its `secretEnv`, etc.). */
  env: Record<string, string>;
}

export interface CollectorDefinition<Config = CollectorConfigBase, Client = unknown> {
  /** Globally unique, `<strategy>.<measurement>`, e.g. `http.request`. */
  id: string;
  title: string;
  config: VersionedSchema<Config>;
  /** Every field `collect` may return, with its type for assertion validation. */
  fields: FieldSpecs;
  /** Config paths that templates may render (`*` matches one path segment). */
  templatable: string[];
  collect(client: Client, config: Config, ctx: CollectContext): Promise<Record<string, unknown>>;
}

/** A program a strategy runs on the machine (e.g. `ping`), and how a person installs it. */
export interface SystemCommand {
  /** A name looked up on PATH, or a path. */
  command: string;
  /** e.g. `apt-get install iputils-ping`. */
  install: string;
}

/** How `vigil check <strategy> <target>` turns its target argument into config, and back. */
export interface TargetSyntax<Config = unknown> {
  /** Shown in usage errors, e.g. `host:port`. */
  example: string;
  toConfig(target: string): Record<string, unknown>;
  /**
   * The target a config points at, in this syntax but never with a password: shown in the result
   * of a run that could not go ahead, so people see what a template rendered to (e.g. `:5432`).
   * It may be given a rendered config that its schema rejects (an empty host).
   */
  fromConfig(config: Config): string;
}

export interface StrategyDefinition<Config extends StrategyConfigBase = StrategyConfigBase, Client = unknown> {
  id: string;
  title: string;
  config: VersionedSchema<Config>;
  /** Config paths that templates may render, e.g. http `url`, `headers.*`, `body`. */
  templatable: string[];
  /** Config paths holding secrets: masked out of results, never templatable. */
  secret: string[];
  /**
   * Runs a program on the Vigil host itself (script): whoever may create or change such a
   * configuration may run code there, so that takes a role of its own (VIGIL_SCRIPT_ROLE).
   */
  runsOnHost?: boolean;
  /**
   * The monitored thing reports in (heartbeat, SPEC §2.11): nothing schedules, runs now or
   * test-runs it; its runs are recorded when it calls, and `connect` is never called by the engine.
   * Its config need not declare `timeout`.
   */
  passive?: boolean;
  /**
   * Why a config cannot run as rendered (e.g. http: the rendered URL does not parse), checked
   * after templates are rendered and before `connect`; the reason becomes the run's message. Then
   * the rendered config is checked against `config.schema` again (an empty host fails the run).
   */
  renderedConfigProblem?(config: Config): string | undefined;
  target: TargetSyntax<Config>;
  /**
   * A program the strategy cannot run without. Missing, it is a setup error for `vigil check`
   * (exit 64) and a reason to skip its tests outside CI; a scheduled run without it is unhealthy
   * with a message that says how to install it.
   */
  requires?: SystemCommand;
  connect(config: Config, ctx: ConnectContext): Promise<Client>;
  close(client: Client): Promise<void>;
  defaultCollector: string;
  collectors: AnyCollector<Client>[];
}

/**
 * A strategy's collectors each have their own config type; the list erases it
 * because every config is validated at run time by the collector's own schema.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCollector<Client = any> = CollectorDefinition<any, Client>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = StrategyDefinition<any, any>;

/**
 * A collector failure that still measured something: the run is unhealthy
 * with `message`, and `fields` (e.g. the status code of an unexpected
 * response, the rcode of NXDOMAIN) stay in the result for people to read.
 */
export class CollectorError extends Error {
  readonly fields: Record<string, unknown>;

  constructor(message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CollectorError';
    this.fields = fields;
  }
}

/** Lets each strategy file infer its Config and Client types once. */
export function defineStrategy<Config extends StrategyConfigBase, Client>(definition: StrategyDefinition<Config, Client>): StrategyDefinition<Config, Client> {
  return definition;
}

export function defineCollector<Config, Client>(
  definition: CollectorDefinition<Config, Client>,
): CollectorDefinition<Config, Client> {
  return definition;
}
