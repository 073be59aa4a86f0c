import type { z } from 'zod';
import { ConfigurationInput } from '../../checks/model.ts';
import { createDefinitionValidator } from '../../definitions/validation.ts';
import { isSettled, readSecretFields, secretReferences } from './secret-fields.ts';
import type { Kind, Reference, SpecPath, SpecProblem } from './types.ts';

/** A check definition (SPEC §1.1): strategy, config, assertions, collectors, interval. */
const spec = ConfigurationInput.omit({ name: true });
type HealthcheckSpec = z.output<typeof spec>;

export const healthcheckKind: Kind<HealthcheckSpec> = {
  kind: 'Healthcheck',
  order: 40,
  spec,
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
};

/** The secrets a strategy or collector config names: in its templates and its `secretEnv` (SPEC §2.7). */
function secretsOf(config: Record<string, unknown>, at: SpecPath): Reference[] {
  const secretEnv = config.secretEnv;
  const fromEnv =
    secretEnv !== null && typeof secretEnv === 'object' && !Array.isArray(secretEnv)
      ? Object.entries(secretEnv).flatMap(([variable, name]) => (typeof name === 'string' ? [{ kind: 'Secret', name, path: [...at, 'secretEnv', variable] }] : []))
      : [];
  return [...secretReferences(config, at), ...fromEnv];
}
