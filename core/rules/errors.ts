/**
 * A rules config that cannot be used as written; `path` is where, as a JSON path.
 *
 * @example
 * throw new RulesConfigError('rules[2].until', '"next week" is not an ISO-8601 time with offset or final-payment');
 */
export class RulesConfigError extends Error {
  override name = 'RulesConfigError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/**
 * A rule context the rules cannot read, such as a `now` that is not an ISO time.
 *
 * @example
 * throw new RuleContextError('now', '"yesterday" is not an ISO-8601 time with offset');
 */
export class RuleContextError extends Error {
  override name = 'RuleContextError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`context.${path}: ${problem}`);
  }
}
