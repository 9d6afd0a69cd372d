/**
 * The shapes of the routing module. The config is what an integrator writes under `routing:`
 * in hub.yaml; `routing-config.schema.json` describes the same shape for editors and linting.
 */

/** A warehouse or store that can ship goods. */
export interface LocationConfig {
  /** Unique id, used by rules, the rate table and `StockView.available`. */
  id: string;
  name: string;
  kind: 'warehouse' | 'store';
  /** Province the location ships from ("上海" and "上海市" are the same). */
  province: string;
  /** Channels it serves; absent means every channel. */
  channels?: string[];
  /** Carriers it can hand parcels to, best first; absent means any carrier. */
  carriers?: string[];
  /** For a store: the channel shop id whose in-store sales it hands over (default: its `id`). */
  shopId?: string;
}

/** One row of the carrier rate table: what a parcel from a location to a province costs. */
export interface CarrierRate {
  carrier: string;
  /** Location id the parcel leaves from. */
  from: string;
  /** Receiver provinces this row prices; `"*"` prices every province without a row of its own. */
  to: string[];
  /** Price of the first kilogram (or `firstWeightGrams`), in fen. */
  firstWeight: number;
  /** Price of each further started kilogram, in fen. */
  extraPerKg: number;
  /** Weight the first-weight price covers, in grams (default 1000). */
  firstWeightGrams?: number;
}

/** Conditions on the order; all given ones must hold (lists match any of their items). */
export interface RoutingWhen {
  /** Receiver province is one of these. */
  provinces?: string[];
  /** Receiver city is one of these. */
  cities?: string[];
  channels?: string[];
  shops?: string[];
  /** Amount paid (fen) is at least this. */
  paidAtLeast?: number;
  /** Amount paid (fen) is below this. */
  paidBelow?: number;
  /** Some routed line's SKU carries one of these tags. */
  skuTags?: string[];
  /** Total weight of the routed lines (grams) is at least this. */
  weightAtLeastGrams?: number;
  /** Total weight of the routed lines (grams) is below this. */
  weightBelowGrams?: number;
  /** Some routed line's SKU is in one of these zones (a SKU without a zone is ambient). */
  temperatureZones?: Array<'ambient' | 'chilled' | 'frozen'>;
}

export type RoutingStrategy = 'priority' | 'region' | 'most-stock' | 'lowest-cost';
export type SplitPolicy = 'minimize-parcels' | 'none';

/** A group of provinces served by an ordered list of locations (strategy `region`). */
export interface RegionEntry {
  provinces: string[];
  locations: string[];
}

/** A named routing rule; the first whose `when` holds decides. */
export interface RoutingRule {
  name: string;
  /** Absent or empty: always matches (a default rule). */
  when?: RoutingWhen;
  strategy: RoutingStrategy;
  /**
   * `priority`: the ordered location list (required). `region`: the fallback for provinces no
   * region lists. `most-stock` / `lowest-cost`: the candidates (default: every location).
   */
  locations?: string[];
  /** `region`: province groups, each with its ordered locations. */
  regions?: RegionEntry[];
  /** Use this carrier for every parcel; locations whose `carriers` lack it are rejected. */
  carrier?: string;
  /** Overrides the top-level `split` for orders this rule routes. */
  split?: SplitPolicy;
}

/**
 * The `routing:` section of hub.yaml (README.md documents every field).
 *
 * @example
 * const routing: RoutingConfig = {
 *   locations: [{ id: 'wh-sh', name: '上海仓', kind: 'warehouse', province: '上海' }],
 *   rules: [{ name: 'default', strategy: 'priority', locations: ['wh-sh'] }],
 * };
 */
export interface RoutingConfig {
  locations: LocationConfig[];
  rates?: CarrierRate[];
  /** When no single location can ship every line (default `minimize-parcels`). */
  split?: SplitPolicy;
  rules: RoutingRule[];
}

/** What routing needs to know about a SKU beyond the order. */
export interface SkuInfo {
  tags?: string[];
  weightGrams?: number;
  temperatureZone?: 'ambient' | 'chilled' | 'frozen';
}

/** Sellable stock per SKU and location. */
export interface StockView {
  /** onHand - reserved - safety at that location, never negative. */
  available(sku: string, location: string): number;
}

export interface PlannedLine {
  lineId: string;
  sku: string;
  quantity: number;
}

/** One parcel: what leaves one location with one carrier. */
export interface ShipmentPlan {
  location: string;
  carrier: string | null;
  lines: PlannedLine[];
}

export interface RoutingDecision {
  /** One per parcel / location. */
  shipments: ShipmentPlan[];
  /** What no location can ship (shortfall), with why. */
  unrouted: Array<PlannedLine & { reason: string }>;
  /** Which rule matched, what was compared, why each location was picked or rejected. */
  explanation: string[];
  /** Name of the routing rule that matched. */
  rule: string | null;
}
