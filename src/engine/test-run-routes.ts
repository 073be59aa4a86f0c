import { createRoute } from '@hono/zod-openapi';
import type { HostCommandGate } from '../access/host-commands.ts';
import { requestCaller } from '../access/middleware.ts';
import { ErrorBody, createRouter, errorResponses, jsonBody, jsonResponse, z } from '../api/openapi.ts';
import { errorBody } from '../api/server.ts';
import type { CatalogService } from '../catalog/service.ts';
import { ConfigurationInput } from '../checks/model.ts';
import type { ChecksService } from '../checks/service.ts';
import type { Definition } from '../definitions/plan.ts';
import type { DefinitionValidator } from '../definitions/validation.ts';
import { NotFoundError, ValidationError } from '../kernel/errors.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../kernel/secret-name.ts';
import { STATUSES } from '../kernel/status.ts';
import { DEFAULT_TIMEOUT_MS, environmentVariableName, secretEnvField } from '../strategies/common.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { RunContext } from '../strategies/types.ts';
import { refusePassive } from './passive.ts';
import { WORKER_GRACE_MS } from './await-reply.ts';
import type { TestRunRequest, TestRuns } from './test-run.ts';

/** What stands in for the check and the system of a draft run without them (`{{ check.id }}`, VIGIL_SYSTEM_ID). */
const DRAFT = 'test-run';
/** A shell test run may take at most this long (the request waits for it). */
const MAX_SHELL_TIMEOUT_MS = 300_000;

const Uuid = z.uuid({ message: 'expected a UUID' });

const TestRunDefinition = ConfigurationInput.pick({ strategy: true, config: true, assertions: true, collectors: true }).extend({
  name: z.string().optional().meta({ description: 'The check name its templates and scripts see (default "test-run")' }),
  intervalSeconds: z.number().int().min(1).optional().meta({ description: 'The interval its templates and scripts see (default 0: not scheduled)' }),
});

const DefinitionTestRun = z
  .strictObject({
    kind: z.literal('definition').optional().meta({ description: 'May be left out' }),
    definition: TestRunDefinition.optional().meta({ description: 'A draft check, as POST /configurations/validate takes it; or give configurationId' }),
    configurationId: Uuid.optional().meta({ description: 'A stored configuration to run as it is; or give definition' }),
    systemId: Uuid.optional().meta({ description: 'The system to run against: its name and id for templates; without it they read "test-run"' }),
    environmentId: Uuid.optional().meta({ description: 'One environment (of the system, when one is given) whose fields templates read; without it the run is env-less' }),
  })
  .meta({ id: 'DefinitionTestRun' });

const RunContextInput = z
  .strictObject({
    check: z.strictObject({ id: z.string().default(DRAFT), name: z.string().default(DRAFT), intervalSeconds: z.number().int().min(0).default(0) }).optional(),
    system: z.strictObject({ id: z.string().default(DRAFT), name: z.string().default(DRAFT) }).optional(),
    environment: z.strictObject({ id: z.string(), name: z.string(), fields: z.record(z.string(), z.unknown()).default({}) }).optional(),
  })
  .meta({
    id: 'ScriptRunContext',
    description:
      'The run context the script sees as VIGIL_* environment variables, as a scheduled script check does (SPEC §2.6): ' +
      'VIGIL_CHECK_ID/NAME/INTERVAL_SECONDS, VIGIL_SYSTEM_ID/NAME, and with an environment VIGIL_ENV_ID/NAME and one VIGIL_ENV_<FIELD> per field. ' +
      'Left out, check and system read "test-run" (interval 0).',
  });

const ShellTestRun = z
  .strictObject({
    kind: z.literal('shell'),
    script: z.string().min(1).max(100_000).meta({ description: 'Run with `sh -c`, as written (no templates), by a worker' }),
    env: z.record(environmentVariableName, z.string()).default({}),
    secretEnv: secretEnvField.meta({ description: 'Environment variable → secret name; each value is masked as **** in the answer' }),
    secretOverrides: z
      .record(z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE), z.string())
      .default({})
      .meta({ description: 'Secret name → a value used instead of the stored secret (or where none is stored yet); masked like a stored one, and never stored' }),
    workingDirectory: z.string().min(1).optional().meta({ description: 'Default: a fresh directory of its own, removed afterwards' }),
    runContext: RunContextInput.optional(),
    timeoutMs: z.number().int().min(100).max(MAX_SHELL_TIMEOUT_MS),
  })
  .meta({ id: 'ShellTestRun' });

