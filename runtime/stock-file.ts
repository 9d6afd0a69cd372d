/**
 * A WMS stock count as a CSV file: `sku,location,on_hand` (and optionally `safety`), with a
 * header row. Each row sets what the location holds; the whole file applies or none of it.
 */
import { parse } from 'csv-parse/sync';
import type { StockAdjustment } from '../core/ingest/types.ts';

export class StockFileError extends Error {
  override name = 'StockFileError';
}

export function parseStockCount(text: string, file: string): StockAdjustment[] {
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    throw new StockFileError(`${file}: ${(e as Error).message}`);
  }
  const columns = Object.keys(rows[0] ?? {});
  for (const needed of ['sku', 'location', 'on_hand']) {
    if (!columns.includes(needed)) throw new StockFileError(`${file}: missing column ${needed} (columns: sku, location, on_hand, safety)`);
  }
  return rows.map((row, i) => {
    const line = i + 2;
    const count = (name: string) => {
      const value = row[name]!;
      if (!/^\d+$/.test(value)) throw new StockFileError(`${file}:${line}: ${name} must be a whole number >= 0, got "${value}"`);
      return Number(value);
    };
    if (!row.sku || !row.location) throw new StockFileError(`${file}:${line}: sku and location must not be empty`);
    return { sku: row.sku, location: row.location, set: count('on_hand'), ...(row.safety ? { safety: count('safety') } : {}) };
  });
}
