/**
 * A routing config that cannot be used as written: an unknown location id, a duplicate name,
 * a strategy without the list it needs. `path` is where, as a JSON path under `routing`.
 *
 * @example
 * throw new RoutingConfigError('routing.rules[0].locations[1]', 'unknown location "wh-bj" (locations: wh-sh, wh-gz)');
 */
export class RoutingConfigError extends Error {
  override name = 'RoutingConfigError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}
