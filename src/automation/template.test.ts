import { describe, expect, it } from 'vitest';
import { renderInput, templateProblems } from './template.ts';
import { payloadFields } from './triggers.ts';

const fields = payloadFields('healthcheck.system_degraded');
const scope = { trigger: { type: 'healthcheck.system_degraded', payload: { systemId: 's1', systemName: 'payments', previousStatus: 'healthy', newStatus: 'unhealthy' } }, rule: { id: 'r1', name: 'sustained' } };

describe('templateProblems', () => {
  const rows: { name: string; input: unknown; position?: number; expected: string[] }[] = [
    { name: 'payload fields, the trigger type and the rule name', input: { title: '{{ trigger.payload.systemName }} ({{ trigger.type }}, {{rule.name}})' }, expected: [] },
    { name: 'an unknown field', input: { title: '{{ trigger.payload.nope }}' }, expected: ['unknown variable {{ trigger.payload.nope }}'] },
    { name: 'an unterminated template', input: { title: '{{ trigger.payload.systemName' }, expected: ['expected }} to close {{'] },
    { name: 'an earlier action’s output', input: { message: '{{ actions.0.output.runs.0.message }}' }, position: 1, expected: [] },
    { name: 'its own output', input: { message: '{{ actions.1.output }}' }, position: 1, expected: ['{{ actions.1.output }} names action 1, which does not run before this one (action 1)'] },
    { name: 'nested strings are checked too', input: { body: { a: ['{{ trigger.payload.x }}'] } }, expected: ['unknown variable {{ trigger.payload.x }}'] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const problems = templateProblems(row.input, fields, row.position);
      expect(problems.map((p) => p.message.split(';')[0])).toEqual(row.expected);
    });
  }
});

describe('renderInput', () => {
  it('renders the trigger and the rule when queued, and leaves earlier outputs for when it runs', () => {
    const input = { title: '{{ trigger.payload.systemName }} by {{ rule.name }}', message: 'saw {{ actions.0.output.runs.0.status }}', nested: ['{{ trigger.payload.missing }}'] };
    expect(renderInput(input, scope)).toEqual({ title: 'payments by sustained', message: 'saw {{ actions.0.output.runs.0.status }}', nested: [''] });
    expect(renderInput(renderInput(input, scope), scope, [{ runs: [{ status: 'unhealthy' }] }])).toEqual({ title: 'payments by sustained', message: 'saw unhealthy', nested: [''] });
  });
  it('writes objects as JSON and a missing output as nothing', () => {
    expect(renderInput({ all: '{{ actions.0.output }}', none: '{{ actions.0.output.x }}' }, scope, [{ ok: 1 }])).toEqual({ all: '{"ok":1}', none: '' });
  });
});
