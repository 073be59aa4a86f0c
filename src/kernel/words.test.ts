import { describe, expect, it } from 'vitest';
import { withArticle } from './words.ts';

describe('withArticle', () => {
  const rows: [string, string][] = [
    ['system', 'a system'],
    ['group', 'a group'],
    ['environment', 'an environment'],
    ['assignment', 'an assignment'],
    ['configuration', 'a configuration'],
    ['integer', 'an integer'],
    ['object', 'an object'],
    ['unhealthy run', 'an unhealthy run'],
    ['update', 'an update'],
    ['URL', 'a URL'],
    ['UUID', 'a UUID'],
    ['user', 'a user'],
    ['unique name', 'a unique name'],
  ];
  for (const [noun, expected] of rows) it(`${noun} → ${expected}`, () => expect(withArticle(noun)).toBe(expected));
});
