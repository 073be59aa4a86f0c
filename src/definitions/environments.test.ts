import { describe, expect, it } from 'vitest';
import { effectiveEnvironments } from './environments.ts';

describe('effectiveEnvironments (SPEC §2.4)', () => {
  const rows: { name: string; assignment: string[] | null; membership: string[]; expected: string[] }[] = [
    { name: 'null: every environment the system is a member of, in its order', assignment: null, membership: ['prod', 'staging'], expected: ['prod', 'staging'] },
    { name: 'null on a system without environments: env-less', assignment: null, membership: [], expected: [] },
    { name: '[]: none, one env-less run', assignment: [], membership: ['prod', 'staging'], expected: [] },
    { name: 'a list: those environments, in the system’s order', assignment: ['staging', 'prod'], membership: ['prod', 'eu', 'staging'], expected: ['prod', 'staging'] },
    { name: 'ids no longer in the membership are dropped silently', assignment: ['prod', 'gone'], membership: ['prod', 'staging'], expected: ['prod'] },
    { name: 'none left: env-less', assignment: ['gone'], membership: ['prod'], expected: [] },
  ];
  for (const row of rows) it(row.name, () => expect(effectiveEnvironments(row.assignment, row.membership)).toEqual(row.expected));
});
