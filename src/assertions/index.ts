export { parseAssertion, parseAssertionString } from './parse.ts';
export type { ParsedAssertion } from './parse.ts';
export { evaluateAssertion, describeAssertion } from './evaluate.ts';
export { validateAssertion } from './validate.ts';
export { queryJsonPath, parseJsonPath } from './json-path.ts';
export { parseDuration } from './duration.ts';
export * from './types.ts';
