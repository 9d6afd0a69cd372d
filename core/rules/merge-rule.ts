/**
 * Merge suggestions: the buyer's other open orders to the same address (by `addressKey`), on
 * the same channel and shop, created within the window, can ship as one parcel.
 */
import { addressKey } from './address-key.ts';
import { fired, list, notFired, type Effect, type Facts } from './effect.ts';
import { isoMillis, minutesApart } from './time.ts';
import type { MergeRule } from './types.ts';

export function merge(rule: MergeRule, { order, context, createdMs }: Facts): Effect {
  if (!order.receiver) return notFired('no receiver address');
  const statuses: string[] = rule.statuses ?? ['paid'];
  if (!statuses.includes(order.status)) return notFired(`order status ${order.status} is not one of ${list(statuses)}`);
  const key = addressKey(order.receiver);
  const ids: string[] = [];
  for (const other of context.openOrdersOfSameBuyer) {
    const at = isoMillis(other.createdAt);
    const matches =
      other.externalId !== order.externalId &&
      other.addressKey === key &&
      other.channel === order.channel &&
      (other.shopId ?? '') === (order.shopId ?? '') &&
      statuses.includes(other.status) &&
      at !== null &&
      minutesApart(at, createdMs) <= rule.withinMinutes;
    if (matches && !ids.includes(other.externalId)) ids.push(other.externalId);
  }
  const scope = `open orders (${list(statuses)}) of this buyer to the same address and shop within ${rule.withinMinutes} minutes`;
  const compared = context.openOrdersOfSameBuyer.length;
  if (ids.length === 0) return notFired(`no ${scope} (compared ${compared} open order${compared === 1 ? '' : 's'})`);
  return fired(`${scope}: ${ids.join(', ')}`, { mergeWith: ids });
}
