/**
 * The priority score: a sum of weighted factors, higher first. Each factor that is configured
 * shows its points in the explanation, so a score can be read back.
 */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { yuan } from './effect.ts';
import { isoMillis } from './time.ts';
import type { PriorityConfig } from './types.ts';

const round = (n: number): number => Math.round(n * 100) / 100;
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);

/**
 * Scores an order.
 *
 * @example
 * priorityScore(order, { orderValue: { perHundredYuan: 1 }, channels: { jd: 20 } }, nowMs, false)
 * // { score: 32, text: 'priority 32: order value ¥1290.00 +12, channel jd +20' }
 */
export function priorityScore(order: CanonicalOrder, config: PriorityConfig | undefined, nowMs: number, presale: boolean): { score: number; text: string } {
  if (!config) return { score: 0, text: 'priority 0: no priority factors configured' };
  const parts: Array<[string, number]> = [];
  if (config.base !== undefined) parts.push(['base', config.base]);
  if (config.orderValue) {
    const hundreds = Math.floor(Math.max(0, order.amounts.paid) / 10000);
    const points = Math.min(hundreds * config.orderValue.perHundredYuan, config.orderValue.max ?? Infinity);
    parts.push([`order value ${yuan(order.amounts.paid)}`, points]);
  }
  if (config.shipBy) parts.push(shipBy(order, config.shipBy, nowMs));
  if (config.channels) parts.push([`channel ${order.channel}`, config.channels[order.channel] ?? 0]);
  if (config.presale !== undefined) parts.push([presale ? 'presale' : 'not presale', presale ? config.presale : 0]);
  if (config.buyerLevel) parts.push(buyerLevel(order, config.buyerLevel));
  const rounded = parts.map(([label, points]) => [label, round(points)] as const);
  const score = round(rounded.reduce((sum, [, points]) => sum + points, 0));
  return { score, text: `priority ${score}: ${rounded.map(([label, points]) => `${label} ${signed(points)}`).join(', ')}` };
}

/** Up to `points`, growing linearly as the ship-by time comes within `horizonHours`; all of them once due. */
function shipBy(order: CanonicalOrder, factor: NonNullable<PriorityConfig['shipBy']>, nowMs: number): [string, number] {
  const value = order.attributes[factor.attribute];
  const due = isoMillis(value);
  if (due === null) return [`ship-by ${factor.attribute} ${value === undefined ? 'missing' : 'not an ISO time'}`, 0];
  const hoursLeft = (due - nowMs) / 3_600_000;
  const share = 1 - Math.min(1, Math.max(0, hoursLeft / factor.horizonHours));
  const when = hoursLeft <= 0 ? `overdue by ${(-hoursLeft).toFixed(1)} h` : `${hoursLeft.toFixed(1)} h left of ${factor.horizonHours} h`;
  return [`ship by ${value} (${when})`, factor.points * share];
}

/** Points by the buyer-level attribute: a named level's points, else a numeric level × perLevel. */
function buyerLevel(order: CanonicalOrder, factor: NonNullable<PriorityConfig['buyerLevel']>): [string, number] {
  const value = order.attributes[factor.attribute];
  if (value === undefined) return [`buyer level (${factor.attribute} missing)`, 0];
  const named = factor.levels?.[String(value)];
  if (named !== undefined) return [`buyer level ${value}`, named];
  if (typeof value === 'number' && factor.perLevel !== undefined) return [`buyer level ${value}`, value * factor.perLevel];
  return [`buyer level ${value} (no points for it)`, 0];
}
