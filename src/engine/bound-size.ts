/**
 * Keeps what crosses the event bus bounded (a test run's answer travels back to the API process as
 * one Redis message): the longest texts are cut first, each to no less than a readable start, and
 * every cut is named so that nobody mistakes a cut body for what the target sent.
 */

export interface Truncation {
  /** Dot path of the text that was cut, e.g. `result.collectors.0.fields.body`. */
  path: string;
  originalBytes: number;
  keptBytes: number;
}

export interface Bounded<T> {
  value: T;
  truncated: Truncation[];
  /** False when cutting every text still left it over the bound (the bulk is numbers, keys, lists). */
  fits: boolean;
}

/** No text is cut shorter than this: its start is what a person reads. */
const MIN_KEPT_BYTES = 1024;
/** Room for the truncation notes themselves. */
const NOTE_BYTES = 160;

export function boundSize<T>(value: T, maxBytes: number): Bounded<T> {
  let excess = jsonBytes(value) - maxBytes;
  if (excess <= 0) return { value, truncated: [], fits: true };

  const texts: { path: (string | number)[]; text: string; bytes: number }[] = [];
  collectTexts(value, [], texts);
  texts.sort((a, b) => b.bytes - a.bytes);
  let copy = value;
  const truncated: Truncation[] = [];
  for (const { path, text, bytes } of texts) {
    if (excess <= 0) break;
    if (bytes <= MIN_KEPT_BYTES) break;
    excess += NOTE_BYTES;
    const kept = prefixWithin(text, Math.max(MIN_KEPT_BYTES, bytes - excess));
    const keptBytes = Buffer.byteLength(kept, 'utf8');
    excess -= bytes - jsonBytes(kept);
    copy = withValueAt(copy, path, kept);
    truncated.push({ path: path.join('.'), originalBytes: Buffer.byteLength(text, 'utf8'), keptBytes });
  }
  return { value: copy, truncated, fits: jsonBytes(copy) + truncated.length * NOTE_BYTES <= maxBytes };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

function collectTexts(node: unknown, path: (string | number)[], into: { path: (string | number)[]; text: string; bytes: number }[]): void {
  if (typeof node === 'string') into.push({ path, text: node, bytes: jsonBytes(node) });
  else if (Array.isArray(node)) node.forEach((child, index) => collectTexts(child, [...path, index], into));
  else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) collectTexts(child, [...path, key], into);
}

/** The longest start of `text` whose JSON form fits `maxJsonBytes`, never half a surrogate pair. */
function prefixWithin(text: string, maxJsonBytes: number): string {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (jsonBytes(text.slice(0, middle)) <= maxJsonBytes) low = middle;
    else high = middle - 1;
  }
  const last = text.charCodeAt(low - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? low - 1 : low);
}

/** A copy of `node` with `replacement` at `path`; only the objects along the path are copied. */
function withValueAt<T>(node: T, path: (string | number)[], replacement: unknown): T {
  if (path.length === 0) return replacement as T;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(node)) return node.map((child, index) => (index === head ? withValueAt(child, rest, replacement) : child)) as T;
  const record = node as Record<string, unknown>;
  return { ...record, [head]: withValueAt(record[head], rest, replacement) } as T;
}
