import type { z } from 'zod';
import { ConfigurationInput, type Configuration } from '../../checks/model.ts';
import { createDefinitionValidator } from '../../definitions/validation.ts';
import { ValidationError } from '../../kernel/errors.ts';
import { everyNamed } from '../services.ts';
import { isSettled, readSecretFields, secretReferences } from './secret-fields.ts';
import type { Kind, Reference, SpecPath, SpecProblem } from './types.ts';

/** A check definition (SPEC §1.1): strategy, config, assertions, collectors, interval. */
const spec = ConfigurationInput.omit({ name: true });
type HealthcheckSpec = z.output<typeof spec>;

export const healthcheckKind: Kind<HealthcheckSpec, Configuration> = {
  kind: 'Healthcheck',
  order: 40,
  spec,
  named: true,
  references: (check) => [
    ...secretsOf(check.config, ['config']),
    ...check.collectors.flatMap((collector, index) => secretsOf(collector.config, ['collectors', index, 'config'])),
  ],
  /**
   * As the API validates a definition (SPEC §7.3): unknown strategy, its config migrated then
   * strict, collectors, assertions, template variables. A strategy's secret fields (a password)
   * take `{{ secrets.NAME }}` in a file, never the secret itself.
   */
  async check(check, context) {
    const strategy = context.strategies.getStrategy(check.strategy);
    const fields = strategy ? readSecretFields(check.config, strategy.secret, false) : { problems: [], config: check.config, settled: [] };
    // Every secret the definition names counts as known here: one the files do not declare is an
    // unresolved reference, which validate reports once, in the files' words.
    const named = new Set(healthcheckKind.references(check).map((reference) => reference.name.toLowerCase()));
    const validate = createDefinitionValidator(context.strategies, () => Promise.resolve(named));
    const outcome = await validate({ strategy: check.strategy, config: fields.config, assertions: check.assertions, collectors: check.collectors });
    const problems: SpecProblem[] = fields.problems.map((problem) => ({ path: ['config', ...problem.path], message: problem.message }));
    if (!outcome.valid) problems.push(...outcome.errors.filter((error) => !(error.path[0] === 'config' && isSettled(error.path.slice(1), fields.settled))));
    return problems;
  },
  store: ({ checks, strategies }) => ({
    list: () => everyNamed((page) => checks.listConfigurations(page)),
    toSpec: ({ description, strategy, config, assertions, collectors, intervalSeconds, enabled, paused }: Configuration) =>
      ({ description, strategy, config, assertions, collectors, intervalSeconds, enabled, paused }) as HealthcheckSpec,
    /** Stored as the engine plans it: the config migrated to its current version, assertions in object form. */
    async desired(check) {
      const named = new Set(healthcheckKind.references(check).map((reference) => reference.name.toLowerCase()));
      const outcome = await createDefinitionValidator(strategies, () => Promise.resolve(named))(check);
      if (!outcome.valid) throw new ValidationError(outcome.errors.map((error) => ({ path: error.path.join('.'), message: error.message })));
      return { ...check, ...outcome.definition } as HealthcheckSpec;
    },
    create: async ({ name, spec: check }) => (await checks.createConfiguration({ name, ...check })).id,
    createMany: async (documents) => (await checks.createConfigurations(documents.map(({ name, spec: check }) => ({ name, ...check })))).map((configuration) => configuration.id),
    // The API merges a config patch over the stored config (RFC 7396): null takes away what the document no longer has.
    update: async (id, { name, spec: check, current }) => void (await checks.updateConfiguration(id, { name, ...check, config: mergePatch(current.config, check.config) as Record<string, unknown> })),
    remove: (id) => checks.deleteConfiguration(id),
  }),
};

/** The RFC 7396 merge patch that turns `from` into `to`. */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) patch[key] = mergePatch(from[key], value);
  return patch;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The secrets a strategy or collector config names: in its templates and its `secretEnv` (SPEC §2.7). */
function secretsOf(config: Record<string, unknown>, at: SpecPath): Reference[] {
  const secretEnv = config.secretEnv;
  const fromEnv =
    secretEnv !== null && typeof secretEnv === 'object' && !Array.isArray(secretEnv)
      ? Object.entries(secretEnv).flatMap(([variable, name]) => (typeof name === 'string' ? [{ kind: 'Secret', name, path: [...at, 'secretEnv', variable] }] : []))
      : [];
  return [...secretReferences(config, at), ...fromEnv];
}
