/**
 * The filter language of automation rules (SPEC §6.1): a small expression over the trigger event,
 * e.g. `trigger.payload.newStatus != "healthy" and trigger.payload.totalChecks > 1`. A hand-written
 * recursive-descent parser (never eval) that says where it went wrong: every error names the
 * column, and an unknown field suggests the nearest one the trigger's payload has.
 *
 *   expression := or
 *   or         := and (("or" | "||") and)*
 *   and        := unary (("and" | "&&") unary)*
 *   unary      := ("not" | "!") unary | comparison
 *   comparison := value (("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains") value | "in" list)?
 *   value      := string | number | true | false | null | path | list | "(" expression ")"
 *   list       := "[" (value ("," value)*)? "]"
 *   path       := "trigger" ("." name)+
 */

export type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; path: string[]; column: number }
  | { kind: 'list'; items: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'logical'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; op: '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains'; left: Node; right: Node };

export type ParseResult = { ok: true; node: Node } | { ok: false; error: string };

interface Token {
  type: 'string' | 'number' | 'name' | 'op' | 'punct' | 'end';
  text: string;
  value?: unknown;
  column: number;
}

class FilterError extends Error {}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      for (; j < source.length && source[j] !== c; j++) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        text += source[j];
      }
      if (j >= source.length) throw new FilterError(`unterminated string starting at column ${column}`);
      tokens.push({ type: 'string', text: source.slice(i, j + 1), value: text, column });
      i = j + 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(i));
    if (number && (c !== '-' || !/[\w)\]"']/.test(previousNonSpace(source, i)))) {
      tokens.push({ type: 'number', text: number[0], value: Number(number[0]), column });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][\w-]*/.exec(source.slice(i));
    if (name) {
      tokens.push({ type: 'name', text: name[0], column });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'op', text: op, column });
      i += op.length;
      continue;
    }
    if ('()[],.'.includes(c)) {
      tokens.push({ type: 'punct', text: c, column });
      i++;
      continue;
    }
    if (c === '=') throw new FilterError(`unexpected "=" at column ${column}; did you mean "=="?`);
    throw new FilterError(`unexpected "${c}" at column ${column}`);
  }
  tokens.push({ type: 'end', text: 'the end', column: source.length + 1 });
  return tokens;
}

function previousNonSpace(source: string, index: number): string {
  for (let j = index - 1; j >= 0; j--) if (!/\s/.test(source[j]!)) return source[j]!;
  return '';
}

