/**
 * The store-sales CSV format (one row per receipt line, see connectors/pos/README.md) read
 * into one sale per receipt, in the same shape as the POS JSON upload. Amounts stay decimal
 * strings: the mapping converts them to fen by their digits.
 */
import { parse } from 'csv-parse/sync';

export const SALES_CSV_COLUMNS = [
  'receipt', 'store', 'register', 'sold_at', 'status', 'line', 'sku', 'barcode', 'name', 'qty', 'price', 'discount', 'amount',
  'member_id', 'member_phone', 'note',
] as const;

const REQUIRED = ['receipt', 'store', 'sold_at', 'sku', 'qty', 'price'] as const;

export class SalesCsvError extends Error {
  override name = 'SalesCsvError';
}

type Row = Partial<Record<(typeof SALES_CSV_COLUMNS)[number], string>>;

export interface PosSale {
  receipt: string;
  store: string;
  register?: string;
  soldAt: string;
  status: string;
  member?: { id?: string; phone?: string };
  note?: string;
  lines: Array<{ line: string; sku: string; barcode?: string; name?: string; qty: string; price: string; discount?: string; amount?: string }>;
}

/**
 * @example
 * parseSalesCsv('receipt,store,sold_at,sku,qty,price\nR1,SH01,2024-05-01 10:00:00,SKU-1,2,19.90\n')
 * // [{ receipt: 'R1', store: 'SH01', soldAt: '2024-05-01 10:00:00', status: 'completed', lines: [{ line: '1', sku: 'SKU-1', qty: '2', price: '19.90' }] }]
 */
export function parseSalesCsv(text: string): PosSale[] {
  let rows: Row[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Row[];
  } catch (e) {
    throw new SalesCsvError(`sales CSV: ${(e as Error).message}`);
  }
  const header = Object.keys(rows[0] ?? {});
  const unknown = header.filter((c) => !(SALES_CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) throw new SalesCsvError(`sales CSV: unknown column(s) ${unknown.join(', ')} (columns: ${SALES_CSV_COLUMNS.join(', ')})`);
  const sales = new Map<string, PosSale>();
  rows.forEach((row, i) => {
    const line = i + 2; // the header is line 1
    for (const column of REQUIRED) {
      if (!row[column]) throw new SalesCsvError(`sales CSV line ${line}: ${column} is empty`);
    }
    const key = `${row.store}\u0000${row.receipt}`;
    let sale = sales.get(key);
    if (!sale) {
      sale = {
        receipt: row.receipt!,
        store: row.store!,
        ...(row.register ? { register: row.register } : {}),
        soldAt: row.sold_at!,
        status: row.status || 'completed',
        ...(row.member_id || row.member_phone ? { member: { ...(row.member_id ? { id: row.member_id } : {}), ...(row.member_phone ? { phone: row.member_phone } : {}) } } : {}),
        ...(row.note ? { note: row.note } : {}),
        lines: [],
      };
      sales.set(key, sale);
    } else if (sale.soldAt !== row.sold_at || sale.status !== (row.status || 'completed')) {
      throw new SalesCsvError(`sales CSV line ${line}: receipt ${row.receipt} has a different sold_at or status than its first line`);
    }
    sale.lines.push({
      line: row.line || String(sale.lines.length + 1),
      sku: row.sku!,
      ...(row.barcode ? { barcode: row.barcode } : {}),
      ...(row.name ? { name: row.name } : {}),
      qty: row.qty!,
      price: row.price!,
      ...(row.discount ? { discount: row.discount } : {}),
      ...(row.amount ? { amount: row.amount } : {}),
    });
  });
  return [...sales.values()];
}
