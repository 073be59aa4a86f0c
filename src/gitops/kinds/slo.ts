import type { z } from 'zod';
import { SloInput } from '../../history/slo-model.ts';
import { Ref } from './names.ts';
import type { Kind, Reference } from './types.ts';

/** A service level objective (SPEC §5.4) over a system's runs, or one healthcheck's, or one environment's. */
const spec = SloInput.omit({ systemId: true, configurationId: true, environmentId: true, name: true }).extend({
  system: Ref,
  healthcheck: Ref.nullable().default(null).meta({ description: 'Only this healthcheck; null: every healthcheck of the system' }),
  environment: Ref.nullable().default(null).meta({ description: 'Only this environment; null: every environment' }),
});
type SloSpec = z.output<typeof spec>;

export const sloKind: Kind<SloSpec> = {
  kind: 'Slo',
  order: 100,
  spec,
  references: (slo) => {
    const references: Reference[] = [{ kind: 'System', name: slo.system, path: ['system'] }];
    if (slo.healthcheck !== null) references.push({ kind: 'Healthcheck', name: slo.healthcheck, path: ['healthcheck'] });
    if (slo.environment !== null) references.push({ kind: 'Environment', name: slo.environment, path: ['environment'] });
    return references;
  },
};
