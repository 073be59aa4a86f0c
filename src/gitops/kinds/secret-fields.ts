import { MASK } from '../../definitions/mask.ts';
import { isTemplatable, secretOf, templatedStrings, variablesIn } from '../../definitions/templating.ts';
import type { Reference, SpecPath, SpecProblem } from './types.ts';

/**
 * Files get committed, so a secret is never written in one: where a config takes a secret (a
 * channel's token, a strategy's password) a file writes `{{ secrets.NAME }}` and declares a
 * `Secret` document NAME whose value is read from the environment or a file when applied.
 */

/** Every `{{ secrets.NAME }}` in the strings below `value`, as references to Secret documents. */
export function secretReferences(value: unknown, at: SpecPath): Reference[] {
  return templatedStrings(value).flatMap(({ path, text }) =>
    variablesIn(text).variables.flatMap((variable) => {
      const name = secretOf(variable);
      return name === undefined ? [] : [{ kind: 'Secret', name, path: [...at, ...path] }];
    }),
  );
}

export interface SecretFields {
  problems: SpecProblem[];
  /** The config with every secret reference in a secret field replaced by a mask, for its schema to read. */
  config: Record<string, unknown>;
  /**
   * Where the schema's verdict is not the file's: a mask (its value is known once resolved) or a
   * problem already reported.
   */
  settled: SpecPath[];
}

/**
 * Reads the secret fields (`secretPaths`, dot paths covering what is below them, `*` = any key) of
 * a config written in a file: each string there must hold `{{ secrets.NAME }}` and nothing else
 * templated. With `refuseElsewhere`, a secret reference outside them is refused too: the config is
 * stored as written there, so the reference would be sent literally.
 */
export function readSecretFields(config: Record<string, unknown>, secretPaths: readonly string[], refuseElsewhere: boolean): SecretFields {
  const problems: SpecProblem[] = [];
  const masked: SpecPath[] = [];
  const fields = secretPaths.length ? secretPaths.join(', ') : 'none';
  for (const { path, text } of stringsIn(config)) {
    const { variables, unterminated } = variablesIn(text);
    if (!isTemplatable(path, secretPaths)) {
      if (refuseElsewhere && variables.some((variable) => secretOf(variable) !== undefined)) {
        problems.push({ path, message: `{{ secrets.… }} is read only in the secret fields (${fields}); here it would be kept as written` });
      }
      continue;
    }
    const other = variables.find((variable) => secretOf(variable) === undefined);
    if (unterminated) problems.push({ path, message: 'Unterminated template: a "{{" has no closing "}}"' });
    else if (variables.length === 0 && text !== '') problems.push({ path, message: 'a secret does not belong in a file that gets committed: write {{ secrets.NAME }} here and declare a Secret document NAME (valueFrom env or file)' });
    else if (other !== undefined) problems.push({ path, message: `expected only {{ secrets.NAME }} in a secret field, not {{ ${other} }}` });
    else if (variables.length > 0) masked.push(path);
  }
  return { problems, config: maskAt(config, masked), settled: [...masked, ...problems.map((problem) => problem.path)] };
}

/** Is `path` one of `settled` or below one? */
export function isSettled(path: readonly PropertyKey[], settled: readonly SpecPath[]): boolean {
  return settled.some((at) => at.length <= path.length && at.every((segment, i) => String(segment) === String(path[i])));
}

/** Every string in a config with its path, templated or not. */
function stringsIn(value: unknown, path: SpecPath = []): { path: SpecPath; text: string }[] {
  // YAML aliases can make a document deep; the bound keeps a pathological one finite.
  if (path.length > 32) return [];
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsIn(item, [...path, index]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsIn(item, [...path, key]));
  return [];
}

function maskAt(config: Record<string, unknown>, paths: readonly SpecPath[]): Record<string, unknown> {
  const copy = structuredClone(config);
  for (const path of paths) {
    let node: unknown = copy;
    for (const segment of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[segment];
    (node as Record<string | number, unknown>)[path.at(-1)!] = MASK;
  }
  return copy;
}
