const MAX_ROWS = 100;

/** The row fields every SQL collector reports, capped so a huge result cannot bloat a run. */
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
