import { z } from 'zod';
import { TOPICS, type Topic } from '../events/topics.ts';
import type { FieldSet } from './filter.ts';

/**
 * The events a rule may trigger on (SPEC §6.1; issue 20): the durable ones, written to the outbox
 * in the transaction of what they announce. Live signals (`run.completed`) and internal topics are
 * not triggers: nothing durable stands behind them.
 */
export const TRIGGERS = [
  'healthcheck.system_degraded',
  'healthcheck.system_healthy',
  'healthcheck.system_health_changed',
  'healthcheck.check_failed',
  'slo.burn_rate_high',
  'slo.burn_rate_normal',
  'incident.created',
  'incident.updated',
  'maintenance.started',
  'maintenance.ended',
] as const satisfies readonly Topic[];

export type Trigger = (typeof TRIGGERS)[number];

export function isTrigger(topic: string): topic is Trigger {
  return (TRIGGERS as readonly string[]).includes(topic);
}

/** Every field path a trigger's payload can have (`newStatus`, `burnRates.1h`), for validating filters and templates. */
export function payloadFields(trigger: Trigger): FieldSet {
  const fields = new Set<string>();
  const walk = (schema: z.ZodType, prefix: string) => {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
        const path = prefix ? `${prefix}.${key}` : key;
        fields.add(path);
        walk(child, path);
      }
    }
  };
  walk(TOPICS[trigger] as z.ZodType, '');
  return fields;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
  return current;
}

/** The catalogue: each trigger with its payload's JSON Schema. */
export function triggerCatalogue() {
  return TRIGGERS.map((id) => ({ id, payloadSchema: z.toJSONSchema(TOPICS[id] as z.ZodType, { unrepresentable: 'any' }) as Record<string, unknown> }));
}
