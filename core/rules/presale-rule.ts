/**
 * Presale. An order is presale when it has one of the rule's `skus` or, without `skus`, the
 * rule's tag (default `presale`); the tag is added when missing. Then:
 * - `until: <ISO time>` or `untilAttribute`: `holdUntil` is that time while it is still ahead
 *   of `now`; an attribute that is missing or not an ISO time holds the order instead (it
 *   must not ship before a date nobody knows);
 * - `until: final-payment`: while the order is `pending_payment` (deposit paid, balance not),
 *   it is held with reason "presale: waiting for the final payment"; once the channel reports
 *   it `paid`, evaluating it again holds it no more.
 */
import { fired, list, notFired, type Effect, type Facts } from './effect.ts';
import { isoMillis } from './time.ts';
import type { PresaleRule } from './types.ts';

export const PRESALE_TAG = 'presale';

export function presale(rule: PresaleRule, { order, nowMs }: Facts): Effect {
  const tag = rule.tag ?? PRESALE_TAG;
  const found = rule.skus ? order.lines.find((line) => rule.skus!.includes(line.sku)) : undefined;
  if (rule.skus && !found) return notFired(`no SKU of ${list(rule.skus)} in the order`);
  if (!rule.skus && !order.tags.includes(tag)) return notFired(`order is not tagged ${tag}`);
  const why = found ? `presale SKU ${found.sku}` : `tagged ${tag}`;
  const base = { tags: order.tags.includes(tag) ? [] : [tag], presale: true };

  if (rule.until === 'final-payment') {
    if (order.status === 'pending_payment') return fired(`${why}, final payment not made (status pending_payment)`, { ...base, hold: 'presale: waiting for the final payment' });
    return fired(`${why}, final payment made (status ${order.status}): no hold`, base);
  }
  const until = rule.until ?? order.attributes[rule.untilAttribute ?? ''];
  const untilMs = isoMillis(until);
  if (untilMs === null) {
    const reason = `presale: attribute ${rule.untilAttribute} is missing or not an ISO time, so the ship date is unknown`;
    return fired(`${why}, ${reason.slice('presale: '.length)}`, { ...base, hold: reason });
  }
  const source = rule.untilAttribute ? ` (attribute ${rule.untilAttribute})` : '';
  if (untilMs <= nowMs) return fired(`${why}, ${until}${source} has passed: no hold`, base);
  return fired(`${why}: hold until ${until}${source}`, { ...base, holdUntil: until as string });
}
