import type { CanonicalOrder } from '../order/canonical-order.generated.ts';
import { buyerMessage, incompleteAddress, invalidMobile, largeAmount, sameAddress } from './audit-rules.ts';
import { checkRulesConfig } from './check-config.ts';
import type { Effect, Facts } from './effect.ts';
import { RuleContextError } from './errors.ts';
import { filterMiss } from './filters.ts';
import { giftByAmount, giftBySku } from './gift-rules.ts';
import { merge } from './merge-rule.ts';
import { PRESALE_TAG, presale } from './presale-rule.ts';
import { priorityScore } from './priority.ts';
import { isoMillis } from './time.ts';
import type { OrderRule, RuleContext, RuleOutcome, RulesConfig } from './types.ts';

function apply(rule: OrderRule, facts: Facts): Effect {
  switch (rule.kind) {
    case 'incomplete-address':
      return incompleteAddress(rule, facts);
    case 'invalid-mobile':
      return invalidMobile(rule, facts);
    case 'same-address':
      return sameAddress(rule, facts);
    case 'large-amount':
      return largeAmount(rule, facts);
    case 'buyer-message':
      return buyerMessage(rule, facts);
    case 'gift-by-amount':
      return giftByAmount(rule, facts);
    case 'gift-by-sku':
      return giftBySku(rule, facts);
    case 'presale':
      return presale(rule, facts);
    case 'merge':
      return merge(rule, facts);
  }
}

/**
 * Runs every rule, in order, on one order and gathers what they ask for: holds, gift lines,
 * tags, a presale hold time, merge suggestions, and a priority score. Every rule appears in
 * the explanation, fired or not. Pure: the time is `context.now`.
 *
 * @example
 * const outcome = evaluateRules(order, { now: '2024-05-01T10:05:00+08:00', recentOrdersToSameAddress: [], openOrdersOfSameBuyer: [] }, hub);
 * outcome.holds       // [{ rule: 'big-order', reason: 'paid ¥6000.00 >= ¥5000.00' }]
 * outcome.explanation // ['rule "big-order" (large-amount) fired: paid ¥6000.00 >= ¥5000.00', ..., 'priority 60: order value ¥6000.00 +60']
 */
export function evaluateRules(order: CanonicalOrder, context: RuleContext, config: RulesConfig): RuleOutcome {
  checkRulesConfig(config);
  const nowMs = isoMillis(context.now);
  if (nowMs === null) throw new RuleContextError('now', `"${context.now}" is not an ISO-8601 time with offset`);
  const facts: Facts = { order, context, nowMs, createdMs: isoMillis(order.createdAt) ?? nowMs };
  const outcome: RuleOutcome = { holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: [] };
  let holdUntilMs = -Infinity;
  let isPresale = order.tags.includes(PRESALE_TAG);

  for (const rule of config.rules) {
    const label = `rule "${rule.name}" (${rule.kind})`;
    const miss = filterMiss(rule, order);
    if (miss) {
      outcome.explanation.push(`${label} skipped: ${miss}`);
      continue;
    }
    const effect = apply(rule, facts);
    outcome.explanation.push(`${label} ${effect.fired ? 'fired' : 'not fired'}: ${effect.why}`);
    if (!effect.fired) continue;
    if (effect.hold) outcome.holds.push({ rule: rule.name, reason: effect.hold });
    for (const line of effect.lines ?? []) outcome.addLines.push({ rule: rule.name, line });
    for (const tag of effect.tags ?? []) if (!order.tags.includes(tag) && !outcome.tags.includes(tag)) outcome.tags.push(tag);
    for (const id of effect.mergeWith ?? []) if (!outcome.mergeWith.includes(id)) outcome.mergeWith.push(id);
    if (effect.holdUntil !== undefined && isoMillis(effect.holdUntil)! > holdUntilMs) {
      holdUntilMs = isoMillis(effect.holdUntil)!;
      outcome.holdUntil = effect.holdUntil;
    }
    if (effect.presale) isPresale = true;
  }
  const { score, text } = priorityScore(order, config.priority, nowMs, isPresale);
  outcome.priority = score;
  outcome.explanation.push(text);
  return outcome;
}
