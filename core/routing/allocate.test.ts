import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.ts';
import { StockLedger } from './stock-ledger.ts';
import { stockOf } from './test-fixtures.ts';
import type { LocationConfig, PlannedLine } from './types.ts';

const loc = (id: string): LocationConfig => ({ id, name: id, kind: 'warehouse', province: '上海' });
const [a, b, c] = [loc('a'), loc('b'), loc('c')];
const lines: PlannedLine[] = [
  { lineId: '1', sku: 'X', quantity: 2 },
  { lineId: '2', sku: 'Y', quantity: 1 },
  { lineId: '3', sku: 'Z', quantity: 1 },
];
const ids = (result: ReturnType<typeof allocate>) => result.parcels.map((p) => [p.location.id, p.lines]);

describe('allocate', () => {
  it('takes the first candidate that can ship every line', () => {
    const ledger = new StockLedger(stockOf({ a: { X: 2 }, b: { X: 2, Y: 1, Z: 1 }, c: { X: 9, Y: 9, Z: 9 } }));
    const result = allocate(lines, [a, b, c], ledger, 'minimize-parcels');
    expect(ids(result)).toEqual([['b', lines]]);
    expect(result.unrouted).toEqual([]);
    expect(result.explanation).toEqual(['a cannot ship every line: short Y ×1, Z ×1', 'picked b: can ship all 4 units']);
  });

  it('splits greedily: the location covering most remaining units first', () => {
    const ledger = new StockLedger(stockOf({ a: { Z: 1 }, b: { X: 2, Y: 1 }, c: { Y: 1, Z: 1 } }));
    const result = allocate(lines, [a, b, c], ledger, 'minimize-parcels');
    expect(ids(result)).toEqual([
      ['b', [lines[0], lines[1]]],
      ['a', [lines[2]]],
    ]);
    expect(result.explanation.slice(3)).toEqual([
      'split: minimize-parcels over [a, b, c]',
      'parcel 1 from b: covers 3 of 4 remaining units',
      'parcel 2 from a: covers 1 of 1 remaining units',
    ]);
  });

  it('breaks equal coverage by candidate order', () => {
    const ledger = new StockLedger(stockOf({ a: { X: 2 }, b: { Y: 1, Z: 1 } }));
    expect(ids(allocate(lines, [b, a], ledger, 'minimize-parcels')).map(([id]) => id)).toEqual(['b', 'a']);
    const again = new StockLedger(stockOf({ a: { X: 2 }, b: { Y: 1, Z: 1 } }));
    expect(ids(allocate(lines, [a, b], again, 'minimize-parcels')).map(([id]) => id)).toEqual(['a', 'b']);
  });

  it('splits one line across locations and leaves the shortfall unrouted', () => {
    const ledger = new StockLedger(stockOf({ a: { X: 1 }, b: { X: 1, Y: 1 } }));
    const result = allocate(lines, [a, b], ledger, 'minimize-parcels');
    expect(ids(result)).toEqual([
      ['b', [{ lineId: '1', sku: 'X', quantity: 1 }, lines[1]]],
      ['a', [{ lineId: '1', sku: 'X', quantity: 1 }]],
    ]);
    expect(result.unrouted).toEqual([{ lineId: '3', sku: 'Z', quantity: 1, reason: 'no stock left at any of [a, b]' }]);
  });

  it('counts two lines of one SKU against the same stock', () => {
    const twice: PlannedLine[] = [
      { lineId: '1', sku: 'X', quantity: 2 },
      { lineId: '2', sku: 'X', quantity: 2 },
    ];
    const ledger = new StockLedger(stockOf({ a: { X: 3 }, b: { X: 1 } }));
    const result = allocate(twice, [a, b], ledger, 'minimize-parcels');
    expect(ids(result)).toEqual([
      ['a', [{ lineId: '1', sku: 'X', quantity: 2 }, { lineId: '2', sku: 'X', quantity: 1 }]],
      ['b', [{ lineId: '2', sku: 'X', quantity: 1 }]],
    ]);
    expect(result.explanation[0]).toBe('a cannot ship every line: short X ×1');
  });

  it('with split none ships from the single best location and leaves the rest', () => {
    const ledger = new StockLedger(stockOf({ a: { Z: 1 }, b: { X: 2, Y: 1 } }));
    const result = allocate(lines, [a, b], ledger, 'none');
    expect(ids(result)).toEqual([['b', [lines[0], lines[1]]]]);
    expect(result.unrouted).toEqual([{ lineId: '3', sku: 'Z', quantity: 1, reason: 'b lacks these units and split is none (one location only)' }]);
    expect(result.explanation.at(-1)).toBe('split: none, so one parcel from b, which covers the most (3 of 4 units)');
  });

  it('leaves everything unrouted when no candidate has any stock, or there is no candidate', () => {
    const empty = allocate(lines, [a], new StockLedger(stockOf({})), 'none');
    expect(empty.parcels).toEqual([]);
    expect(empty.unrouted.map((u) => u.reason)).toEqual(Array(3).fill('no stock at any of [a]'));
    const none = allocate(lines, [], new StockLedger(stockOf({})), 'minimize-parcels');
    expect(none.unrouted).toHaveLength(3);
    expect(none.explanation).toEqual(['no eligible location to ship from']);
  });

  it('treats negative or fractional stock as what can really be taken', () => {
    const ledger = new StockLedger({ available: (sku) => (sku === 'X' ? -3 : 1.7) });
    expect(ledger.available('X', 'a')).toBe(0);
    expect(ledger.available('Y', 'a')).toBe(1);
  });
});
