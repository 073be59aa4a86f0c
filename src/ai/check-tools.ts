import { z } from 'zod';
import { differences } from '../access/audit.ts';
import { ConfigurationPatch, type Configuration } from '../checks/model.ts';
import { DomainError, NotFoundError, ValidationError } from '../kernel/errors.ts';
import { runContextEnv } from '../strategies/script/run-context-env.ts';
import type { RunContext } from '../strategies/types.ts';
import { ToolError, defineTool, type Tool, type ToolDoors } from './tool.ts';

/** The healthcheck.* tools that read the strategy catalogue and draft, test, change and delete configurations. */

interface StrategyDescription {
  id: string;
  title: string;
  runsOnHost: boolean;
  defaultCollector: string;
  collectors: { id: string; title: string }[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The parts of a draft a test run takes (POST /configurations/test-run's `definition`). */
const RUNNABLE = ['name', 'strategy', 'config', 'assertions', 'collectors', 'intervalSeconds'] as const;

const Draft = z
  .record(z.string(), z.unknown())
  .describe(
    'A configuration as POST /api/v1/configurations takes it: {name, strategy, intervalSeconds, config, collectors?, assertions?, description?, enabled?}. ' +
      'Secrets are referenced as "{{ secrets.NAME }}", never written out.',
  );

const listCapabilities = defineTool({
  name: 'healthcheck.listCapabilities',
  description:
    'Lists the kinds of health check Vigil can run (its strategies: http, tcp, dns, tls, postgres, script, …) with their collectors. ' +
    'Start here, then call healthcheck.getCapabilitySchema for the kind you want to draft.',
  input: z.object({}),
  changes: false,
  async run(_input, doors) {
    const { items } = await doors.api<{ items: StrategyDescription[] }>('GET', '/strategies');
    return {
      kinds: items.map((s) => ({ kind: s.id, title: s.title, runsOnHost: s.runsOnHost, defaultCollector: s.defaultCollector, collectors: s.collectors.map((c) => ({ id: c.id, title: c.title })) })),
    };
  },
});

const getCapabilitySchema = defineTool({
  name: 'healthcheck.getCapabilitySchema',
  description:
    "One kind of health check in full: the JSON Schema of its config, and per collector its config schema and the result fields an assertion may test, each with the operators that fit it. Use it to write a draft's config, collectors and assertions.",
  input: z.object({ kind: z.string().min(1).describe('A kind from healthcheck.listCapabilities, e.g. "http"') }),
  changes: false,
  async run({ kind }, doors) {
    try {
      return await doors.api('GET', `/strategies/${encodeURIComponent(kind)}`);
    } catch (error) {
      if (!(error instanceof ToolError) || error.status !== 404) throw error;
      const { items } = await doors.api<{ items: StrategyDescription[] }>('GET', '/strategies');
      throw new ToolError(`Unknown healthcheck capability kind "${kind}". Known kinds: ${items.map((s) => s.id).join(', ')}`);
    }
  },
});

const propose = defineTool({
  name: 'healthcheck.propose',
  description:
    'Validates a drafted health check exactly as saving it would (strategy, config, collectors, assertions, templates, secret references) without saving anything. ' +
    'With systemId it also runs the draft once against that system (and environmentId) and returns the result; nothing is recorded. ' +
    'Save a valid draft with POST /api/v1/configurations, or change an existing check with healthcheck.update.',
  input: z.object({
    definition: Draft,
    systemId: z.string().optional().describe('Run the draft once against this system (its id from systems.list)'),
    environmentId: z.string().optional().describe('With systemId: one of the system’s environments'),
  }),
  changes: false,
  async run({ definition, systemId, environmentId }, doors) {
    const outcome = await drafted(() => doors.api<{ valid: boolean; errors: { path: (string | number)[]; message: string }[] }>('POST', '/configurations/validate', { body: definition }));
    if (!outcome.valid) throw invalidDraft(outcome.errors.map((e) => ({ path: e.path.join('.'), message: e.message })));
    if (systemId === undefined) return { valid: true, definition };
    const runnable = Object.fromEntries(RUNNABLE.filter((key) => definition[key] !== undefined).map((key) => [key, definition[key]]));
    const testRun = await doors.api('POST', '/configurations/test-run', { body: { definition: runnable, systemId, ...(environmentId !== undefined && { environmentId }) } });
    return { valid: true, definition, testRun };
  },
});

const update = defineTool({
  name: 'healthcheck.update',
  description:
    'Changes a stored health check: body is merged over it (config as a JSON merge patch: null deletes a key; other fields replace), the result is validated in full, and the diff is shown. ' +
    'dryRun (the default) changes nothing; call again with dryRun: false to save.',
  input: z.object({
    id: z.string().describe('The health check (configuration) id'),
    body: z.record(z.string(), z.unknown()).describe('The fields to change: name, description, strategy, intervalSeconds, timeoutMs, config, collectors, assertions, enabled, paused…'),
    dryRun: z.boolean().default(true).describe('true (default): validate and show the diff only'),
  }),
  changes: true,
  async run({ id, body, dryRun }, doors) {
    const path = `/configurations/${id}`;
    await doors.mayRequest('PATCH', path, body);
    if (!UUID.test(id)) throw noSuchCheck(id);
    const patch = ConfigurationPatch.safeParse(body);
    if (!patch.success) throw invalidUpdate(patch.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
    const preview = await doors.asCaller(() => doors.checks.previewConfigurationUpdate(id, patch.data)).catch((error: unknown) => {
      if (error instanceof NotFoundError) throw noSuchCheck(id);
      if (error instanceof ValidationError) throw invalidUpdate(error.details);
      throw error;
    });
    // The route's own gate, for the dry run too: a script check is code on the host.
    doors.mayRunOnHost(preview.before.strategy);
    doors.mayRunOnHost(preview.after.strategy);
    if (dryRun) return { id, dryRun: true, diff: diffOf(preview.before, preview.after), configuration: preview.after };
    const saved = await doors.api<Configuration>('PATCH', path, { body });
    return { id, dryRun: false, diff: diffOf(preview.before, saved), configuration: saved };
  },
});

const remove = defineTool({
  name: 'healthcheck.delete',
  description:
    'Deletes a health check, its assignments and (in the background) its history. Always confirm with the person first: ' +
    'without confirm: true nothing is deleted and the answer says what would go.',
  input: z.object({ id: z.string().describe('The health check (configuration) id'), confirm: z.boolean().default(false).describe('true only after the person agreed') }),
  changes: true,
  async run({ id, confirm }, doors) {
    const path = `/configurations/${id}`;
    await doors.mayRequest('DELETE', path);
    const stored = await storedCheck(doors, id);
    if (!confirm) {
      return {
        id,
        deleted: false,
        confirmationRequired: `Deleting health check "${stored.name}" removes it, its assignments and its history. Ask the person, then call healthcheck.delete again with confirm: true.`,
      };
    }
    await doors.api('DELETE', path);
    return { id, deleted: true };
  },
});

const getScriptContext = defineTool({
  name: 'healthcheck.getScriptContext',
  description:
    'The run context a script check sees as environment variables (VIGIL_CHECK_*, VIGIL_SYSTEM_*, VIGIL_ENV_* per environment field), with the values it would have for the given check, system and environment. ' +
    'Precedence, later wins: run context < the collector’s env < secrets (secretEnv). Never secrets, never config.',
  input: z.object({
    configurationId: z.string().optional().describe('The check whose id, name and interval the script sees (default "test-run")'),
    systemId: z.string().optional().describe('The system it runs against (default "test-run")'),
    environmentId: z.string().optional().describe('An environment: adds VIGIL_ENV_ID, VIGIL_ENV_NAME and VIGIL_ENV_<FIELD>'),
  }),
  changes: false,
  async run({ configurationId, systemId, environmentId }, doors) {
    const check = configurationId === undefined ? undefined : await storedCheck(doors, configurationId);
    const system = systemId === undefined ? undefined : await doors.api<{ id: string; name: string }>('GET', `/systems/${systemId}`);
    const environment = environmentId === undefined ? undefined : await doors.api<{ id: string; name: string; fields: Record<string, unknown> }>('GET', `/environments/${environmentId}`);
    const run: RunContext = {
      check: check ? { id: check.id, name: check.name || check.id, intervalSeconds: check.intervalSeconds } : { id: 'test-run', name: 'test-run', intervalSeconds: 0 },
      system: system ? { id: system.id, name: system.name || system.id } : { id: 'test-run', name: 'test-run' },
      ...(environment && { environment: { id: environment.id, name: environment.name, fields: environment.fields } }),
    };
    return { variables: runContextEnv(run), precedence: 'run context < collector env < secretEnv (later wins)' };
  },
});

const testScript = defineTool({
  name: 'healthcheck.testScript',
  description:
    'Runs a shell script once as a script check would (sh -c, on a worker, with a time limit) and returns {result?, stdout, stderr, exitCode?, durationMs, timedOut, error?}; nothing is recorded. ' +
    'Standard output that is JSON comes back parsed as result. Secret values (secretEnv, secretOverrides) are masked as ****. Needs the role allowed to run commands on the Vigil host.',
  input: z.object({
    script: z.string().min(1).describe('The script, run with sh -c'),
    env: z.record(z.string(), z.string()).optional().describe('Environment variables'),
    secretEnv: z.record(z.string(), z.string()).optional().describe('Environment variable → secret name'),
    secretOverrides: z.record(z.string(), z.string()).optional().describe('Secret name → a value to use instead of the stored one (masked, never stored)'),
    workingDirectory: z.string().optional(),
    runContext: z.record(z.string(), z.unknown()).optional().describe('{check?: {id, name, intervalSeconds}, system?: {id, name}, environment?: {id, name, fields}}'),
    timeoutMs: z.number().int().default(10_000).describe('At most 300000'),
  }),
  changes: false,
  run: (input, doors) => doors.api('POST', '/configurations/test-run', { body: { kind: 'shell', ...input } }),
});

export const checkTools: Tool[] = [listCapabilities, getCapabilitySchema, propose, update, remove, getScriptContext, testScript];

/** SPEC §7.5's words for an id that names no configuration. */
function noSuchCheck(id: string): ToolError {
  return new ToolError(`No health check found with id "${id}". List health checks first to get a valid id.`);
}

async function storedCheck(doors: ToolDoors, id: string): Promise<Configuration> {
  if (!UUID.test(id)) throw noSuchCheck(id);
  try {
    return await doors.api<Configuration>('GET', `/configurations/${id}`);
  } catch (error) {
    if (error instanceof ToolError && error.status === 404) throw noSuchCheck(id);
    throw error;
  }
}

function invalidDraft(errors: { path: string; message: string }[]): ToolError {
  return new ToolError(`The drafted health check is invalid: ${errors.map(describeIssue).join('; ')}`);
}

function invalidUpdate(errors: { path: string; message: string }[]): ToolError {
  return new ToolError(`The updated health check is invalid: ${errors.map(describeIssue).join('; ')}`);
}

function describeIssue(issue: { path: string; message: string }): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** A draft the validate route refuses outright (not even the shape of a configuration) is invalid all the same. */
async function drafted<T>(validate: () => Promise<T>): Promise<T> {
  try {
    return await validate();
  } catch (error) {
    if (error instanceof ToolError && error.status === 400) throw invalidDraft(error.details);
    if (error instanceof DomainError) throw new ToolError(error.message);
    throw error;
  }
}

/** What an update changes, field by field; the timestamps always move and say nothing. */
function diffOf(before: Configuration, after: Configuration) {
  const { createdAt: _c1, updatedAt: _u1, ...was } = before;
  const { createdAt: _c2, updatedAt: _u2, ...is } = after;
  return differences(was, is);
}
