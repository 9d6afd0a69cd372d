/**
 * Stock levels of one write transaction, held in memory: the pipeline reads the levels it
 * needs once, reserves / releases / consumes against them, and writes back the ones it
 * changed. The transaction is the only writer, so nothing changes them meanwhile.
 */
import type { Row, Statement } from '../store/port.ts';
import { insertRows } from '../store/port.ts';

export interface Level {
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  safety: number;
}

export class StockInvariantError extends Error {
  override name = 'StockInvariantError';
}

export class StockLevels {
  private readonly levels = new Map<string, Level>();
  private readonly changed = new Set<string>();

  constructor(rows: Row[] = []) {
    this.load(rows);
  }

  /** Adds levels read from stock_levels rows. */
  load(rows: Row[]): void {
    for (const r of rows) {
      const level = { sku: String(r.sku), location: String(r.location), onHand: Number(r.on_hand), reserved: Number(r.reserved), safety: Number(r.safety) };
      this.levels.set(key(level.sku, level.location), level);
    }
  }

  get(sku: string, location: string): Level {
    const k = key(sku, location);
    let level = this.levels.get(k);
    if (!level) {
      level = { sku, location, onHand: 0, reserved: 0, safety: 0 };
      this.levels.set(k, level);
    }
    return level;
  }

  /** What can still be promised from this location: on hand, less reserved, less safety stock. */
  available(sku: string, location: string): number {
    const level = this.levels.get(key(sku, location));
    return level ? Math.max(0, level.onHand - level.reserved - level.safety) : 0;
  }

  locationsOf(sku: string): Level[] {
    return [...this.levels.values()].filter((l) => l.sku === sku);
  }

  reserve(sku: string, location: string, quantity: number): void {
    const level = this.get(sku, location);
    if (level.reserved + quantity > level.onHand) {
      throw new StockInvariantError(`cannot reserve ${quantity} of ${sku} at ${location}: ${level.onHand - level.reserved} free`);
    }
    level.reserved += quantity;
    this.changed.add(key(sku, location));
  }

  release(sku: string, location: string, quantity: number): void {
    const level = this.get(sku, location);
    level.reserved = Math.max(0, level.reserved - quantity);
    this.changed.add(key(sku, location));
  }

  /** The goods left: they are no longer on hand nor reserved. */
  consume(sku: string, location: string, quantity: number): void {
    const level = this.get(sku, location);
    level.reserved = Math.max(0, level.reserved - quantity);
    level.onHand = Math.max(0, level.onHand - quantity);
    this.changed.add(key(sku, location));
  }

  /** Puts reserved back to what the reservations say (reconcile repair). */
  setReserved(sku: string, location: string, reserved: number): void {
    const level = this.get(sku, location);
    if (reserved > level.onHand) throw new StockInvariantError(`${sku} at ${location}: ${reserved} reserved but only ${level.onHand} on hand`);
    level.reserved = reserved;
    this.changed.add(key(sku, location));
  }

  /** Sets on hand (a count) or moves it by delta; refuses to leave less on hand than is reserved. */
  adjust(sku: string, location: string, change: { delta?: number; set?: number; safety?: number }): { before: number; after: number } {
    const level = this.get(sku, location);
    const before = level.onHand;
    const after = change.set !== undefined ? change.set : before + (change.delta ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) throw new StockInvariantError(`${sku} at ${location}: on hand cannot become ${after}`);
    if (after < level.reserved) {
      throw new StockInvariantError(`${sku} at ${location}: on hand cannot drop to ${after} while ${level.reserved} are reserved for open orders`);
    }
    level.onHand = after;
    if (change.safety !== undefined) level.safety = change.safety;
    this.changed.add(key(sku, location));
    return { before, after };
  }

  changedSkus(): Set<string> {
    return new Set([...this.changed].map((k) => this.levels.get(k)!.sku));
  }

  /** One upsert per chunk of changed levels. */
  writeStatements(tenant: string, now: string): Statement[] {
    const rows = [...this.changed].map((k) => {
      const l = this.levels.get(k)!;
      return [tenant, l.sku, l.location, l.onHand, l.reserved, l.safety, now];
    });
    if (rows.length === 0) return [];
    return insertRows(
      'stock_levels',
      ['tenant', 'sku', 'location', 'on_hand', 'reserved', 'safety', 'updated_at'],
      rows,
      'ON CONFLICT (tenant, sku, location) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, safety = excluded.safety, updated_at = excluded.updated_at',
    );
  }

  all(): Level[] {
    return [...this.levels.values()];
  }
}

function key(sku: string, location: string): string {
  return `${sku}\u0000${location}`;
}
