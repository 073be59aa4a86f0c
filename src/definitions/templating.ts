import { SECRET_NAME_PATTERN } from '../kernel/secret-name.ts';

/**
 * `{{ … }}` templates in check configs (SPEC §2.5). Pure: the engine passes in the render context
 * (environment fields, check, system, the secrets resolved for this run), so the rules are table
 * tests. Only strings at the paths a strategy or collector declares templatable are ever read or
 * rendered; everything else is taken literally.
 */

export interface RenderContext {
  /** The environment's custom fields; `{}` for an env-less run. */
  environment: Record<string, unknown>;
  check: { id: string; name: string; intervalSeconds: number };
  system: { id: string; name: string };
  /** Secret values resolved for this run, by lower-cased name. */
  secrets: ReadonlyMap<string, string>;
}

export type RenderOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** A template location: the config path of the string and the variable it names. */
export interface TemplateReference {
  path: (string | number)[];
  variable: string;
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const OPENING = '{{';

const CHECK_VARIABLES = ['id', 'name', 'intervalSeconds'] as const;
const SYSTEM_VARIABLES = ['id', 'name'] as const;

export const KNOWN_VARIABLES =
  'environment.<field>, check.id, check.name, check.intervalSeconds, system.id, system.name, secrets.<name>';

export function hasTemplate(text: string): boolean {
  return text.includes(OPENING);
}

/** Why a variable cannot be used in a template, or undefined when it can (checked on save, SPEC §7.3). */
export function variableProblem(variable: string): string | undefined {
  const dot = variable.indexOf('.');
  const root = dot < 0 ? variable : variable.slice(0, dot);
  const rest = dot < 0 ? '' : variable.slice(dot + 1);
  const unknown = `Unknown template variable "${variable}". Available: ${KNOWN_VARIABLES}`;
  if (root === 'environment') return /^[^.\s]+(\.[^.\s]+)*$/.test(rest) ? undefined : unknown;
  if (root === 'check') return (CHECK_VARIABLES as readonly string[]).includes(rest) ? undefined : unknown;
  if (root === 'system') return (SYSTEM_VARIABLES as readonly string[]).includes(rest) ? undefined : unknown;
  if (root === 'secrets') {
    if (SECRET_NAME_PATTERN.test(rest)) return undefined;
    return `Invalid secret name in "${variable}": names are letters, digits, "_" and "-" (at most 100)`;
  }
  return unknown;
}

/** The secret a variable names (`secrets.payments-token` → `payments-token`), if it names one. */
export function secretOf(variable: string): string | undefined {
  return variable.startsWith('secrets.') ? variable.slice('secrets.'.length) : undefined;
}

/** The variables a string names, in order; `unterminated` when a `{{` is never closed. */
export function variablesIn(text: string): { variables: string[]; unterminated: boolean } {
  const variables = [...text.matchAll(TEMPLATE)].map((match) => match[1] ?? '');
  return { variables, unterminated: text.replace(TEMPLATE, '').includes(OPENING) };
}

/** Does `path` fall under one of `patterns` (dot paths, `*` = any one segment, a pattern covers what is below it)? */
export function isTemplatable(path: readonly (string | number)[], patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const segments = pattern.split('.');
    if (segments.length > path.length) return false;
    return segments.every((segment, i) => segment === '*' || segment === String(path[i]));
  });
}

/** Every string in `config` that holds a template, with its path (for validation on save). */
export function templatedStrings(config: unknown): { path: (string | number)[]; text: string }[] {
  const found: { path: (string | number)[]; text: string }[] = [];
  // Configs are JSON documents from the API or YAML; the depth bound keeps a pathological one finite.
  const visit = (node: unknown, path: (string | number)[]) => {
    if (path.length > 32) return;
    if (typeof node === 'string') {
      if (hasTemplate(node)) found.push({ path, text: node });
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => visit(child, [...path, i]));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
    }
  };
  visit(config, []);
  return found;
}

/** The secrets referenced by templates at the templatable paths of `config`, lower-cased, once each. */
export function referencedSecrets(config: unknown, templatable: readonly string[]): string[] {
  const names = new Set<string>();
  for (const { path, text } of templatedStrings(config)) {
    if (!isTemplatable(path, templatable)) continue;
    for (const variable of variablesIn(text).variables) {
      const secret = secretOf(variable);
      if (secret !== undefined) names.add(secret.toLowerCase());
    }
  }
  return [...names];
}

/**
 * Renders the templates at `templatable` paths of `config` and leaves everything else untouched.
 * Unknown variables render empty (an env-less run has no environment fields); a secret that is
 * not in the context fails the render, naming the secret and never a value.
 */
export function renderConfig<T>(config: T, templatable: readonly string[], context: RenderContext): RenderOutcome<T> {
  if (templatable.length === 0) return { ok: true, value: config };
  let missing: string | undefined;
  const render = (text: string): string =>
    text.replace(TEMPLATE, (_whole, variable: string) => {
      const value = lookup(variable, context);
      if (value === undefined) {
        missing ??= secretOf(variable);
        return '';
      }
      return value;
    });
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return hasTemplate(node) && isTemplatable(path, templatable) ? render(node) : node;
    if (path.length > 32) return node;
    if (Array.isArray(node)) return node.map((child, i) => visit(child, [...path, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, visit(child, [...path, key])]));
    }
    return node;
  };
  const value = visit(config, []) as T;
  if (missing !== undefined) return { ok: false, error: `secret '${missing}' not found` };
  return { ok: true, value };
}

/** A variable's text; `undefined` only for a secret the context lacks (everything else unknown is ''). */
function lookup(variable: string, context: RenderContext): string | undefined {
  const secret = secretOf(variable);
  if (secret !== undefined) return context.secrets.get(secret.toLowerCase());
  const [root, ...rest] = variable.split('.');
  let node: unknown;
  if (root === 'environment') node = context.environment;
  else if (root === 'check') node = context.check;
  else if (root === 'system') node = context.system;
  else return '';
  for (const key of rest) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return '';
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || node === null) return '';
  return typeof node === 'string' ? node : typeof node === 'object' ? JSON.stringify(node) : String(node);
}
