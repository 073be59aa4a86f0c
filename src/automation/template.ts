import type { FieldSet } from './filter.ts';

/**
 * `{{ trigger.payload.<field> }}` (and `{{ trigger.type }}`, `{{ rule.name }}`) in the string
 * values of an action's input: checked on save against the trigger's payload fields, rendered
 * from the event before the action runs. Pure.
 */

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every string in a value, with its path. */
function strings(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, [...path, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => strings(item, [...path, key]));
  return [];
}

/** `actions.<n>.output.<path>`: what an earlier action of the same execution answered, rendered when this one runs. */
const ACTION_OUTPUT = /^actions\.(\d+)\.output(\.[\w.-]+)?$/;
/** `secrets.<NAME>`: a stored secret, rendered only in memory when the action runs — never stored rendered. */
const SECRET = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** The secret names an input refers to (`{{ secrets.NAME }}`). */
export function secretsIn(input: unknown): string[] {
  return [...new Set(strings(input).flatMap(({ text }) => [...text.matchAll(TEMPLATE)].flatMap(([, name]) => SECRET.exec(name!)?.[1] ?? [])))];
}

/**
 * Problems with the templates of an action input: unknown variables, unterminated `{{`, an
 * `actions.<n>.output` of an action that does not come before this one (`position`).
 */
export function templateProblems(input: unknown, fields: FieldSet, position = 0): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const { path, text } of strings(input)) {
    const stripped = text.replace(TEMPLATE, '');
    if (stripped.includes('{{')) problems.push({ path, message: 'expected }} to close {{' });
    for (const [, variable] of text.matchAll(TEMPLATE)) {
      const name = variable!;
      if (name === 'trigger.type' || name === 'rule.name' || name === 'rule.id') continue;
      if (SECRET.test(name)) continue;
      const output = ACTION_OUTPUT.exec(name);
      if (output) {
        if (Number(output[1]) >= position) problems.push({ path, message: `{{ ${name} }} names action ${output[1]}, which does not run before this one (action ${position})` });
        continue;
      }
      const field = name.startsWith('trigger.payload.') ? name.slice('trigger.payload.'.length) : undefined;
      if (field === undefined || !fields.has(field)) {
        problems.push({ path, message: `unknown variable {{ ${name} }}; expected trigger.payload.<field> (${[...fields].filter((f) => !f.includes('.')).join(', ')}), trigger.type, rule.name, actions.<n>.output.<field> or secrets.<NAME>` });
      }
    }
  }
  return problems;
}

/**
 * The input with every template replaced by its value (objects as JSON, missing values as "").
 * Outputs of earlier actions (`actions.<n>.output…`) and secrets (`secrets.NAME`) are rendered
 * when `outputs` / `secrets` are given — when the action runs — and left as written before.
 */
export function renderInput<T>(
  input: T,
  scope: { trigger: { type: string; payload: Record<string, unknown> }; rule: { id: string; name: string } },
  outputs?: readonly (Record<string, unknown> | null)[],
  secrets?: ReadonlyMap<string, string>,
): T {
  const value = (name: string, written: string): string => {
    const secret = SECRET.exec(name);
    if (secret) {
      if (!secrets) return written;
      const found = secrets.get(secret[1]!.toLowerCase());
      if (found === undefined) throw Object.assign(new Error(`secret ${secret[1]} does not exist`), { permanent: true });
      return found;
    }
    const output = ACTION_OUTPUT.exec(name);
    if (output) {
      if (!outputs) return written;
      return text(dig(outputs[Number(output[1])], (output[2] ?? '').slice(1)));
    }
    if (name === 'trigger.type') return scope.trigger.type;
    if (name === 'rule.name') return scope.rule.name;
    if (name === 'rule.id') return scope.rule.id;
    return text(dig(scope.trigger.payload, name.replace(/^trigger\.payload\./, '')));
  };
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return item.replace(TEMPLATE, (written, name: string) => value(name, written));
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, child]) => [key, walk(child)]));
    return item;
  };
  return walk(input) as T;
}

function dig(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path ? path.split('.') : []) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
  return current;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
