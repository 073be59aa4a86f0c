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

/** A deep copy of `value` with every occurrence of each secret masked. */
export function maskSecrets<T>(value: T, secrets: string[]): T {
  const nonEmpty = [...new Set(secrets.filter((secret) => secret !== ''))].sort((a, b) => b.length - a.length);
  if (nonEmpty.length === 0) return value;
  return maskNode(value, nonEmpty) as T;
}

function maskNode(node: unknown, secrets: string[]): unknown {
  if (typeof node === 'string') return secrets.reduce((text, secret) => text.split(secret).join(MASK), node);
  if (Array.isArray(node)) return node.map((item) => maskNode(item, secrets));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, maskNode(child, secrets)]));
  }
  return node;
}
