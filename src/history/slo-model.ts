import { z } from 'zod';

const Uuid = z.uuid({ message: 'expected a UUID' });
const Timestamp = z.string().meta({ format: 'date-time' });

const fields = {
  name: z.string().trim().min(1, 'expected a name').max(200, 'expected at most 200 characters'),
  systemId: Uuid,
  configurationId: Uuid.nullable().meta({ description: 'Only this check; null: every check of the system' }),
  environmentId: Uuid.nullable().meta({ description: 'Only this environment; null: every environment' }),
  objective: z
    .number({ message: 'expected a number' })
    .gt(0, 'expected more than 0')
    .lt(100, 'expected less than 100 (100 % leaves no error budget)')
    .meta({ description: 'Target % of good runs, e.g. 99.9', example: 99.9 }),
  windowDays: z.number().int('expected a whole number of days').min(1, 'expected at least 1 day').max(365, 'expected at most 365 days'),
  degradedIsGood: z.boolean().meta({ description: 'Whether a degraded run counts as good' }),
};

export const Slo = z
  .object({ id: z.string(), ...fields, createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Slo' });

export const SloInput = z
  .object({
    ...fields,
    configurationId: fields.configurationId.default(null),
    environmentId: fields.environmentId.default(null),
    windowDays: fields.windowDays.default(30),
    degradedIsGood: fields.degradedIsGood.default(true),
  })
  .strict()
  .meta({ id: 'SloInput' });

export const SloPatch = z.object(fields).omit({ systemId: true }).partial().strict().meta({ id: 'SloPatch' });

const Rate = z.number().nullable();
export const SloStatus = z
  .object({
    slo: Slo,
    evaluatedAt: Timestamp,
    window: z.object({ from: Timestamp, to: Timestamp, runs: z.number().int(), badRuns: z.number().int() }),
    sli: z.number().nullable().meta({ description: 'Good runs ÷ runs over the window, in %; null without runs' }),
    budget: z.object({
      totalRuns: z.number().meta({ description: 'Bad runs the objective allows over the window' }),
      usedRuns: z.number().int(),
      remainingRuns: z.number(),
      remainingPercent: z.number().nullable(),
    }),
    burnRates: z
      .object({ '5m': Rate, '30m': Rate, '1h': Rate, '6h': Rate, '3d': Rate })
      .meta({ description: 'Bad-run rate ÷ the rate the objective allows; 1 spends the budget exactly over the window; null without runs' }),
    burning: z.boolean().meta({ description: 'SPEC §5.4: (1 h > 14.4 and 5 m > 14.4) or (6 h > 6 and 30 m > 6)' }),
    hoursToExhaustion: z.number().nullable().meta({ description: 'At the last hour’s rate of bad runs; 0 when spent, null when never' }),
  })
  .meta({ id: 'SloStatus' });

export type Slo = z.infer<typeof Slo>;
export type SloInput = z.output<typeof SloInput>;
export type SloPatch = z.output<typeof SloPatch>;
export type SloStatus = z.infer<typeof SloStatus>;