const Truncation = z.object({ path: z.string(), originalBytes: z.number(), keptBytes: z.number() }).meta({ id: 'TestRunTruncation' });
const truncated = z.array(Truncation).optional().meta({ description: 'Texts cut to keep the answer within 256 KiB, with their sizes (absent when nothing was cut)' });

const TestRunResult = z
  .object({
    status: z.enum(STATUSES),
    latencyMs: z.number().nullable(),
    message: z.string(),
    result: z.record(z.string(), z.unknown()).meta({ description: 'As a recorded run has it: per collector its fields, assertions (passed, actual, message) and error' }),
    configurationId: z.string().nullable(),
    systemId: z.string().nullable(),
    environmentId: z.string().nullable(),
    truncated,
  })
  .meta({ id: 'TestRunResult' });

const ShellTestRunResult = z
  .object({
    result: z.unknown().optional().meta({ description: 'Standard output parsed as JSON, when it is JSON (what assertions on `json` read)' }),
    stdout: z.string(),
    stderr: z.string(),
    exitCode: z.number().int().optional().meta({ description: 'Absent when the script did not exit by itself (timed out, could not start)' }),
    durationMs: z.number(),
    timedOut: z.boolean(),
    error: z.string().optional().meta({ description: '"Shell script exited with code N", "Script execution timed out", or why it could not run' }),
    truncated,
  })
  .meta({ id: 'ShellTestRunResult' });

const testRun = createRoute({
  method: 'post',
  path: '/configurations/test-run',
  operationId: 'testRunConfiguration',
  tags: ['Configurations'],
  summary: 'Run a check or a script once, without recording anything (SPEC §7.3)',
  description:
    'A draft definition (or a stored configuration) runs once through the pipeline of a scheduled run — validation, templates with the ' +
    "system's and environment's values, secrets, timeout, collectors, assertions — and the answer is its result; no run, history, health " +
    'or event is recorded. `kind: "shell"` runs a script as a script check would and reports its output. Both are queued to a worker ' +
    'and the answer waits for it, at most 30 s plus the timeout. Secret values are masked as ****. Strategies that run commands on the ' +
    'Vigil host, and shell runs, need VIGIL_SCRIPT_ROLE (default admin).',
  request: jsonBody(z.union([DefinitionTestRun, ShellTestRun])),
  responses: {
    200: jsonResponse(z.union([TestRunResult, ShellTestRunResult]), 'The result of the one run (a failing check or script is a result, not an error)'),
    400: errorResponses[400],
    409: { description: 'A heartbeat (passive) check has nothing to run: it records a run when its job pings (passive_check)', content: { 'application/json': { schema: ErrorBody } } },
    504: { description: 'No worker finished the test run in time (run_timeout); nothing was recorded', content: { 'application/json': { schema: ErrorBody } } },
  },
});

export interface TestRunRouteDeps {
  checks: ChecksService;
  catalog: CatalogService;
  validateDefinition: DefinitionValidator;
  hostCommands: HostCommandGate;
  testRuns: TestRuns;
  strategies: Pick<StrategyRegistry, 'getStrategy'>;
}

