/**
 * Gifts: a free line (amount 0, `gift: true`) added when the order qualifies. The line id is
 * `gift-<rule name>`, so evaluating an order that already carries the gift adds it again never.
 */
import { fired, list, notFired, yuan, type Effect, type Facts } from './effect.ts';
import type { GiftByAmountRule, GiftBySkuRule, GiftSpec, OrderLine } from './types.ts';

export const GIFT_TAG = 'gift-added';

/** Adds the gift when the amount paid is at least the threshold. */
export function giftByAmount(rule: GiftByAmountRule, facts: Facts): Effect {
  const paid = facts.order.amounts.paid;
  if (paid < rule.paidAtLeast) return notFired(`paid ${yuan(paid)} is not >= ${yuan(rule.paidAtLeast)}`);
  return addGift(rule.name, rule.gift, rule.gift.quantity ?? 1, `paid ${yuan(paid)} >= ${yuan(rule.paidAtLeast)}`, facts);
}

/** Adds the gift per unit of the listed SKUs bought, or once per order. Gift and refunded lines do not count. */
export function giftBySku(rule: GiftBySkuRule, facts: Facts): Effect {
  const units = facts.order.lines
    .filter((line) => rule.skus.includes(line.sku) && !line.gift && line.afterSale !== 'refunded')
    .reduce((sum, line) => sum + line.quantity, 0);
  if (units === 0) return notFired(`none of ${list(rule.skus)} bought`);
  const per = rule.gift.quantity ?? 1;
  const quantity = rule.oncePerOrder ? per : units * per;
  return addGift(rule.name, rule.gift, quantity, `bought ${units} of ${list(rule.skus)}${rule.oncePerOrder ? ' (once per order)' : ''}`, facts);
}

function addGift(ruleName: string, gift: GiftSpec, quantity: number, because: string, { order }: Facts): Effect {
  const lineId = `gift-${ruleName}`;
  if (order.lines.some((line) => line.lineId === lineId)) return notFired(`${because}, but gift line ${lineId} is already on the order`);
  const line: OrderLine = { lineId, sku: gift.sku, title: gift.title, quantity, unitPrice: 0, discount: 0, amount: 0, gift: true };
  return fired(`${because}: add ${gift.sku} ×${quantity}`, { lines: [line], tags: [GIFT_TAG] });
}
