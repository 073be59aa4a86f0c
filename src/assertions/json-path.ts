/**
 * A small JSONPath subset for assertions: `$.a.b`, `$['content-type']`,
 * `$.items[0]`, `$.items[-1]`, `$.items[*].id`. Enough for health payloads;
 * filters and recursive descent are deliberately left out so a path reads the
 * same to every user.
 */

export type PathSegment = { kind: 'name'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

export type ParsedPath = { ok: true; segments: PathSegment[] } | { ok: false; error: string };

const NAME = /^[A-Za-z_$][\w$-]*/;

export function parseJsonPath(path: string): ParsedPath {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  else if (rest !== '' && !rest.startsWith('.') && !rest.startsWith('[')) rest = `.${rest}`;
  const segments: PathSegment[] = [];
  while (rest.length > 0) {
    if (rest.startsWith('.*')) {
      segments.push({ kind: 'wildcard' });
      rest = rest.slice(2);
    } else if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (!name) return { ok: false, error: `Invalid JSON path "${path}": expected a name after "."` };
      segments.push({ kind: 'name', name });
      rest = rest.slice(1 + name.length);
    } else if (rest.startsWith('[')) {
      const close = findClosingBracket(rest);
      if (close < 0) return { ok: false, error: `Invalid JSON path "${path}": unclosed "["` };
      const inner = rest.slice(1, close).trim();
      rest = rest.slice(close + 1);
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^(['"]).*\1$/s.test(inner)) segments.push({ kind: 'name', name: unquote(inner) });
      else return { ok: false, error: `Invalid JSON path "${path}": "[${inner}]" is neither an index nor a quoted name` };
    } else {
      return { ok: false, error: `Invalid JSON path "${path}": unexpected "${rest[0]}"` };
    }
  }
  return { ok: true, segments };
}

function findClosingBracket(text: string): number {
  let quote: string | undefined;
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === ']') return i;
  }
  return -1;
}

function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * The value at `path` inside `document`, or `undefined` when nothing is
 * there. A path with a wildcard yields the array of everything it reached.
 */
export function queryJsonPath(document: unknown, path: string): unknown {
  const parsed = parseJsonPath(path);
  if (!parsed.ok) return undefined;
  const hasWildcard = parsed.segments.some((segment) => segment.kind === 'wildcard');
  let current: unknown[] = [document];
  for (const segment of parsed.segments) {
    current = current.flatMap((node) => step(node, segment));
  }
  return hasWildcard ? current : current[0];
}

function step(node: unknown, segment: PathSegment): unknown[] {
  if (node === null || typeof node !== 'object') return [];
  if (segment.kind === 'wildcard') return Array.isArray(node) ? node : Object.values(node);
  if (segment.kind === 'index') {
    if (!Array.isArray(node)) return [];
    const item: unknown = node.at(segment.index);
    return item === undefined ? [] : [item];
  }
  if (!Object.hasOwn(node, segment.name)) return [];
  return [(node as Record<string, unknown>)[segment.name]];
}
