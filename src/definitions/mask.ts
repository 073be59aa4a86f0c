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

/**
 * The forms a secret takes when a script or a server prints it: as is, JSON-escaped (inside a
 * JSON document), URL-encoded (in a query string or form body) and base64 (in a Basic header).
 */
export function secretForms(secret: string): string[] {
  const urlEncoded = encodeURIComponent(secret);
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const forms = [secret, JSON.stringify(secret).slice(1, -1), urlEncoded, urlEncoded.replace(/%20/g, '+'), encodeURI(secret), base64, base64.replace(/=+$/, '')];
  return [...new Set(forms.filter((form) => form !== ''))];
}

/** One pattern for every form of every secret, longest first so a longer secret is never half-masked. */
export function maskPattern(secrets: string[]): RegExp | undefined {
  const forms = [...new Set(secrets.filter((secret) => secret !== '').flatMap(secretForms))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return undefined;
  return new RegExp(forms.map(formPattern).join('|'), 'g');
}

/**
 * A form as a pattern that also matches it broken across lines (a terminal, `fold` or a logger
 * wraps long values), with percent-escapes in either case (`%2f` is `%2F`).
 */
function formPattern(form: string): string {
  const tokens: string[] = [];
  const characters = [...form];
  for (let i = 0; i < characters.length; i++) {
    const triple = characters.slice(i, i + 3).join('');
    if (/^%[0-9A-Fa-f]{2}$/.test(triple)) {
      tokens.push(`%${caseless(characters[i + 1]!)}${caseless(characters[i + 2]!)}`);
      i += 2;
    } else {
      tokens.push(escapeRegExp(characters[i]!));
    }
  }
  return tokens.join('(?:\\r?\\n)?');
}

function caseless(hexDigit: string): string {
  const lower = hexDigit.toLowerCase();
  const upper = hexDigit.toUpperCase();
  return lower === upper ? lower : `[${lower}${upper}]`;
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
