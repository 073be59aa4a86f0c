import { describe, expect, it } from 'vitest';
import { PassLoop, REPORT_REPEATS } from './pass-loop.ts';

describe('PassLoop: failures reported without flooding the log', () => {
  const rows: { name: string; outcomes: (string | null)[]; reported: number }[] = [
    { name: 'one failure is reported', outcomes: ['down'], reported: 1 },
    { name: 'the same failure pass after pass is reported once', outcomes: Array(REPORT_REPEATS - 1).fill('down'), reported: 1 },
    { name: 'and again after REPORT_REPEATS more passes', outcomes: Array(REPORT_REPEATS + 1).fill('down'), reported: 2 },
    { name: 'a different failure is reported at once', outcomes: ['down', 'down', 'disk full'], reported: 2 },
    { name: 'a success in between: the same failure afterwards is news', outcomes: ['down', null, 'down'], reported: 2 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      let pass = 0;
      const reported: unknown[] = [];
      const loop = new PassLoop(async () => {
        const outcome = row.outcomes[pass++];
        if (outcome) throw new Error(outcome);
      }, (error) => reported.push(error));
      for (let i = 0; i < row.outcomes.length; i++) await loop.kick();
      expect(reported).toHaveLength(row.reported);
    });
  }
});
