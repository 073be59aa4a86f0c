/** The assertion language's shared vocabulary (SPEC §1.2). */

export const OPERATORS = [
  'equals',
  'notEquals',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'matches',
  'isEmpty',
  'isNotEmpty',
  'isTrue',
  'isFalse',
  'includes',
  'notIncludes',
  'lengthEquals',
  'lengthGreaterThan',
  'lengthLessThan',
  'in',
  'exists',
  'notExists',
] as const;

export type Operator = (typeof OPERATORS)[number];

export type FieldType = 'number' | 'string' | 'boolean' | 'array' | 'json' | 'object';

export interface FieldSpec {
  type: FieldType;
  description: string;
}

export type FieldSpecs = Record<string, FieldSpec>;

export type AssertionValue = string | number | boolean | null | AssertionValue[];

export type AssertionSeverity = 'unhealthy' | 'degraded';

/** The stored (object) form of an assertion; the string form is sugar for it. */
export interface Assertion {
  field: string;
  operator: Operator;
  value?: AssertionValue;
  jsonPath?: string;
  severity?: AssertionSeverity;
}

export interface AssertionOutcome {
  passed: boolean;
  actual: unknown;
  message: string;
}

/** Operators that compare against nothing: `banner exists`, `enabled isTrue`. */
export const OPERATORS_WITHOUT_VALUE: ReadonlySet<Operator> = new Set([
  'isEmpty',
  'isNotEmpty',
  'isTrue',
  'isFalse',
  'exists',
  'notExists',
]);

const NUMBER_OPERATORS: Operator[] = [
  'equals',
  'notEquals',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'in',
];
const STRING_OPERATORS: Operator[] = [
  ...NUMBER_OPERATORS,
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'matches',
  'isEmpty',
  'isNotEmpty',
];
const PRESENCE_OPERATORS: Operator[] = ['exists', 'notExists'];

/**
 * Which operators fit a field of each type. A value reached through a JSON
 * path has no declared type, so it gets every operator.
 */
export const OPERATORS_BY_TYPE: Record<FieldType | 'jsonPath', readonly Operator[]> = {
  number: [...NUMBER_OPERATORS, ...PRESENCE_OPERATORS],
  string: [...STRING_OPERATORS, ...PRESENCE_OPERATORS],
  boolean: ['isTrue', 'isFalse', 'equals', 'notEquals', ...PRESENCE_OPERATORS],
  array: [
    'includes',
    'notIncludes',
    'contains',
    'notContains',
    'lengthEquals',
    'lengthGreaterThan',
    'lengthLessThan',
    'isEmpty',
    'isNotEmpty',
    ...PRESENCE_OPERATORS,
  ],
  object: ['isEmpty', 'isNotEmpty', ...PRESENCE_OPERATORS],
  json: [...STRING_OPERATORS, ...PRESENCE_OPERATORS],
  jsonPath: OPERATORS,
};

/** Field types a JSON path may walk into. */
export const PATHABLE_TYPES: ReadonlySet<FieldType> = new Set(['json', 'object', 'array']);
