import { z } from 'zod';
import type { StrategyRegistry } from '../../strategies/registry.ts';
import type { GitopsServices } from '../services.ts';

/**
 * The one contract every configuration-as-code kind implements (SPEC §7.2; issue 22), one file per
 * kind under kinds/, none special-cased elsewhere. A document is `{apiVersion: vigil/v1, kind,
 * metadata: {name, title?, labels?}, spec}`; its `spec` is the API body of the resource with names
 * where the API has ids, and `metadata.name` is the resource's name in the API (where the API has
 * one: names are unique there ignoring case, SPEC §1), so files and servers meet on names and a
 * file never holds a database id. validate, and later apply, diff and export, read kinds through
 * this contract only.
 */

/** A field inside a document's spec: keys and list positions. */
export type SpecPath = (string | number)[];

/** A document another one names: `spec.healthchecks.0.ref` → the Healthcheck `payments-health`. */
export interface Reference {
  kind: string;
  name: string;
  path: SpecPath;
}

export interface SpecProblem {
  path: SpecPath;
  message: string;
}

/** What a kind's checks read besides its spec: this Vigil's registries (the defaults offline, the server's when applying). */
export interface KindContext {
  strategies: StrategyRegistry;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a kind's stored resource is its store's business
export interface Kind<Spec, Resource = any> {
  /** As documents write it: `System`. */
  kind: string;
  /**
   * Apply order, dependencies first (Environment, Secret, Group, Healthcheck, System,
   * NotificationChannel, Subscription, MaintenanceWindow, Automation, Slo): a kind refers only to
   * kinds before it or to itself.
   */
  order: number;
  /** The rule for `metadata.name` when it is not a slug (Secret names follow the secrets API's). */
  name?: z.ZodType<string>;
  /**
   * The spec: the API body of the resource with names where the API has ids, derived from the
   * domain's own zod schema (never a second hand-written copy), its defaults filled in on parse.
   */
  spec: z.ZodType<Spec>;
  /** The documents this one names, each with where. */
  references(spec: Spec): Reference[];
  /** What the spec's schema cannot say alone because it needs a registry (a strategy's config, say). */
  check?(spec: Spec, context: KindContext): Promise<SpecProblem[]>;
  /** Problems of the documents of this kind taken together (a dependency cycle among systems). */
  checkAll?(documents: readonly { name: string; spec: Spec }[]): (SpecProblem & { name: string })[];
  /**
   * Resources of this kind have a unique name in the API: a document is the resource of its name
   * (its `metadata.title` when the API name is no slug). Else (subscriptions, maintenance windows)
   * a document is the resource it was applied as, remembered by name.
   */
  named: boolean;
  /** The spec as the API takes it when it differs from a file's: a Secret carries its value, read by whoever applies. */
  wire?: z.ZodType<Spec>;
  /** Paths (dotted) of a resolved spec holding secret values: diff says changed or unchanged, never the value. */
  secretPaths?(spec: Spec): string[];
  /** A file's spec for the server: `{{ secrets.NAME }}` in secret fields replaced by the value. */
  resolve?(spec: Spec, secret: (name: string) => Promise<string>): Promise<Spec>;
  /** A resolved spec written for a file (export): secret values back to references, named by `secretName`. */
  toFile?(spec: Spec, context: ExportContext): { spec: unknown; title?: string };
  /** How apply, diff and export reach this kind's resources. */
  store(services: GitopsServices): KindStore<Spec, Resource>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds kinds of every spec
export type AnyKind = Kind<any>;

/** What `metadata.name` is unless the kind says otherwise: a DNS-label-like slug. */
export const Slug = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected 1–63 lower-case letters, digits and "-", starting and ending with a letter or digit');

// ── applying, diffing and exporting (the server side) ─────────────────────

/**
 * This server's resources by name, both ways, for turning a spec's names into the API's ids and
 * back. `id` knows the resources the documents being applied create as soon as they exist.
 */
export interface Names {
  /** The id of the `kind` a document or the server calls `name`; throws a ValidationError naming it when there is none. */
  id(kind: string, name: string): string;
  /** The document name of the resource with this id (what export and diff write). */
  name(kind: string, id: string): string;
}

/** What a kind's store is given besides the spec. */
export interface ApplyContext {
  names: Names;
  /** `--prune`: a System's healthchecks are exactly its list (else ones not listed stay). */
  prune: boolean;
  /** The value of a Secret, from the documents being applied or else the server's. */
  secret(name: string): Promise<string>;
}

/** One resource as the server has it, named as documents name it. */
export interface StoredResource<Resource> {
  id: string;
  /** The API's name for named kinds (a document's `metadata.title`, or its name without one), else the name it was applied under. */
  name: string;
  resource: Resource;
}

/**
 * How one kind reaches the server's resources: through the domain's own service functions (the
 * ones the API routes call, so validation and the audit log are theirs), never its tables.
 * Specs handed to it are parsed by the kind's spec (defaults filled) and resolved: secret
 * templates in secret fields hold their values.
 */
export interface KindStore<Spec, Resource = unknown> {
  list(): Promise<StoredResource<Resource>[]>;
  /** A stored resource as a resolved spec (names for ids, secret fields holding their values): what diff compares. */
  toSpec(resource: Resource, names: Names): Promise<Spec> | Spec;
  create(document: Applied<Spec>, context: ApplyContext): Promise<string>;
  /**
   * Many at once, for kinds a large apply has thousands of (one statement instead of one per
   * resource); answers their ids in order. A problem of one names it by its index: `3.config.url`.
   */
  createMany?(documents: readonly Applied<Spec>[], context: ApplyContext): Promise<string[]>;
  /** Changes it in place, or answers the id of the resource that replaced it (a subscription to another channel is another subscription). */
  update(id: string, document: Applied<Spec> & { current: Resource }, context: ApplyContext): Promise<string | void>;
  remove(id: string): Promise<void>;
  /**
   * The spec as the server would store it (a strategy's defaults filled, dates in UTC), so diff
   * compares like with like. `current` is the stored resource's spec, if there is one.
   */
  desired?(spec: Spec, options: { current?: Spec; prune: boolean; name: string; title?: string }): Promise<Spec> | Spec;
  /** After every document of the kind is created or updated: what refers to the kind itself (a system's dependencies). */
  link?(id: string, document: Applied<Spec> & { current?: Resource }, context: ApplyContext): Promise<void>;
}

/** A document as a store gets it: its resource's name (see StoredResource), title and resolved spec. */
export interface Applied<Spec> {
  name: string;
  title?: string;
  spec: Spec;
}

/** What a kind writing a resolved spec for a file (export) is given. */
export interface ExportContext {
  /** The document's name. */
  name: string;
  /**
   * The Secret a secret value is exported as: one the server has with that value, else a new one
   * named `suggested` (read from the environment variable of its name when applied).
   */
  secretName(value: string, suggested: string): string;
}

/** The name a resource of a kind the API names not goes by: the one it was applied under, else one made of its id (export writes it). */
export function appliedName(prefix: string, id: string, applied: ReadonlyMap<string, string>): string {
  return applied.get(id) ?? `${prefix}-${id.slice(0, 8)}`;
}
