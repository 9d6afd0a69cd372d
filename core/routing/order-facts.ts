/**
 * What routing reads from an order: the lines to route and what their SKUs weigh and need.
 */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import type { PlannedLine, SkuInfo } from './types.ts';

export type SkuLookup = (sku: string) => SkuInfo | undefined;

export interface OrderFacts {
  lines: PlannedLine[];
  /** Total weight of the routed lines in grams (SKUs without a weight count 0). */
  weightGrams: number;
  /** SKUs among the routed lines without a known weight. */
  unweighed: string[];
  /** Tags of the routed lines' SKUs. */
  tags: Set<string>;
  /** Temperature zones of the routed lines' SKUs (ambient when a SKU has none). */
  zones: Set<string>;
}

/**
 * Why the order is not routed at all, or null when its lines are. Only paid orders are routed;
 * a fully refunded order is not.
 */
export function notRoutable(order: CanonicalOrder): string | null {
  if (order.status !== 'paid') return `order status is ${order.status}: only paid orders are routed`;
  if (order.afterSale === 'refunded') return 'order is refunded: nothing to ship';
  return null;
}

/**
 * The lines to route: quantity above 0 and not refunded (gift lines included: they ship too).
 *
 * @example
 * routableLines(order) // [{ lineId: '1', sku: 'TEA-1', quantity: 2 }]
 */
export function routableLines(order: CanonicalOrder): PlannedLine[] {
  return order.lines
    .filter((line) => line.quantity > 0 && line.afterSale !== 'refunded')
    .map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity }));
}

/** Weight in grams of some lines; SKUs without a weight count 0 and are listed. */
export function weighLines(lines: readonly PlannedLine[], skuInfo: SkuLookup): { grams: number; unweighed: string[] } {
  let grams = 0;
  const unweighed: string[] = [];
  for (const line of lines) {
    const weight = skuInfo(line.sku)?.weightGrams;
    if (weight === undefined) {
      if (!unweighed.includes(line.sku)) unweighed.push(line.sku);
    } else grams += weight * line.quantity;
  }
  return { grams, unweighed };
}

/** Everything `when` conditions and strategies read about the lines. */
export function orderFacts(lines: PlannedLine[], skuInfo: SkuLookup): OrderFacts {
  const { grams, unweighed } = weighLines(lines, skuInfo);
  const tags = new Set<string>();
  const zones = new Set<string>();
  for (const line of lines) {
    const info = skuInfo(line.sku);
    for (const tag of info?.tags ?? []) tags.add(tag);
    zones.add(info?.temperatureZone ?? 'ambient');
  }
  return { lines, weightGrams: grams, unweighed, tags, zones };
}
