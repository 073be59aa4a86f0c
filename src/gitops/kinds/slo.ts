import type { z } from 'zod';
import { SloInput, type Slo } from '../../history/slo-model.ts';
import { everyNamed } from '../services.ts';
import { Ref } from './names.ts';
import type { Kind, Names, Reference } from './types.ts';

/** A service level objective (SPEC §5.4) over a system's runs, or one healthcheck's, or one environment's. */
const spec = SloInput.omit({ systemId: true, configurationId: true, environmentId: true, name: true }).extend({
  system: Ref,
  healthcheck: Ref.nullable().default(null).meta({ description: 'Only this healthcheck; null: every healthcheck of the system' }),
  environment: Ref.nullable().default(null).meta({ description: 'Only this environment; null: every environment' }),
});
type SloSpec = z.output<typeof spec>;

export const sloKind: Kind<SloSpec, Slo> = {
  kind: 'Slo',
  order: 100,
  spec,
  named: true,
  references: (slo) => {
    const references: Reference[] = [{ kind: 'System', name: slo.system, path: ['system'] }];
    if (slo.healthcheck !== null) references.push({ kind: 'Healthcheck', name: slo.healthcheck, path: ['healthcheck'] });
    if (slo.environment !== null) references.push({ kind: 'Environment', name: slo.environment, path: ['environment'] });
    return references;
  },
  store: ({ slos }) => ({
    list: () => everyNamed((page) => slos.list(page)),
    toSpec: (slo, names) => ({
      system: names.name('System', slo.systemId),
      healthcheck: slo.configurationId && names.name('Healthcheck', slo.configurationId),
      environment: slo.environmentId && names.name('Environment', slo.environmentId),
      objective: slo.objective,
      windowDays: slo.windowDays,
      degradedIsGood: slo.degradedIsGood,
    }),
    create: async ({ name, spec: slo }, { names }) => (await slos.create({ name, ...input(slo, names) })).id,
    async update(id, { name, spec: slo, current }, { names }) {
      const { systemId, ...rest } = input(slo, names);
      if (systemId === current.systemId) return void (await slos.update(id, { name, ...rest }));
      // An objective moves to another system as a new one: its history was the other system's.
      await slos.remove(id);
      return (await slos.create({ name, systemId, ...rest })).id;
    },
    remove: (id) => slos.remove(id),
  }),
};

function input(slo: SloSpec, names: Names) {
  const { system, healthcheck, environment, ...rest } = slo;
  return {
    ...rest,
    systemId: names.id('System', system),
    configurationId: healthcheck === null ? null : names.id('Healthcheck', healthcheck),
    environmentId: environment === null ? null : names.id('Environment', environment),
  };
}
