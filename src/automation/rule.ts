import { issueDetails, plainMessage } from '../kernel/validation-messages.ts';
import { ACTION_TYPES, actionType } from './actions/registry.ts';
import { parseExpression } from './filter.ts';
import { MAX_FOR_MS, parseDuration } from './gates.ts';
import { templateProblems } from './template.ts';
import { payloadFields, type Trigger } from './triggers.ts';

/**
 * What makes a rule valid beyond its shape: its filter, `partitionBy` and action templates name
 * fields its trigger's payload has, its `for` is a duration within a day, and each action's input
 * is what that action takes. Checked on every save (the merged rule of a patch too) and by the dry
 * run; pure.
 */

/** A rule as written, its shape already checked (model.ts). */
export interface RuleSource {
  trigger: Trigger;
  filter?: string | null;
  window?: { count: number; minutes: number; refire: 'every' | 'once'; partitionBy?: string | null } | null;
  for?: string | null;
  actions: { type: string; input: Record<string, unknown> }[];
}

/** What is stored: `for` also in milliseconds, action inputs with their defaults filled in. */
export interface ResolvedRule {
  filter: string | null;
  window: { count: number; minutes: number; refire: 'every' | 'once'; partitionBy?: string } | null;
  forText: string | null;
  forMs: number | null;
  actions: { type: string; input: Record<string, unknown> }[];
}

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

export const FOR_MESSAGE = 'expected a duration such as 90s, 5m or 1h30m, at most 24h';

export function resolveRule(rule: RuleSource): { ok: true; rule: ResolvedRule } | { ok: false; problems: RuleProblem[] } {
  const fields = payloadFields(rule.trigger);
  const problems: RuleProblem[] = [];
  const filter = rule.filter?.trim() ? rule.filter : null;
  if (filter !== null) {
    const parsed = parseExpression(filter, fields);
    if (!parsed.ok) problems.push({ path: ['filter'], message: parsed.error });
  }
  const partitionBy = rule.window?.partitionBy?.trim() ? rule.window.partitionBy : undefined;
  if (partitionBy !== undefined) {
    const parsed = parseExpression(partitionBy, fields);
    if (!parsed.ok) problems.push({ path: ['window', 'partitionBy'], message: parsed.error });
  }
  const forText = rule.for?.trim() ? rule.for.trim() : null;
  const forMs = forText === null ? null : parseDuration(forText);
  if (forMs !== null && (forMs === undefined || forMs <= 0 || forMs > MAX_FOR_MS)) problems.push({ path: ['for'], message: FOR_MESSAGE });

  const actions = rule.actions.map((action, index) => {
    const type = actionType(action.type);
    if (!type) {
      problems.push({ path: ['actions', index, 'type'], message: `unknown action type "${action.type}"; expected one of ${ACTION_TYPES.map((a) => a.type).join(', ')}` });
      return action;
    }
    const at = (path: PropertyKey[]) => ['actions', index, 'input', ...path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    for (const problem of templateProblems(action.input, fields, index)) problems.push({ path: at(problem.path), message: problem.message });
    const parsed = type.input.safeParse(action.input, { error: plainMessage });
    if (!parsed.success) {
      for (const detail of issueDetails(parsed.error.issues)) problems.push({ path: at(detail.path), message: detail.message });
      return action;
    }
    return { type: action.type, input: parsed.data as Record<string, unknown> };
  });

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    rule: {
      filter,
      window: rule.window ? { count: rule.window.count, minutes: rule.window.minutes, refire: rule.window.refire, ...(partitionBy === undefined ? {} : { partitionBy }) } : null,
      forText,
      forMs: forMs ?? null,
      actions,
    },
  };
}

