import { z } from 'zod';
import type { StrategyRegistry } from '../../strategies/registry.ts';

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

export interface Kind<Spec> {
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
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds kinds of every spec
export type AnyKind = Kind<any>;

/** What `metadata.name` is unless the kind says otherwise: a DNS-label-like slug. */
export const Slug = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected 1–63 lower-case letters, digits and "-", starting and ending with a letter or digit');
