/**
 * What the JSON Schema cannot say about a rules config (unique names, valid ISO times), and
 * what a run without a schema check must not trip over (a missing count, an unknown kind).
 */
import { RulesConfigError } from './errors.ts';
import { isoMillis } from './time.ts';
import type { OrderRule, RulesConfig } from './types.ts';

export const RULE_KINDS = ['incomplete-address', 'invalid-mobile', 'same-address', 'large-amount', 'buyer-message', 'gift-by-amount', 'gift-by-sku', 'presale', 'merge'] as const;

/**
 * Throws a `RulesConfigError` at the first problem.
 *
 * @example
 * checkRulesConfig({ rules: [{ name: 'a', kind: 'same-address', count: 0, withinMinutes: 30 }] })
 * // throws: rules[0].count: must be a whole number, 2 or more (got 0)
 */
/** Configs already found good: rules run per order, the check once per config. */
const checked = new WeakSet<RulesConfig>();

export function checkRulesConfig(config: RulesConfig): void {
  if (typeof config === 'object' && config !== null && checked.has(config)) return;
  checkRulesConfigOnce(config);
  checked.add(config);
}

function checkRulesConfigOnce(config: RulesConfig): void {
  if (!Array.isArray(config?.rules)) throw new RulesConfigError('rules', 'is required: a list of rules (may be empty)');
  const names = new Set<string>();
  config.rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (typeof rule.name !== 'string' || rule.name === '') throw new RulesConfigError(`${at}.name`, 'is required');
    if (names.has(rule.name)) throw new RulesConfigError(`${at}.name`, `"${rule.name}" is used by an earlier rule`);
    names.add(rule.name);
    if (!(RULE_KINDS as readonly string[]).includes(rule.kind)) {
      throw new RulesConfigError(`${at}.kind`, `"${(rule as { kind: unknown }).kind}" is not one of ${RULE_KINDS.join(', ')}`);
    }
    checkParameters(rule, at);
  });
  const shipBy = config.priority?.shipBy;
  if (shipBy && !(typeof shipBy.horizonHours === 'number' && shipBy.horizonHours > 0)) {
    throw new RulesConfigError('priority.shipBy.horizonHours', `must be a number of hours above 0 (got ${shipBy.horizonHours})`);
  }
  for (const factor of ['shipBy', 'buyerLevel'] as const) {
    const attribute = config.priority?.[factor]?.attribute;
    if (config.priority?.[factor] && (typeof attribute !== 'string' || attribute === '')) {
      throw new RulesConfigError(`priority.${factor}.attribute`, 'is required: the name of the order attribute to read');
    }
  }
}

function checkParameters(rule: OrderRule, at: string): void {
  const whole = (field: string, value: unknown, min: number): void => {
    if (!Number.isSafeInteger(value) || (value as number) < min) throw new RulesConfigError(`${at}.${field}`, `must be a whole number, ${min} or more (got ${value})`);
  };
  switch (rule.kind) {
    case 'same-address':
      whole('count', rule.count, 2);
      whole('withinMinutes', rule.withinMinutes, 1);
      return;
    case 'large-amount':
    case 'gift-by-amount':
      whole('paidAtLeast', rule.paidAtLeast, 0);
      if (rule.kind === 'gift-by-amount') checkGift(rule.gift, at, whole);
      return;
    case 'gift-by-sku':
      if (!Array.isArray(rule.skus) || rule.skus.length === 0) throw new RulesConfigError(`${at}.skus`, 'needs at least one SKU');
      checkGift(rule.gift, at, whole);
      return;
    case 'merge':
      whole('withinMinutes', rule.withinMinutes, 1);
      return;
    case 'presale':
      if ((rule.until === undefined) === (rule.untilAttribute === undefined)) {
        throw new RulesConfigError(at, 'a presale rule needs exactly one of until (an ISO time or final-payment) and untilAttribute');
      }
      if (rule.until !== undefined && rule.until !== 'final-payment' && isoMillis(rule.until) === null) {
        throw new RulesConfigError(`${at}.until`, `"${rule.until}" is not an ISO-8601 time with offset (like 2024-06-18T00:00:00+08:00) or final-payment`);
      }
      return;
    default:
      return;
  }
}

function checkGift(gift: { sku?: unknown; title?: unknown; quantity?: unknown } | undefined, at: string, whole: (field: string, value: unknown, min: number) => void): void {
  if (!gift || typeof gift.sku !== 'string' || gift.sku === '') throw new RulesConfigError(`${at}.gift.sku`, 'is required');
  if (typeof gift.title !== 'string') throw new RulesConfigError(`${at}.gift.title`, 'is required');
  if (gift.quantity !== undefined) whole('gift.quantity', gift.quantity, 1);
}
