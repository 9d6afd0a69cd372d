/** Builders shared by this folder's tests. */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import type { OrderRule, RuleContext } from './types.ts';
import { evaluateRules } from './evaluate-rules.ts';

type Line = CanonicalOrder['lines'][number];

export const NOW = '2024-06-01T10:05:00+08:00';

/** A paid Tmall order to 上海, created at 10:00 on 2024-06-01; lines are `[sku, quantity]` at ¥96.75. */
export function makeOrder(lines: Array<[string, number]> = [['TEA-1', 2]], overrides: Partial<CanonicalOrder> = {}): CanonicalOrder {
  const built: Line[] = lines.map(([sku, quantity], i) => ({ lineId: String(i + 1), sku, title: sku, quantity, unitPrice: 9675, discount: 0, amount: 9675 * quantity }));
  const goods = built.reduce((sum, l) => sum + l.amount, 0);
  return {
    channel: 'tmall',
    shopId: 'tm-flagship',
    externalId: 'T1001',
    status: 'paid',
    channelStatus: 'WAIT_SELLER_SEND_GOODS',
    afterSale: 'none',
    currency: 'CNY',
    createdAt: '2024-06-01T10:00:00+08:00',
    paidAt: '2024-06-01T10:01:00+08:00',
    updatedAt: '2024-06-01T10:01:00+08:00',
    buyer: { id: 'b1' },
    receiver: { name: '张三', phone: '13800138000', province: '上海市', city: '上海市', district: '浦东新区', address: '张江路1号' },
    lines: built as [Line, ...Line[]],
    amounts: { goods, shipping: 0, discount: 0, paid: goods },
    tags: [],
    attributes: {},
    ...overrides,
  };
}

export function makeContext(overrides: Partial<RuleContext> = {}): RuleContext {
  return { now: NOW, recentOrdersToSameAddress: [], openOrdersOfSameBuyer: [], ...overrides };
}

/** Evaluates one rule and returns the outcome without the priority line. */
export function runOne(rule: OrderRule, order: CanonicalOrder = makeOrder(), context: RuleContext = makeContext()) {
  const { priority: _, explanation, ...rest } = evaluateRules(order, context, { rules: [rule] });
  return { ...rest, explanation: explanation.slice(0, -1) };
}

/** The outcome of an order no rule touched, to spread expectations over. */
export const NOTHING = { holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [] };
