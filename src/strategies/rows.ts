import { z } from 'zod';
import type { FieldSpecs } from '../assertions/types.ts';
const MAX_ROWS = 100;

/** The row fields every SQL collector reports, capped so a huge result cannot bloat a run. */
/** What every SQL query collector measures; `example` shows the server's version format. */
export function sqlQueryFields(example: string): FieldSpecs {
  return {
    connectMs: { type: 'number', description: 'Time to connect and authenticate' },
    queryMs: { type: 'number', description: 'Time to run the query' },
    rowCount: { type: 'number', description: 'Rows returned (or affected)' },
    rows: { type: 'array', description: 'Returned rows as objects, at most 100' },
    firstRow: { type: 'object', description: 'The first row, column → value' },
    value: { type: 'json', description: 'First column of the first row' },
    serverVersion: { type: 'string', description: `Server version, e.g. ${example}` },
  };
}

/** The config of every SQL query collector: the query to run instead of the strategy's own. */
export const sqlQueryConfig = { version: 1, schema: z.strictObject({ query: z.string().min(1).optional() }), migrations: [] };

export function summarizeRows(rows: Record<string, unknown>[], rowCount: number): Record<string, unknown> {
  const kept = rows.slice(0, MAX_ROWS).map(plainRow);
  const firstRow = kept[0];
  const fields: Record<string, unknown> = { rowCount, rows: kept };
  if (firstRow) {
    fields.firstRow = firstRow;
    fields.value = Object.values(firstRow)[0];
  }
  return fields;
}

/** Dates and big integers become JSON-friendly text so results store and compare cleanly. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => {
      if (value instanceof Date) return [column, value.toISOString()];
      if (typeof value === 'bigint') return [column, value.toString()];
      if (Buffer.isBuffer(value)) return [column, value.toString('base64')];
      return [column, value];
    }),
  );
}
