/**
 * Secrets never leave a run: every resolved secret value is replaced by
 * `****` in everything the run reports (SPEC §2.7).
 */

export const MASK = '****';

/** The string values at `paths` (dot paths, `*` = any key) inside `config`. */
export function secretValuesAt(config: unknown, paths: string[]): string[] {
  const values: string[] = [];
  for (const path of paths) collect(config, path.split('.'), values);
  return values;
}

function collect(node: unknown, segments: string[], into: string[]): void {
  if (segments.length === 0) {
    if (typeof node === 'string' && node !== '') into.push(node);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const [head, ...rest] = segments as [string, ...string[]];
  const children = head === '*' ? Object.values(node) : [(node as Record<string, unknown>)[head]];
  for (const child of children) collect(child, rest, into);
}

/** A deep copy of `value` with every occurrence of each secret, in any of its forms, masked. */
export function maskSecrets<T>(value: T, secrets: string[]): T {
  const pattern = maskPattern(secrets);
  if (pattern === undefined) return value;
  return maskNode(value, pattern) as T;
}

/** One pattern for every secret, longest first so a longer secret is never half-masked. */
export function maskPattern(secrets: string[]): RegExp | undefined {
  const unique = [...new Set(secrets.filter((secret) => secret !== ''))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return undefined;
  return new RegExp(unique.flatMap(secretPatterns).join('|'), 'g');
}

/**
 * The forms a secret takes when a script or a server prints it. Built per character, not from a
 * list of encoders, because each encoder keeps a different set of characters as they are (Python's
 * `quote` keeps `/`, `encodeURI` keeps `&`): every character as is, percent-encoded (either hex
 * case, UTF-8 bytes), a space also as `+`, or JSON-escaped; and the whole secret as base64 (a
 * Basic header). Every form may also be broken across lines (a terminal, `fold` or a logger
 * wraps long values).
 */
function secretPatterns(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const base64Forms = [...new Set([base64, base64.replace(/=+$/, '')])].map((form) => [...form].map(escapeRegExp));
  return [[...secret].map(characterPattern), ...base64Forms].map((tokens) => tokens.join('(?:\\r?\\n)?'));
}

const JSON_SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Every way one character of a secret may be written, as a pattern. */
function characterPattern(character: string): string {
  const forms = [escapeRegExp(character), [...Buffer.from(character, 'utf8')].map((byte) => `%${caselessHex(byte, 2)}`).join('')];
  if (character === ' ') forms.push('\\+');
  const shortEscape = JSON_SHORT_ESCAPES[character];
  if (shortEscape !== undefined) forms.push(escapeRegExp(shortEscape));
  // JSON encoders \u-escape what they find unsafe (Python: non-ASCII; Go: < > &); letters and digits never.
  if (!/^[A-Za-z0-9]$/.test(character)) {
    const codeUnits = Array.from({ length: character.length }, (_, i) => character.charCodeAt(i)); // a surrogate pair beyond U+FFFF
    forms.push(codeUnits.map((unit) => `\\\\u${caselessHex(unit, 4)}`).join(''));
  }
  return `(?:${forms.join('|')})`;
}

/** `value` as hex of `width` digits, each letter in either case (`%2f` is `%2F`). */
function caselessHex(value: number, width: number): string {
  return [...value.toString(16).padStart(width, '0')]
    .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
    .join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function maskNode(node: unknown, pattern: RegExp): unknown {
  if (typeof node === 'string') return node.replace(pattern, MASK);
  if (Array.isArray(node)) return node.map((item) => maskNode(item, pattern));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, maskNode(child, pattern)]));
  }
  return node;
}
