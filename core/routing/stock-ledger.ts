/**
 * Stock as routing uses it up: reads `StockView.available` once per SKU and location, then
 * counts down as parcels take units, so two lines of one SKU never count the same unit twice.
 */
import type { PlannedLine, StockView } from './types.ts';

export class StockLedger {
  private readonly left = new Map<string, number>();

  constructor(private readonly stock: StockView) {}

  /** Units of `sku` still free at `location`. */
  available(sku: string, location: string): number {
    const key = `${location}\u0000${sku}`;
    let units = this.left.get(key);
    if (units === undefined) {
      const raw = this.stock.available(sku, location);
      units = Number.isFinite(raw) && raw > 0 ? Math.floor(raw) : 0;
      this.left.set(key, units);
    }
    return units;
  }

  take(sku: string, location: string, units: number): void {
    this.left.set(`${location}\u0000${sku}`, this.available(sku, location) - units);
  }

  /**
   * How many of `needs` units `location` could ship now, without taking them.
   *
   * @example
   * ledger.cover([{ lineId: '1', sku: 'A', quantity: 3 }], 'wh-sh') // 2 when wh-sh has 2 of A
   */
  cover(needs: readonly PlannedLine[], location: string): number {
    let covered = 0;
    for (const [sku, units] of unitsBySku(needs)) covered += Math.min(units, this.available(sku, location));
    return covered;
  }

  /** The SKUs `location` is short of for `needs`, as `SKU ×n`. */
  shortfall(needs: readonly PlannedLine[], location: string): string[] {
    const short: string[] = [];
    for (const [sku, units] of unitsBySku(needs)) {
      const missing = units - this.available(sku, location);
      if (missing > 0) short.push(`${sku} ×${missing}`);
    }
    return short;
  }
}

/** Units wanted per SKU, in first-seen order. */
export function unitsBySku(lines: readonly PlannedLine[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  return units;
}

export const totalUnits = (lines: readonly PlannedLine[]): number => lines.reduce((sum, line) => sum + line.quantity, 0);
