/**
 * The matched rule's strategy turns the configured locations into an ordered candidate list:
 * the first that can ship everything wins, and ties anywhere go to the earlier listed location.
 */
import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { list, yuan } from './conditions.ts';
import { quotes } from './carrier.ts';
import type { OrderFacts } from './order-facts.ts';
import { placeIn, provinceKey } from './place.ts';
import { StockLedger, totalUnits } from './stock-ledger.ts';
import type { LocationConfig, RoutingConfig, RoutingRule } from './types.ts';

export interface Candidates {
  /** Eligible locations, best first. */
  ranked: LocationConfig[];
  explanation: string[];
}

/**
 * Orders the rule's locations by its strategy, after dropping those that cannot take the order
 * (channel not served, fixed carrier not available there).
 *
 * @example
 * rankLocations(rule, config, order, facts, ledger).ranked.map((l) => l.id) // ['wh-sh', 'wh-gz']
 */
export function rankLocations(rule: RoutingRule, config: RoutingConfig, order: CanonicalOrder, facts: OrderFacts, ledger: StockLedger): Candidates {
  const explanation: string[] = [];
  const { ids, text } = strategyList(rule, config, order);
  explanation.push(`strategy ${rule.strategy}: ${text}`);
  const byId = new Map(config.locations.map((l) => [l.id, l]));
  const eligible: LocationConfig[] = [];
  for (const id of ids) {
    const location = byId.get(id)!;
    const why = rejection(location, order, rule);
    if (why) explanation.push(`${id} rejected: ${why}`);
    else eligible.push(location);
  }
  if (rule.strategy === 'most-stock') return { ranked: byMostStock(eligible, facts, ledger, explanation), explanation };
  if (rule.strategy === 'lowest-cost') return { ranked: byLowestCost(eligible, config, order, facts, rule, explanation), explanation };
  return { ranked: eligible, explanation };
}

function strategyList(rule: RoutingRule, config: RoutingConfig, order: CanonicalOrder): { ids: string[]; text: string } {
  const all = config.locations.map((l) => l.id);
  if (rule.strategy === 'priority') return { ids: rule.locations ?? [], text: `try ${list(rule.locations ?? [])} in order` };
  if (rule.strategy === 'region') {
    const province = order.receiver?.province;
    const region = province === undefined ? undefined : rule.regions?.find((r) => placeIn(province, r.provinces, provinceKey));
    if (region) return { ids: region.locations, text: `${province} is in region ${list(region.provinces)}, served by ${list(region.locations)}` };
    const fallback = rule.locations ?? all;
    const what = province === undefined ? 'no receiver province' : `no region lists ${province}`;
    return { ids: fallback, text: `${what}; fallback ${list(fallback)}` };
  }
  const ids = rule.locations ?? all;
  return { ids, text: `candidates ${list(ids)}` };
}

function rejection(location: LocationConfig, order: CanonicalOrder, rule: RoutingRule): string | null {
  if (location.channels && !location.channels.includes(order.channel)) {
    return `does not serve channel ${order.channel} (serves ${list(location.channels)})`;
  }
  if (rule.carrier !== undefined && location.carriers && !location.carriers.includes(rule.carrier)) {
    return `cannot use carrier ${rule.carrier} (carriers ${list(location.carriers)})`;
  }
  return null;
}

function byMostStock(eligible: LocationConfig[], facts: OrderFacts, ledger: StockLedger, explanation: string[]): LocationConfig[] {
  const units = totalUnits(facts.lines);
  const scored = eligible.map((location, index) => ({ location, index, held: ledger.cover(facts.lines, location.id) }));
  scored.sort((a, b) => b.held - a.held || a.index - b.index);
  explanation.push(`most stock first: ${scored.map((s) => `${s.location.id} holds ${s.held} of ${units} units`).join(', ') || 'no eligible location'}`);
  return scored.map((s) => s.location);
}

function byLowestCost(eligible: LocationConfig[], config: RoutingConfig, order: CanonicalOrder, facts: OrderFacts, rule: RoutingRule, explanation: string[]): LocationConfig[] {
  const province = order.receiver?.province;
  const scored = eligible.map((location, index) => ({ location, index, quote: quotes(config, location, province, facts.weightGrams, rule.carrier)[0] }));
  scored.sort((a, b) => (a.quote?.cost ?? Infinity) - (b.quote?.cost ?? Infinity) || a.index - b.index);
  const to = province ?? '(no receiver)';
  const parts = scored.map((s) => (s.quote ? `${s.location.id} ${yuan(s.quote.cost)} (${s.quote.carrier})` : `${s.location.id} no rate to ${to}`));
  explanation.push(`cheapest first for ${facts.weightGrams} g to ${to}: ${parts.join(', ') || 'no eligible location'}`);
  return scored.map((s) => s.location);
}
