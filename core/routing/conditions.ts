/**
 * A rule's `when`: every given condition must hold. Each comparison is written out, so the
 * explanation says what was compared and which way it went.
 */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { fenToYuan } from '../order/money.ts';
import type { OrderFacts } from './order-facts.ts';
import { cityKey, placeIn, provinceKey } from './place.ts';
import type { RoutingWhen } from './types.ts';

export interface Check {
  ok: boolean;
  text: string;
}

export interface WhenResult {
  matched: boolean;
  checks: Check[];
}

export const list = (items: Iterable<string>): string => `[${[...items].join(', ')}]`;
export const yuan = (fen: number): string => `¥${fenToYuan(fen)}`;

/**
 * Compares an order with a rule's `when`.
 *
 * @example
 * matchWhen({ provinces: ['上海'] }, order, facts)
 * // { matched: true, checks: [{ ok: true, text: 'receiver province 上海市 is in [上海]' }] }
 */
export function matchWhen(when: RoutingWhen | undefined, order: CanonicalOrder, facts: OrderFacts): WhenResult {
  const checks: Check[] = [];
  const w = when ?? {};
  if (w.provinces) checks.push(placeCheck('province', order.receiver?.province, w.provinces, provinceKey));
  if (w.cities) checks.push(placeCheck('city', order.receiver?.city, w.cities, cityKey));
  if (w.channels) checks.push(inList('channel', order.channel, w.channels));
  if (w.shops) {
    checks.push(order.shopId === undefined ? { ok: false, text: `order has no shop id to compare with ${list(w.shops)}` } : inList('shop', order.shopId, w.shops));
  }
  const paid = order.amounts.paid;
  if (w.paidAtLeast !== undefined) checks.push(compare(`paid ${yuan(paid)}`, '>=', yuan(w.paidAtLeast), paid >= w.paidAtLeast));
  if (w.paidBelow !== undefined) checks.push(compare(`paid ${yuan(paid)}`, '<', yuan(w.paidBelow), paid < w.paidBelow));
  if (w.skuTags) checks.push(overlap('SKU tags', facts.tags, w.skuTags));
  const weight = `weight ${facts.weightGrams} g${facts.unweighed.length ? ` (no weight for ${list(facts.unweighed)})` : ''}`;
  if (w.weightAtLeastGrams !== undefined) checks.push(compare(weight, '>=', `${w.weightAtLeastGrams} g`, facts.weightGrams >= w.weightAtLeastGrams));
  if (w.weightBelowGrams !== undefined) checks.push(compare(weight, '<', `${w.weightBelowGrams} g`, facts.weightGrams < w.weightBelowGrams));
  if (w.temperatureZones) checks.push(overlap('temperature zones', facts.zones, w.temperatureZones));
  return { matched: checks.every((c) => c.ok), checks };
}

function placeCheck(what: string, value: string | undefined, names: string[], key: (name: string) => string): Check {
  if (value === undefined) return { ok: false, text: `no receiver, so no ${what} to compare with ${list(names)}` };
  const ok = placeIn(value, names, key);
  return { ok, text: `receiver ${what} ${value} is ${ok ? '' : 'not '}in ${list(names)}` };
}

function inList(what: string, value: string, names: string[]): Check {
  const ok = names.includes(value);
  return { ok, text: `${what} ${value} is ${ok ? '' : 'not '}in ${list(names)}` };
}

function compare(left: string, op: string, right: string, ok: boolean): Check {
  return { ok, text: `${left} ${ok ? '' : 'is not '}${op} ${right}` };
}

function overlap(what: string, have: Set<string>, wanted: readonly string[]): Check {
  const ok = wanted.some((item) => have.has(item));
  return { ok, text: `${what} ${list(have)} include ${ok ? 'one' : 'none'} of ${list(wanted)}` };
}
