import { z } from 'zod';
import { AutomationRuleInput, type AutomationRule } from '../../automation/model.ts';
import { resolveRule } from '../../automation/rule.ts';
import { ValidationError } from '../../kernel/errors.ts';
import { everyNamed } from '../services.ts';
import type { Kind, Names, Reference, SpecPath, SpecProblem } from './types.ts';

/**
 * An automation rule (SPEC §6.1): trigger, filter, window, for, actions. Action inputs are the
 * API's, except that what the API takes as an id a file writes as a name (ids differ from one
 * Vigil to the next): `channel` for `channelId`, `system`/`systems` for `systemId`/`systemIds`,
 * `healthcheck` for `configurationId`, and `openedBy` names an Automation. An id field may still
 * hold a template (`systemId: "{{ trigger.payload.systemId }}"`), which is rendered per event.
 */
const NAMED = [
  { name: 'channel', id: 'channelId', kind: 'NotificationChannel' },
  { name: 'system', id: 'systemId', kind: 'System' },
  { name: 'systems', id: 'systemIds', kind: 'System' },
  { name: 'healthcheck', id: 'configurationId', kind: 'Healthcheck' },
  { name: 'openedBy', id: 'openedBy', kind: 'Automation' },
] as const;

/** Stands for the id a name will have: the action's own schema checks everything else offline. */
const SOME_ID = '00000000-0000-4000-8000-000000000000';

const spec = z
  .object(AutomationRuleInput.shape)
  .omit({ name: true })
  .strict()
  .superRefine((rule, ctx) => {
    const reported: SpecPath[] = [];
    const report = (problem: SpecProblem) => {
      reported.push(problem.path);
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    };
    const actions = rule.actions.map((action, index) => {
      const translated = actionInputWithIds(action.input, () => SOME_ID);
      for (const problem of translated.problems) report({ path: ['actions', index, 'input', ...problem.path], message: problem.message });
      return { type: action.type, input: translated.input, written: action.input };
    });
    const resolved = resolveRule({ ...rule, actions });
    if (resolved.ok) return;
    for (const problem of resolved.problems) {
      const inFile = inFileWords(problem, actions);
      if (reported.some((at) => at.every((segment, i) => segment === inFile.path[i]))) continue;
      ctx.addIssue({ code: 'custom', ...inFile });
    }
  });
type AutomationSpec = z.output<typeof spec>;

export const automationKind: Kind<AutomationSpec, AutomationRule> = {
  kind: 'Automation',
  order: 90,
  spec,
  named: true,
  references: (rule) =>
    rule.actions.flatMap((action, index) =>
      NAMED.flatMap(({ name, kind }): Reference[] => {
        const value = action.input[name];
        const at: SpecPath = ['actions', index, 'input', name];
        if (typeof value === 'string') return [{ kind, name: value, path: at }];
        if (Array.isArray(value)) return value.flatMap((item, i) => (typeof item === 'string' ? [{ kind, name: item, path: [...at, i] }] : []));
        return [];
      }),
    ),
  store: ({ automations }) => ({
    list: () => everyNamed((page) => automations.list(page)),
    toSpec: (rule, names) => ({
      description: rule.description,
      enabled: rule.enabled,
      trigger: rule.trigger as AutomationSpec['trigger'],
      filter: rule.filter,
      window: rule.window,
      for: rule.for,
      actions: rule.actions.map((action) => ({ type: action.type, input: actionInputWithNames(action.input, names) })),
    }),
    /** Action inputs as stored: their defaults filled in. */
    desired(rule) {
      const stand = new Map<string, string>();
      const standIn = (kind: string, name: string) => {
        const key = `${kind}\u0000${name}`;
        if (!stand.has(key)) stand.set(key, `00000000-0000-4000-8000-${stand.size.toString(16).padStart(12, '0')}`);
        return stand.get(key)!;
      };
      const resolved = resolveRule({ ...rule, actions: rule.actions.map((action) => ({ type: action.type, input: actionInputWithIds(action.input, standIn).input })) });
      if (!resolved.ok) throw new ValidationError(resolved.problems.map((problem) => ({ path: problem.path.join('.'), message: problem.message })));
      const back = new Map([...stand].map(([key, id]) => [id, key.split('\u0000')[1]!]));
      const byStandIn: Names = { id: (_kind, name) => name, name: (_kind, id) => back.get(id) ?? id };
      return { ...rule, actions: resolved.rule.actions.map((action) => ({ type: action.type, input: actionInputWithNames(action.input, byStandIn) })) };
    },
    create: async ({ name, spec: rule }, { names }) => (await automations.create({ name, ...withIds(rule, names) })).id,
    update: async (id, { name, spec: rule }, { names }) => void (await automations.update(id, { name, ...withIds(rule, names) })),
    remove: (id) => automations.remove(id),
  }),
};