/** The fields a trigger's payload has, as dotted paths (`newStatus`, `burnRates.1h`): for validation and suggestions. */
export type FieldSet = ReadonlySet<string>;

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fields?: FieldSet,
  ) {}

  parse(): Node {
    const node = this.or();
    const next = this.peek();
    if (next.type !== 'end') throw new FilterError(`unexpected ${describe(next)} at column ${next.column}; expected and, or, or the end`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }
  private take(): Token {
    return this.tokens[this.position++]!;
  }
  private isWord(token: Token, ...words: string[]): boolean {
    return token.type === 'name' && words.includes(token.text.toLowerCase());
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord(this.peek(), 'or') || (this.peek().type === 'op' && this.peek().text === '||')) {
      this.take();
      left = { kind: 'logical', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and') || (this.peek().type === 'op' && this.peek().text === '&&')) {
      this.take();
      left = { kind: 'logical', op: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isWord(this.peek(), 'not') || (this.peek().type === 'op' && this.peek().text === '!')) {
      this.take();
      return { kind: 'not', operand: this.unary() };
    }
    return this.comparison();
  }

  private comparison(): Node {
    const left = this.value();
    const next = this.peek();
    if (next.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(next.text)) {
      this.take();
      return { kind: 'compare', op: next.text as '==', left, right: this.value() };
    }
    if (this.isWord(next, 'contains')) {
      this.take();
      return { kind: 'compare', op: 'contains', left, right: this.value() };
    }
    if (this.isWord(next, 'in')) {
      this.take();
      const list = this.peek();
      if (!(list.type === 'punct' && list.text === '[')) throw new FilterError(`expected a list [..] after "in" at column ${list.column}`);
      return { kind: 'compare', op: 'in', left, right: this.value() };
    }
    return left;
  }

  private value(): Node {
    const token = this.take();
    if (token.type === 'string' || token.type === 'number') return { kind: 'literal', value: token.value };
    if (token.type === 'punct' && token.text === '(') {
      const inner = this.or();
      const close = this.take();
      if (!(close.type === 'punct' && close.text === ')')) throw new FilterError(`expected ")" at column ${close.column}, found ${describe(close)}`);
      return inner;
    }
    if (token.type === 'punct' && token.text === '[') {
      const items: Node[] = [];
      if (!(this.peek().type === 'punct' && this.peek().text === ']')) {
        for (;;) {
          items.push(this.value());
          const separator = this.take();
          if (separator.type === 'punct' && separator.text === ']') break;
          if (!(separator.type === 'punct' && separator.text === ',')) throw new FilterError(`expected "," or "]" at column ${separator.column}, found ${describe(separator)}`);
        }
      } else this.take();
      return { kind: 'list', items };
    }
    if (token.type === 'name') {
      const word = token.text.toLowerCase();
      if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
      if (word === 'null') return { kind: 'literal', value: null };
      return this.path(token);
    }
    throw new FilterError(`expected a value at column ${token.column}, found ${describe(token)}`);
  }

  private path(first: Token): Node {
    const parts = [first.text];
    while (this.peek().type === 'punct' && this.peek().text === '.') {
      this.take();
      const part = this.take();
      if (part.type !== 'name' && part.type !== 'number') throw new FilterError(`expected a field name after "." at column ${part.column}`);
      parts.push(part.text);
    }
    const dotted = parts.join('.');
    if (parts[0] !== 'trigger' || parts.length < 2) throw new FilterError(`unknown name ${dotted} at column ${first.column}; fields are trigger.payload.<field> or trigger.type`);
    if (parts[1] === 'type' && parts.length === 2) return { kind: 'path', path: parts.slice(1), column: first.column };
    if (parts[1] !== 'payload' || parts.length < 3) throw new FilterError(`unknown field ${dotted} at column ${first.column}; fields are trigger.payload.<field> or trigger.type`);
    const field = parts.slice(2).join('.');
    if (this.fields && !this.fields.has(field)) {
      const suggestion = nearest(field, [...this.fields]);
      throw new FilterError(`unknown field ${dotted} at column ${first.column}${suggestion ? `; did you mean ${suggestion}?` : ''}`);
    }
    return { kind: 'path', path: parts.slice(1), column: first.column };
  }
}

function describe(token: Token): string {
  if (token.type === 'end') return 'the end';
  return token.type === 'string' ? token.text : `"${token.text}"`;
}

/** The known field closest to `field` by edit distance, when close enough to be a typo. */
function nearest(field: string, known: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(field.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(field.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Parses an expression; with `fields`, every trigger.payload path must be one of them. */
export function parseExpression(source: string, fields?: FieldSet): ParseResult {
  if (!source.trim()) return { ok: false, error: 'expected an expression, e.g. trigger.payload.newStatus != "healthy"' };
  try {
    return { ok: true, node: new Parser(tokenize(source), fields).parse() };
  } catch (error) {
    if (error instanceof FilterError) return { ok: false, error: error.message };
    throw error;
  }
}

export interface TriggerScope {
  type: string;
  payload: Record<string, unknown>;
}

/** The value of an expression for one event. A missing field is null. */
export function evaluate(node: Node, trigger: TriggerScope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((item) => evaluate(item, trigger));
    case 'path': {
      if (node.path[0] === 'type') return trigger.type;
      let value: unknown = trigger.payload;
      for (const part of node.path.slice(1)) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
      return value === undefined ? null : value;
    }
    case 'not':
      return !truthy(evaluate(node.operand, trigger));
    case 'logical': {
      const left = truthy(evaluate(node.left, trigger));
      if (node.op === 'and') return left && truthy(evaluate(node.right, trigger));
      return left || truthy(evaluate(node.right, trigger));
    }
    case 'compare':
      return compare(node.op, evaluate(node.left, trigger), evaluate(node.right, trigger));
  }
}

function truthy(value: unknown): boolean {
  return value === true;
}

function compare(op: Extract<Node, { kind: 'compare' }>['op'], left: unknown, right: unknown): boolean {
  switch (op) {
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    case 'in':
      return Array.isArray(right) && right.some((item) => equal(left, item));
    case 'contains':
      if (typeof left === 'string' && typeof right === 'string') return left.includes(right);
      return Array.isArray(left) && left.some((item) => equal(item, right));
    default: {
      // Ordering only between two numbers or two strings (ISO timestamps compare as text).
      if (!((typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string'))) return false;
      if (op === '<') return left < right;
      if (op === '<=') return left <= right;
      if (op === '>') return left > right;
      return left >= right;
    }
  }
}

function equal(left: unknown, right: unknown): boolean {
  return (left ?? null) === (right ?? null);
}

/** Whether the filter holds for an event: only a true result passes. */
export function passes(node: Node, trigger: TriggerScope): boolean {
  return evaluate(node, trigger) === true;
}
