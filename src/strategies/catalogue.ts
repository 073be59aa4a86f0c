import { z } from 'zod';
import { OPERATORS_BY_TYPE, PATHABLE_TYPES, type FieldType, type Operator } from '../assertions/types.ts';
import { collectorFields } from './registry.ts';
import type { AnyCollector, AnyStrategy } from './types.ts';
import type { VersionedSchema } from './versioned.ts';

/**
 * What a strategy offers, for people and programs writing configurations (the UI's forms, AI
 * tools): its config as JSON Schema, with the paths templates may render and the secret ones
 * marked, and each collector's result fields with the assertion operators that fit them.
 */

export type JsonSchema = Record<string, unknown>;

export interface ResultField {
  name: string;
  type: FieldType;
  description: string;
  operators: Operator[];
  /** An assertion may reach into it with a JSON path (then every operator applies). */
  jsonPath: boolean;
}

export interface CollectorDescription {
  id: string;
  title: string;
  version: number;
  configSchema: JsonSchema;
  resultFields: ResultField[];
}

export interface StrategyDescription {
  id: string;
  title: string;
  version: number;
  runsOnHost: boolean;
  passive: boolean;
  defaultCollector: string;
  configSchema: JsonSchema;
  collectors: CollectorDescription[];
}

export const TEMPLATABLE_MARK = 'x-vigil-templatable';
export const SECRET_MARK = 'x-vigil-secret';

export function describeStrategy(strategy: AnyStrategy): StrategyDescription {
  return {
    id: strategy.id,
    title: strategy.title,
    version: strategy.config.version,
    runsOnHost: strategy.runsOnHost ?? false,
    passive: strategy.passive ?? false,
    defaultCollector: strategy.defaultCollector,
    configSchema: configJsonSchema(strategy.config, { templatable: strategy.templatable, secret: strategy.secret }),
    collectors: strategy.collectors.map(describeCollector),
  };
}

function describeCollector(collector: AnyCollector): CollectorDescription {
  return {
    id: collector.id,
    title: collector.title,
    version: collector.config.version,
    configSchema: configJsonSchema(collector.config, { templatable: collector.templatable, secret: [] }),
    resultFields: Object.entries(collectorFields(collector)).map(([name, spec]) => ({
      name,
      type: spec.type,
      description: spec.description,
      operators: [...OPERATORS_BY_TYPE[spec.type]],
      jsonPath: PATHABLE_TYPES.has(spec.type),
    })),
  };
}

/**
 * The JSON Schema of what a person writes (defaults make fields optional), plus the `version` key a
 * stored config may carry: older versions are migrated when read, so any up to the current is valid.
 */
export function configJsonSchema(config: VersionedSchema<unknown>, marks: { templatable: readonly string[]; secret: readonly string[] }): JsonSchema {
  const schema = z.toJSONSchema(config.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    properties.version = { type: 'integer', minimum: 1, maximum: config.version, description: 'The schema version the config was written for; absent means 1' };
  }
  for (const path of marks.templatable) mark(schema, path.split('.'), TEMPLATABLE_MARK);
  for (const path of marks.secret) mark(schema, path.split('.'), SECRET_MARK);
  return schema;
}

/** Marks every node a dot path (`*` = any key or item) can reach; a path the schema lacks marks nothing. */
function mark(node: JsonSchema, path: string[], key: string): void {
  for (const branch of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const option of (node[branch] as JsonSchema[] | undefined) ?? []) mark(option, path, key);
  }
  const [head, ...rest] = path;
  if (head === undefined) {
    node[key] = true;
    return;
  }
  const children: unknown[] = [];
  if (head === '*') children.push(node.additionalProperties, node.items, ...Object.values((node.properties as object | undefined) ?? {}));
  else children.push((node.properties as Record<string, unknown> | undefined)?.[head]);
  for (const child of children) {
    if (child && typeof child === 'object' && !Array.isArray(child)) mark(child as JsonSchema, rest, key);
  }
}
