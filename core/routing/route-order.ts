import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { allocate } from './allocate.ts';
import { rankLocations } from './candidates.ts';
import { pickCarrier } from './carrier.ts';
import { checkRoutingConfig } from './check-config.ts';
import { matchWhen } from './conditions.ts';
import { notRoutable, orderFacts, routableLines, weighLines, type SkuLookup } from './order-facts.ts';
import { StockLedger } from './stock-ledger.ts';
import type { LocationConfig, PlannedLine, RoutingConfig, RoutingDecision, ShipmentPlan, SkuInfo, StockView } from './types.ts';

/**
 * Picks the location(s) and carrier(s) for a paid order. See README.md for the config.
 *
 * @example
 * const decision = routeOrder(order, { available: (sku, at) => stock[at]?.[sku] ?? 0 }, hub.routing, (sku) => catalog[sku]);
 * decision.shipments // [{ location: 'wh-sh', carrier: 'yto', lines: [{ lineId: '1', sku: 'TEA-1', quantity: 2 }] }]
 * decision.rule      // 'east-china'
 */
export function routeOrder(order: CanonicalOrder, stock: StockView, config: RoutingConfig, skuInfo?: (sku: string) => SkuInfo | undefined): RoutingDecision {
  checkRoutingConfig(config);
  const lookup: SkuLookup = skuInfo ?? (() => undefined);
  const why = notRoutable(order);
  if (why) return { shipments: [], unrouted: [], explanation: [why], rule: null };
  const lines = routableLines(order);
  if (lines.length === 0) return { shipments: [], unrouted: [], explanation: ['no line to route: every line is refunded'], rule: null };
  const ledger = new StockLedger(stock);

  const store = order.receiver ? undefined : ownStore(order, config);
  if (store) return storeSale(order, store, lines, ledger);

  const explanation: string[] = [];
  if (!order.receiver) explanation.push(`no receiver and no store location for shop ${order.shopId ?? '(none)'}: routing by rules`);
  const facts = orderFacts(lines, lookup);
  for (const rule of config.rules) {
    const { matched, checks } = matchWhen(rule.when, order, facts);
    if (!matched) {
      explanation.push(`rule "${rule.name}" skipped: ${checks.filter((c) => !c.ok).map((c) => c.text).join('; ')}`);
      continue;
    }
    explanation.push(`rule "${rule.name}" matched: ${checks.map((c) => c.text).join('; ') || 'no conditions (default rule)'}`);
    const candidates = rankLocations(rule, config, order, facts, ledger);
    explanation.push(...candidates.explanation);
    const split = rule.split ?? config.split ?? 'minimize-parcels';
    const allocation = allocate(lines, candidates.ranked, ledger, split);
    explanation.push(...allocation.explanation);
    const shipments: ShipmentPlan[] = allocation.parcels.map(({ location, lines: parcelLines }) => {
      const { grams } = weighLines(parcelLines, lookup);
      const { carrier, text } = pickCarrier(config, location, order.receiver?.province, grams, rule.carrier, rule.name);
      explanation.push(text);
      return { location: location.id, carrier, lines: parcelLines };
    });
    return { shipments, unrouted: allocation.unrouted, explanation, rule: rule.name };
  }
  explanation.push('no routing rule matched: add a default rule last (no when:)');
  return { shipments: [], unrouted: lines.map((l) => ({ ...l, reason: 'no routing rule matched' })), explanation, rule: null };
}

/** The store location that hands over this shop's in-store sales: `shopId`, else `id`, equals the order's shop. */
function ownStore(order: CanonicalOrder, config: RoutingConfig): LocationConfig | undefined {
  if (order.shopId === undefined) return undefined;
  return config.locations.find((l) => l.kind === 'store' && (l.shopId ?? l.id) === order.shopId);
}

/** A sale handed over in store: everything leaves from the store, no carrier. Stock is noted, not enforced. */
function storeSale(order: CanonicalOrder, store: LocationConfig, lines: PlannedLine[], ledger: StockLedger): RoutingDecision {
  const explanation = [`no receiver: in-store sale of shop ${order.shopId}, handed over at store ${store.id}`];
  const short = ledger.shortfall(lines, store.id);
  if (short.length > 0) explanation.push(`${store.id} shows too little stock (short ${short.join(', ')}); routed there anyway, the goods were handed over`);
  return { shipments: [{ location: store.id, carrier: null, lines }], unrouted: [], explanation, rule: null };
}
