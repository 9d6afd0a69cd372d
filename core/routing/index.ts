/**
 * Routing: picks the location (warehouse or store) and the carrier for each parcel of a paid
 * order, by named rules evaluated in order, and says why. Pure: stock and SKU facts come in as
 * functions, nothing is read from a clock, a database or the network. README.md documents the
 * `routing:` section of hub.yaml.
 *
 * @example
 * import { routeOrder } from './core/routing/index.ts';
 * const { shipments, unrouted, explanation, rule } = routeOrder(order, stockView, hub.routing, skuInfo);
 */
export { routeOrder } from './route-order.ts';
export { RoutingConfigError } from './errors.ts';
export type {
  CarrierRate,
  LocationConfig,
  RegionEntry,
  RoutingConfig,
  RoutingDecision,
  RoutingRule,
  RoutingStrategy,
  RoutingWhen,
  ShipmentPlan,
  SkuInfo,
  SplitPolicy,
  StockView,
} from './types.ts';
import schema from './routing-config.schema.json' with { type: 'json' };

/**
 * JSON Schema (draft 2020-12) of the `routing:` section of hub.yaml.
 *
 * @example
 * new Ajv2020().compile(routingConfigSchema)(hub.routing) // true for a well-formed config
 */
export const routingConfigSchema: object = schema;
