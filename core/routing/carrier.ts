/**
 * Carriers and what a parcel costs: the rate table prices a parcel from a location to a
 * province by first weight plus each further started kilogram.
 */
import { list, yuan } from './conditions.ts';
import { placeIn, provinceKey } from './place.ts';
import type { CarrierRate, LocationConfig, RoutingConfig } from './types.ts';

export interface Quote {
  carrier: string;
  cost: number;
}

/**
 * What one parcel of `grams` costs by one rate row, in fen.
 *
 * @example
 * parcelCost({ carrier: 'sf', from: 'wh-sh', to: ['*'], firstWeight: 1200, extraPerKg: 200 }, 2500) // 1600
 */
export function parcelCost(rate: CarrierRate, grams: number): number {
  const first = rate.firstWeightGrams ?? 1000;
  const extraKg = Math.max(0, Math.ceil((grams - first) / 1000));
  return rate.firstWeight + extraKg * rate.extraPerKg;
}

/**
 * Prices from `location` to `province` for each carrier it can use, cheapest first (ties: rate
 * table order). A row naming the province beats a `"*"` row of the same carrier.
 */
export function quotes(config: RoutingConfig, location: LocationConfig, province: string | undefined, grams: number, onlyCarrier?: string): Quote[] {
  const best = new Map<string, { rate: CarrierRate; exact: boolean; index: number }>();
  (config.rates ?? []).forEach((rate, index) => {
    if (rate.from !== location.id) return;
    if (onlyCarrier !== undefined && rate.carrier !== onlyCarrier) return;
    if (location.carriers && !location.carriers.includes(rate.carrier)) return;
    const exact = province !== undefined && placeIn(province, rate.to.filter((p) => p !== '*'), provinceKey);
    if (!exact && !rate.to.includes('*')) return;
    const seen = best.get(rate.carrier);
    if (!seen || (exact && !seen.exact)) best.set(rate.carrier, { rate, exact, index: seen?.index ?? index });
  });
  return [...best.values()]
    .map((b) => ({ carrier: b.rate.carrier, cost: parcelCost(b.rate, grams), index: b.index }))
    .sort((a, b) => a.cost - b.cost || a.index - b.index)
    .map(({ carrier, cost }) => ({ carrier, cost }));
}

export const formatQuotes = (found: Quote[]): string => found.map((q) => `${q.carrier} ${yuan(q.cost)}`).join(', ');

/**
 * The carrier for one parcel: the rule's fixed carrier, else the cheapest by the rate table,
 * else the location's first listed carrier, else none.
 *
 * @example
 * pickCarrier(config, wh, '广东', 1500) // { carrier: 'yto', text: 'wh-sh ships with yto: cheapest for 1500 g to 广东 (yto ¥8.00, sf ¥14.00)' }
 */
export function pickCarrier(config: RoutingConfig, location: LocationConfig, province: string | undefined, grams: number, fixed?: string, ruleName?: string): { carrier: string | null; text: string } {
  if (fixed !== undefined) return { carrier: fixed, text: `${location.id} ships with ${fixed} (fixed by rule "${ruleName}")` };
  const to = province ?? '(no receiver)';
  const found = quotes(config, location, province, grams);
  const cheapest = found[0];
  if (cheapest) return { carrier: cheapest.carrier, text: `${location.id} ships with ${cheapest.carrier}: cheapest for ${grams} g to ${to} (${formatQuotes(found)})` };
  const first = location.carriers?.[0];
  if (first !== undefined) return { carrier: first, text: `${location.id} ships with ${first}: first of its carriers ${list(location.carriers ?? [])} (no rate to ${to})` };
  return { carrier: null, text: `${location.id}: no carrier chosen (no rate to ${to} and no carriers listed)` };
}
