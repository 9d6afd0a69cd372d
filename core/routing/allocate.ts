/**
 * Lines to parcels. The first candidate that can ship every line takes the whole order. When
 * none can, `minimize-parcels` covers the order greedily (the location covering the most
 * remaining units, again and again), and `none` ships what the best single location has.
 * A line may be split across parcels when its units sit in different locations.
 */
import { list } from './conditions.ts';
import { StockLedger, totalUnits } from './stock-ledger.ts';
import type { LocationConfig, PlannedLine, RoutingDecision, SplitPolicy } from './types.ts';

export interface Allocation {
  parcels: Array<{ location: LocationConfig; lines: PlannedLine[] }>;
  unrouted: RoutingDecision['unrouted'];
  explanation: string[];
}

/**
 * Assigns `lines` to the `ranked` locations.
 *
 * @example
 * allocate(lines, [whSh, whGz], ledger, 'minimize-parcels').parcels.map((p) => p.location.id) // ['wh-sh', 'wh-gz']
 */
export function allocate(lines: PlannedLine[], ranked: LocationConfig[], ledger: StockLedger, split: SplitPolicy): Allocation {
  const explanation: string[] = [];
  const units = totalUnits(lines);
  if (ranked.length === 0) {
    return { parcels: [], unrouted: lines.map((l) => ({ ...l, reason: 'no eligible location' })), explanation: ['no eligible location to ship from'] };
  }
  for (const location of ranked) {
    const short = ledger.shortfall(lines, location.id);
    if (short.length === 0) {
      explanation.push(`picked ${location.id}: can ship all ${units} units`);
      return { parcels: [take(lines, location, ledger).parcel], unrouted: [], explanation };
    }
    explanation.push(`${location.id} cannot ship every line: short ${short.join(', ')}`);
  }
  const ids = list(ranked.map((l) => l.id));
  if (split === 'none') {
    const best = mostCovering(lines, ranked, ledger);
    if (!best) return { parcels: [], unrouted: lines.map((l) => ({ ...l, reason: `no stock at any of ${ids}` })), explanation: [...explanation, `no stock at any of ${ids}`] };
    explanation.push(`split: none, so one parcel from ${best.location.id}, which covers the most (${best.covered} of ${units} units)`);
    const { parcel, rest } = take(lines, best.location, ledger);
    const reason = `${best.location.id} lacks these units and split is none (one location only)`;
    return { parcels: [parcel], unrouted: rest.map((l) => ({ ...l, reason })), explanation };
  }
  explanation.push(`split: minimize-parcels over ${ids}`);
  const parcels: Allocation['parcels'] = [];
  let remaining = lines;
  for (;;) {
    const best = mostCovering(remaining, ranked, ledger);
    if (!best) break;
    const { parcel, rest } = take(remaining, best.location, ledger);
    parcels.push(parcel);
    explanation.push(`parcel ${parcels.length} from ${best.location.id}: covers ${best.covered} of ${totalUnits(remaining)} remaining units`);
    remaining = rest;
    if (remaining.length === 0) break;
  }
  if (remaining.length > 0) explanation.push(`${totalUnits(remaining)} units left unrouted: no stock at any of ${ids}`);
  return { parcels, unrouted: remaining.map((l) => ({ ...l, reason: `no stock left at any of ${ids}` })), explanation };
}

/** The location covering the most of `lines` (ties: the earlier one), or null when none covers any. */
function mostCovering(lines: PlannedLine[], ranked: LocationConfig[], ledger: StockLedger): { location: LocationConfig; covered: number } | null {
  let best: { location: LocationConfig; covered: number } | null = null;
  for (const location of ranked) {
    const covered = ledger.cover(lines, location.id);
    if (covered > 0 && (!best || covered > best.covered)) best = { location, covered };
  }
  return best;
}

/** Takes what `location` has of `lines`; returns the parcel and what is left. */
function take(lines: PlannedLine[], location: LocationConfig, ledger: StockLedger): { parcel: { location: LocationConfig; lines: PlannedLine[] }; rest: PlannedLine[] } {
  const shipped: PlannedLine[] = [];
  const rest: PlannedLine[] = [];
  for (const line of lines) {
    const units = Math.min(line.quantity, ledger.available(line.sku, location.id));
    if (units > 0) {
      ledger.take(line.sku, location.id, units);
      shipped.push({ ...line, quantity: units });
    }
    if (units < line.quantity) rest.push({ ...line, quantity: line.quantity - units });
  }
  return { parcel: { location, lines: shipped }, rest };
}
