import { describe, expect, it } from 'vitest';
import { makeOrder, NOTHING, runOne } from './test-fixtures.ts';
import type { GiftBySkuRule } from './types.ts';

const bag = { sku: 'GIFT-BAG', title: '环保袋' };

describe('gift-by-amount', () => {
  const rule = { name: 'over-150', kind: 'gift-by-amount', paidAtLeast: 15000, gift: bag } as const;

  it('adds a free gift line and the gift-added tag', () => {
    expect(runOne(rule)).toEqual({
      ...NOTHING,
      addLines: [{ rule: 'over-150', line: { lineId: 'gift-over-150', sku: 'GIFT-BAG', title: '环保袋', quantity: 1, unitPrice: 0, discount: 0, amount: 0, gift: true } }],
      tags: ['gift-added'],
      explanation: ['rule "over-150" (gift-by-amount) fired: paid ¥193.50 >= ¥150.00: add GIFT-BAG ×1'],
    });
  });

  it('adds nothing below the threshold, or when the gift is already on the order', () => {
    expect(runOne({ ...rule, paidAtLeast: 20000 }).addLines).toEqual([]);
    const order = makeOrder();
    order.lines.push({ lineId: 'gift-over-150', sku: 'GIFT-BAG', title: '环保袋', quantity: 1, unitPrice: 0, discount: 0, amount: 0, gift: true });
    expect(runOne(rule, order).explanation).toEqual(['rule "over-150" (gift-by-amount) not fired: paid ¥193.50 >= ¥150.00, but gift line gift-over-150 is already on the order']);
  });

  it('does not add a tag the order already has', () => {
    expect(runOne(rule, makeOrder(undefined, { tags: ['gift-added'] })).tags).toEqual([]);
  });
});

describe('gift-by-sku', () => {
  const rule: GiftBySkuRule = { name: 'cup', kind: 'gift-by-sku', skus: ['TEA-1', 'TEA-2'], gift: { sku: 'CUP', title: '杯', quantity: 2 } };

  it('gives quantity × units bought of the listed SKUs', () => {
    const outcome = runOne(rule, makeOrder([['TEA-1', 2], ['TEA-2', 1], ['OTHER', 5]]));
    expect(outcome.addLines.map((a) => a.line.quantity)).toEqual([6]);
    expect(outcome.explanation).toEqual(['rule "cup" (gift-by-sku) fired: bought 3 of [TEA-1, TEA-2]: add CUP ×6']);
  });

  it('gives the quantity once per order when asked', () => {
    const outcome = runOne({ ...rule, oncePerOrder: true }, makeOrder([['TEA-1', 2], ['TEA-2', 1]]));
    expect(outcome.addLines.map((a) => [a.line.lineId, a.line.quantity])).toEqual([['gift-cup', 2]]);
  });

  it('does not count refunded or gift lines', () => {
    const order = makeOrder([['TEA-1', 2], ['TEA-2', 1]]);
    order.lines[0]!.afterSale = 'refunded';
    order.lines[1]!.gift = true;
    expect(runOne(rule, order).explanation).toEqual(['rule "cup" (gift-by-sku) not fired: none of [TEA-1, TEA-2] bought']);
  });
});
