import type { SpecPath } from './kinds/types.ts';

/**
 * What applying documents would change (SPEC §7.2; issue 22), decided purely: the desired
 * resources (from the files) against the current ones (read from the server and written back as
 * specs), kind by kind and field by field. Apply carries the plan out; diff prints it; a second
 * apply of the same files plans nothing. Table-tested in plan.test.ts.
 */

export interface PlannedResource {
  kind: string;
  name: string;
  spec: unknown;
  /** Apply order of its kind (dependencies first). */
  order: number;
  /** Current resources only: created from files (so `--prune` may remove it), else through the API or UI. */
  fromFiles?: boolean;
  /** Paths whose values are secrets: shown as changed or unchanged, never as values. */
  secretPaths?: readonly string[];
}

export interface FieldChange {
  /** Dotted, from the spec: `config.url`, `healthchecks.0.ref`. */
  path: string;
  before?: unknown;
  after?: unknown;
  /** A secret's value changed: neither value is shown. */
  secret?: true;
}

export interface PlannedChange {
  kind: string;
  name: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  /** For an update, each field that differs. */
  fields: FieldChange[];
}

export interface PlanOptions {
  /** Remove what the files no longer declare among resources created from files. */
  prune?: boolean;
  /** … and those created in the UI or API too. */
  pruneAll?: boolean;
}

const key = (kind: string, name: string) => `${kind}\u0000${name.toLowerCase()}`;

/**
 * Creates and updates in apply order (dependencies first), then deletes in reverse (dependents
 * first); within a kind, by name. Unchanged resources are listed too, so diff can say so.
 */
export function plan(desired: readonly PlannedResource[], current: readonly PlannedResource[], options: PlanOptions = {}): PlannedChange[] {
  const existing = new Map(current.map((resource) => [key(resource.kind, resource.name), resource]));
  const wanted = new Set(desired.map((resource) => key(resource.kind, resource.name)));
  const byOrder = (a: PlannedResource, b: PlannedResource) => a.order - b.order || a.name.localeCompare(b.name);
  const changes: PlannedChange[] = [];
  for (const resource of [...desired].sort(byOrder)) {
    const before = existing.get(key(resource.kind, resource.name));
    if (!before) {
      changes.push({ kind: resource.kind, name: resource.name, action: 'create', fields: [] });
      continue;
    }
    const fields = diffFields(before.spec, resource.spec, [], new Set(resource.secretPaths ?? []));
    changes.push({ kind: resource.kind, name: resource.name, action: fields.length ? 'update' : 'unchanged', fields });
  }
  if (options.prune || options.pruneAll) {
    const gone = current.filter((resource) => !wanted.has(key(resource.kind, resource.name)) && (options.pruneAll || resource.fromFiles));
    for (const resource of gone.sort((a, b) => byOrder(b, a))) changes.push({ kind: resource.kind, name: resource.name, action: 'delete', fields: [] });
  }
  return changes;
}

/** Every field that differs between two specs; lists compared item by item, a list that changed length as a whole. */
export function diffFields(before: unknown, after: unknown, path: SpecPath = [], secretPaths: ReadonlySet<string> = new Set()): FieldChange[] {
  const dotted = path.join('.');
  // A secret the documents leave out keeps its stored value (as the API does with one left out).
  if (secretPaths.has(dotted)) return after === undefined || equal(before, after) ? [] : [{ path: dotted, secret: true }];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffFields(before[k], after[k], [...path, k], secretPaths));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => diffFields(item, after[index], [...path, index], secretPaths));
  }
  if (equal(before, after)) return [];
  return [{ path: dotted, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep equality of JSON values; a missing field equals null (the API answers null where a file leaves it out). */
function equal(a: unknown, b: unknown): boolean {
  if ((a ?? null) === (b ?? null)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => equal(a[k], b[k]));
  }
  return false;
}