/**
 * An action's input as the API takes it: each name replaced by the id `idOf` gives it. Problems:
 * an id written literally, a name that is a template, a field written both ways.
 */
export function actionInputWithIds(
  input: Record<string, unknown>,
  idOf: (kind: string, name: string) => string,
): { input: Record<string, unknown>; problems: SpecProblem[] } {
  const result = { ...input };
  const problems: SpecProblem[] = [];
  for (const { name, id, kind } of NAMED) {
    const written = input[name];
    if (name !== id && input[id] !== undefined) {
      if (written !== undefined) problems.push({ path: [name], message: `expected one of ${name} and ${id}, not both` });
      else if (!templated(input[id])) problems.push({ path: [id], message: `ids differ from one Vigil to the next: write ${name}: <${kind} name> (${id} takes only a template such as {{ trigger.payload.${id} }})` });
      continue;
    }
    if (written === undefined) continue;
    if (typeof written === 'string' ? written.includes('{{') : Array.isArray(written) && written.some((item) => typeof item === 'string' && item.includes('{{'))) {
      problems.push({ path: [name], message: `${name} names a ${kind} and is looked up when the documents are applied, so it cannot be a template${name === id ? '' : ` (use ${id} for one)`}` });
      continue;
    }
    delete result[name];
    result[id] = typeof written === 'string' ? idOf(kind, written) : Array.isArray(written) ? written.map((item) => (typeof item === 'string' ? idOf(kind, item) : item)) : written;
  }
  return { input: result, problems };
}

function templated(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  return Array.isArray(value) && value.every(templated);
}

/**
 * A problem of an action's input as the file wrote it. The API names id fields
 * (`channelId: expected exactly one of channelId and systemId`); a file writes names, unless it
 * wrote the id field itself (a template).
 */
function inFileWords(problem: SpecProblem, actions: { written: Record<string, unknown> }[]): SpecProblem {
  const [head, index, input, key, ...rest] = problem.path;
  if (head !== 'actions' || input !== 'input' || typeof index !== 'number') return problem;
  const action = actions[index];
  if (!action) return problem;
  const renamed = NAMED.filter(({ name, id }) => name !== id && action.written[id] === undefined);
  // Only a problem about an id field itself speaks of it: elsewhere `systemId` may be a payload field's name.
  const about = renamed.find(({ id }) => id === key);
  if (key !== undefined && !about) return problem;
  let message = problem.message;
  for (const { name, id } of renamed) message = message.replace(new RegExp(`\\b${id}\\b`, 'g'), name);
  return { path: about ? ['actions', index, 'input', about.name, ...rest] : problem.path, message };
}

function withIds(rule: AutomationSpec, names: Names): AutomationSpec {
  return { ...rule, actions: rule.actions.map((action) => ({ type: action.type, input: actionInputWithIds(action.input, (kind, name) => names.id(kind, name)).input })) };
}

/** An action's input as a file writes it: each id (not a template) as the name of what it names. */
export function actionInputWithNames(input: Record<string, unknown>, names: Names): Record<string, unknown> {
  const result = { ...input };
  for (const { name, id, kind } of NAMED) {
    const value = input[id];
    if (value === undefined || templated(value)) continue;
    const named = typeof value === 'string' ? names.name(kind, value) : Array.isArray(value) ? value.map((item) => (typeof item === 'string' && !templated(item) ? names.name(kind, item) : item)) : value;
    delete result[id];
    result[name] = named;
  }
  return result;
}
