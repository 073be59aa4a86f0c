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

/** Problems with the templates of an action input: unknown variables, unterminated `{{`. */
export function templateProblems(input: unknown, fields: FieldSet): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const { path, text } of strings(input)) {
    const stripped = text.replace(TEMPLATE, '');
    if (stripped.includes('{{')) problems.push({ path, message: 'expected }} to close {{' });
    for (const [, variable] of text.matchAll(TEMPLATE)) {
      const name = variable!;
      if (name === 'trigger.type' || name === 'rule.name' || name === 'rule.id') continue;
      const field = name.startsWith('trigger.payload.') ? name.slice('trigger.payload.'.length) : undefined;
      if (field === undefined || !fields.has(field)) {
        problems.push({ path, message: `unknown variable {{ ${name} }}; expected trigger.payload.<field> (${[...fields].filter((f) => !f.includes('.')).join(', ')}), trigger.type or rule.name` });
      }
    }
  }
  return problems;
}

/** The input with every template replaced by its value (objects as JSON, missing values as ""). */
export function renderInput<T>(input: T, scope: { trigger: { type: string; payload: Record<string, unknown> }; rule: { id: string; name: string } }): T {
  const value = (name: string): string => {
    if (name === 'trigger.type') return scope.trigger.type;
    if (name === 'rule.name') return scope.rule.name;
    if (name === 'rule.id') return scope.rule.id;
    let current: unknown = scope.trigger.payload;
    for (const part of name.replace(/^trigger\.payload\./, '').split('.')) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
    if (current === undefined || current === null) return '';
    return typeof current === 'object' ? JSON.stringify(current) : String(current);
  };
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return item.replace(TEMPLATE, (_, name: string) => value(name));
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, child]) => [key, walk(child)]));
    return item;
  };
  return walk(input) as T;
}
