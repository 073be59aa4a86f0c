import { describe, expect, it } from 'vitest';
import { findCycle } from './dependencies.ts';

describe('findCycle', () => {
  const rows: { name: string; edges: [string, string[]][]; system: string; dependsOn: string[]; expected: string[] | null }[] = [
    { name: 'no dependencies', edges: [], system: 'a', dependsOn: [], expected: null },
    { name: 'a chain', edges: [['b', ['c']]], system: 'a', dependsOn: ['b'], expected: null },
    { name: 'a diamond is no cycle', edges: [['b', ['d']], ['c', ['d']]], system: 'a', dependsOn: ['b', 'c'], expected: null },
    { name: 'itself', edges: [], system: 'a', dependsOn: ['a'], expected: ['a', 'a'] },
    { name: 'two systems on each other', edges: [['b', ['a']]], system: 'a', dependsOn: ['b'], expected: ['a', 'b', 'a'] },
    { name: 'a longer loop', edges: [['b', ['c']], ['c', ['d']], ['d', ['a']]], system: 'a', dependsOn: ['x', 'b'], expected: ['a', 'b', 'c', 'd', 'a'] },
    { name: 'the system’s old edges do not count', edges: [['a', ['b']], ['b', ['c']]], system: 'a', dependsOn: ['c'], expected: null },
    { name: 'a loop elsewhere is not this one’s', edges: [['b', ['c']], ['c', ['b']]], system: 'a', dependsOn: ['b'], expected: null },
  ];
  for (const row of rows) it(row.name, () => expect(findCycle(new Map(row.edges), row.system, row.dependsOn)).toEqual(row.expected));
});
