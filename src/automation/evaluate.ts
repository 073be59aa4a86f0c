import { evaluate, parseExpression, passes, type Node } from './filter.ts';
import { endsPending, partitionOf, windowDecision, type WindowSpec } from './gates.ts';

/**
 * One rule against one event, decided purely (SPEC §6.1: filter → window → for). The runner
 * reads the window count and whether a `for` is already waiting, asks here, and writes what it
 * says; the dry run asks the same question and writes nothing.
 */

export interface RuleDefinition {
  id: string;
  name: string;
  trigger: string;
  filter: string | null;
  window: (WindowSpec & { partitionBy?: string | null }) | null;
  forMs: number | null;
  actions: { type: string; input: Record<string, unknown> }[];
}

export interface CompiledRule extends RuleDefinition {
  filterNode: Node | null;
  partitionNode: Node | null;
}

/** Parses the rule's expressions (validated on save; a rule stored before a change of the language fails here, loudly). */
export function compileRule(rule: RuleDefinition): CompiledRule {
  const parse = (source: string, what: string): Node => {
    const parsed = parseExpression(source);
    if (!parsed.ok) throw new Error(`rule ${rule.name}: ${what}: ${parsed.error}`);
    return parsed.node;
  };
  return {
    ...rule,
    filterNode: rule.filter ? parse(rule.filter, 'filter') : null,
    partitionNode: rule.window?.partitionBy ? parse(rule.window.partitionBy, 'window.partitionBy') : null,
  };
}

export interface TriggerEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  at: Date;
}

/** What the gates said, as an execution records it. */
export interface Gates {
  filter: { passed: boolean };
  window?: { passed: boolean; count: number; needed: number; minutes: number; refire: 'every' | 'once' };
  for?: { ms: number; dueAt: string };
}

export type Verdict =
  /** A gate said no. */
  | { state: 'skipped'; gates: Gates; partition: string; reason: string; episode: 'open' | 'close' | 'keep' }
  /** `for` holds it until `dueAt`, unless cancelled first. */
  | { state: 'waiting'; gates: Gates; partition: string; dueAt: Date; episode: 'open' | 'close' | 'keep' }
  /** Its actions run now. */
  | { state: 'fire'; gates: Gates; partition: string; episode: 'open' | 'close' | 'keep' };

/** The partition and filter result of an event for a rule: what the runner needs before it counts. */
export function firstGate(rule: CompiledRule, event: TriggerEvent): { partition: string; passed: boolean } {
  const scope = { type: event.topic, payload: event.payload };
  const passed = rule.filterNode ? passes(rule.filterNode, scope) : true;
  const partition = partitionOf(event.payload, rule.partitionNode ? { ok: true, value: evaluate(rule.partitionNode, scope) } : undefined);
  return { partition, passed };
}

/**
 * The verdict for an event of the rule's trigger. `count`: events of the partition that passed the
 * filter within the window, this one included; `episodeOpen`: refire "once" already fired in this
 * episode; `waiting`: a `for` of this partition is already waiting (it keeps its own due time).
 */
export function decide(
  rule: CompiledRule,
  event: TriggerEvent,
  facts: { count: number; episodeOpen: boolean; waiting: boolean },
  /** The filter's result when the caller has it already (the runner decided it before counting). */
  gate: { partition: string; passed: boolean } = firstGate(rule, event),
): Verdict {
  const { partition, passed } = gate;
  const gates: Gates = { filter: { passed } };
  if (!passed) return { state: 'skipped', gates, partition, reason: 'the filter did not match', episode: 'keep' };
  let episode: 'open' | 'close' | 'keep' = 'keep';
  if (rule.window) {
    const decision = windowDecision(rule.window, facts.count, facts.episodeOpen);
    episode = decision.episode;
    gates.window = { passed: decision.fire, count: facts.count, needed: rule.window.count, minutes: rule.window.minutes, refire: rule.window.refire };
    if (!decision.fire) {
      const reason = facts.count < rule.window.count ? `${facts.count} of ${rule.window.count} events in ${rule.window.minutes} min` : 'already fired in this episode (refire once)';
      return { state: 'skipped', gates, partition, reason, episode };
    }
  }
  if (rule.forMs) {
    const dueAt = new Date(event.at.getTime() + rule.forMs);
    gates.for = { ms: rule.forMs, dueAt: dueAt.toISOString() };
    if (facts.waiting) return { state: 'skipped', gates, partition, reason: 'a for of this partition is already waiting', episode };
    return { state: 'waiting', gates, partition, dueAt, episode };
  }
  return { state: 'fire', gates, partition, episode };
}

/** Whether an event (of any topic) ends this rule's waiting `for` in the event's partition. */
export function cancels(rule: CompiledRule, event: TriggerEvent): { partition: string } | undefined {
  if (!rule.forMs) return undefined;
  const { partition, passed } = firstGate(rule, event);
  return endsPending(rule, { topic: event.topic, passesFilter: event.topic === rule.trigger && passed }) ? { partition } : undefined;
}
