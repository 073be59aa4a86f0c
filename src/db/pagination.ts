import { ValidationError } from '../kernel/errors.ts';

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The sort key to continue after, from a request's cursor. */
export function cursorKey(page: PageRequest): string | undefined {
  return decodeCursor(page.cursor);
}

/** Rows were fetched with `limit + 1`: the extra row only says whether another page exists. */
export function toPage<R, T>(rows: R[], page: PageRequest, keyOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor: rows.length > page.limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** Opaque keyset cursors: the sort key of the last item of a page. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!key || encodeCursor(key) !== cursor) {
    throw new ValidationError([{ path: 'cursor', message: 'expected the nextCursor of a previous page' }]);
  }
  return key;
}