/** POST /configurations/test-run: the check workbench's "try it" (SPEC §7.3). */
export function testRunRoutes(deps: TestRunRouteDeps) {
  const router = createRouter();
  router.openapi(testRun, async (c) => {
    const body = c.req.valid('json');
    const caller = requestCaller(c);
    let request: TestRunRequest;
    /** What a definition's answer says it ran, and where. */
    let ran = { configurationId: null as string | null, systemId: null as string | null, environmentId: null as string | null };
    let timeoutMs: number;
    if (body.kind === 'shell') {
      // A shell run is a script check in all but name: code run on the Vigil host.
      deps.hostCommands(caller, 'script');
      const { kind, script, env, secretEnv, secretOverrides, workingDirectory, runContext, timeoutMs: timeout } = body;
      request = { kind, script, env, secretEnv, secretOverrides, run: shellRunContext(runContext), timeoutMs: timeout, ...(workingDirectory !== undefined && { workingDirectory }) };
      timeoutMs = timeout;
    } else {
      if ((body.definition === undefined) === (body.configurationId === undefined)) {
        throw new ValidationError([{ path: 'definition', message: 'expected either definition (a draft) or configurationId (a stored configuration)' }]);
      }
      let definition: Definition & { config: Record<string, unknown> };
      let check: RunContext['check'];
      if (body.configurationId !== undefined) {
        // Run as stored and as the executor runs it: validated when saved, a secret deleted since fails the run, not the request.
        const stored = await referenced('configurationId', deps.checks.getConfiguration(body.configurationId));
        definition = { strategy: stored.strategy, config: stored.config, assertions: stored.assertions, collectors: stored.collectors };
        check = { id: stored.id, name: stored.name || stored.id, intervalSeconds: stored.intervalSeconds };
        deps.hostCommands(caller, definition.strategy);
      } else {
        const draft = body.definition!;
        deps.hostCommands(caller, draft.strategy);
        const outcome = await deps.validateDefinition(draft);
        if (!outcome.valid) throw new ValidationError(outcome.errors.map((issue) => ({ path: ['definition', ...issue.path].join('.'), message: issue.message })));
        definition = outcome.definition;
        check = { id: DRAFT, name: draft.name || DRAFT, intervalSeconds: draft.intervalSeconds ?? 0 };
      }
      refusePassive(deps.strategies, definition.strategy);
      request = { kind: 'definition', definition, run: { check, ...(await placeOfRun(deps.catalog, body.systemId, body.environmentId)) } };
      ran = { configurationId: body.configurationId ?? null, systemId: body.systemId ?? null, environmentId: body.environmentId ?? null };
      timeoutMs = typeof definition.config.timeout === 'number' ? definition.config.timeout : DEFAULT_TIMEOUT_MS;
    }

    const waitMs = WORKER_GRACE_MS + timeoutMs;
    const answer = await deps.testRuns.run(request, waitMs);
    if (!answer) return c.json(errorBody('run_timeout', `No worker finished the test run within ${Math.round(waitMs / 1000)}s; nothing was recorded`), 504);
    if (answer.kind === 'shell') {
      const { kind: _kind, ...shell } = answer;
      return c.json(shell, 200);
    }
    const { kind: _kind, ...run } = answer;
    return c.json({ ...run, ...ran }, 200);
  });
  return router;
}

/** The system and environment a definition runs against, read as a scheduled run reads them (SPEC §2.6). */
async function placeOfRun(catalog: CatalogService, systemId: string | undefined, environmentId: string | undefined): Promise<Omit<RunContext, 'check'>> {
  const system = systemId === undefined ? undefined : await referenced('systemId', catalog.getSystem(systemId));
  const environment = environmentId === undefined ? undefined : await referenced('environmentId', catalog.getEnvironment(environmentId));
  if (system && environment && !system.environmentIds.includes(environment.id)) {
    throw new ValidationError([{ path: 'environmentId', message: `environment ${environment.name} is not one of system ${system.name}'s environments` }]);
  }
  return {
    system: system ? { id: system.id, name: system.name || system.id } : { id: DRAFT, name: DRAFT },
    ...(environment && { environment: { id: environment.id, name: environment.name, fields: environment.fields } }),
  };
}

function shellRunContext(given: z.infer<typeof RunContextInput> | undefined): RunContext {
  return {
    check: given?.check ?? { id: DRAFT, name: DRAFT, intervalSeconds: 0 },
    system: given?.system ?? { id: DRAFT, name: DRAFT },
    ...(given?.environment && { environment: given.environment }),
  };
}

/** A record the body names by id: one that does not exist is a mistake in that field (400), not a missing route. */
async function referenced<T>(field: string, lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof NotFoundError) throw new ValidationError([{ path: field, message: error.message }]);
    throw error;
  }
}
