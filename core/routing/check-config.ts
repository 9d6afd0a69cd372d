/**
 * What the JSON Schema cannot say about a routing config: ids that must exist, names that must
 * be unique, the list each strategy needs. Run on every `routeOrder`; cheap.
 */
import { list } from './conditions.ts';
import { RoutingConfigError } from './errors.ts';
import type { RoutingConfig } from './types.ts';

const STRATEGIES = ['priority', 'region', 'most-stock', 'lowest-cost'];
const SPLITS = ['minimize-parcels', 'none'];

/**
 * Throws a `RoutingConfigError` at the first problem.
 *
 * @example
 * checkRoutingConfig({ locations: [], rules: [] }) // throws: routing.rules: no rules: add a default rule ...
 */
/** Configs already found good: routing runs per order, the check once per config. */
const checked = new WeakSet<RoutingConfig>();

export function checkRoutingConfig(config: RoutingConfig): void {
  if (typeof config === 'object' && config !== null && checked.has(config)) return;
  checkRoutingConfigOnce(config);
  checked.add(config);
}

function checkRoutingConfigOnce(config: RoutingConfig): void {
  const fail = (path: string, problem: string): never => {
    throw new RoutingConfigError(`routing${path}`, problem);
  };
  if (!Array.isArray(config?.locations)) fail('.locations', 'is required: a list of warehouses and stores');
  if (!Array.isArray(config.rules) || config.rules.length === 0) fail('.rules', 'no rules: add a default rule last (no when:, strategy: priority, locations: [...])');
  if (config.split !== undefined && !SPLITS.includes(config.split)) fail('.split', `must be one of ${list(SPLITS)}`);
  const ids = new Set<string>();
  config.locations.forEach((location, i) => {
    if (typeof location.id !== 'string' || location.id === '') fail(`.locations[${i}].id`, 'is required');
    if (ids.has(location.id)) fail(`.locations[${i}].id`, `"${location.id}" is listed twice`);
    ids.add(location.id);
  });
  const known = (path: string, id: string): void => {
    if (!ids.has(id)) fail(path, `unknown location "${id}" (locations: ${[...ids].join(', ')})`);
  };
  (config.rates ?? []).forEach((rate, i) => {
    known(`.rates[${i}].from`, rate.from);
    for (const field of ['firstWeight', 'extraPerKg'] as const) {
      if (!Number.isSafeInteger(rate[field]) || rate[field] < 0) fail(`.rates[${i}].${field}`, `must be a whole number of fen, 0 or more (got ${rate[field]})`);
    }
  });
  const names = new Set<string>();
  config.rules.forEach((rule, i) => {
    const at = `.rules[${i}]`;
    if (typeof rule.name !== 'string' || rule.name === '') fail(`${at}.name`, 'is required');
    if (names.has(rule.name)) fail(`${at}.name`, `"${rule.name}" is used by an earlier rule`);
    names.add(rule.name);
    if (!STRATEGIES.includes(rule.strategy)) fail(`${at}.strategy`, `"${rule.strategy}" is not one of ${list(STRATEGIES)}`);
    if (rule.split !== undefined && !SPLITS.includes(rule.split)) fail(`${at}.split`, `must be one of ${list(SPLITS)}`);
    if (rule.strategy === 'priority' && !rule.locations?.length) fail(`${at}.locations`, 'strategy priority needs the ordered list of locations');
    if (rule.strategy === 'region' && !rule.regions?.length) fail(`${at}.regions`, 'strategy region needs regions: [{ provinces: [...], locations: [...] }]');
    rule.locations?.forEach((id, j) => known(`${at}.locations[${j}]`, id));
    rule.regions?.forEach((region, j) => region.locations.forEach((id, k) => known(`${at}.regions[${j}].locations[${k}]`, id)));
  });
}
