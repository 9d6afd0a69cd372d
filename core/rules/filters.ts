import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { list } from './effect.ts';
import type { RuleBase } from './types.ts';

/**
 * Why a rule does not apply to this order's channel or shop, or null when it does.
 *
 * @example
 * filterMiss({ name: 'x', channels: ['tmall'] }, jdOrder) // 'channel jd is not in [tmall]'
 */
export function filterMiss(rule: RuleBase, order: CanonicalOrder): string | null {
  if (rule.channels && !rule.channels.includes(order.channel)) return `channel ${order.channel} is not in ${list(rule.channels)}`;
  if (rule.shops && (order.shopId === undefined || !rule.shops.includes(order.shopId))) return `shop ${order.shopId ?? '(none)'} is not in ${list(rule.shops)}`;
  return null;
}
