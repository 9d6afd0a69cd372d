import { describe, expect, it } from 'vitest';
import { evaluateRules } from './evaluate-rules.ts';
import { RuleContextError, RulesConfigError } from './errors.ts';
import { makeContext, makeOrder } from './test-fixtures.ts';
import type { OrderRule, RulesConfig } from './types.ts';

const gift = { sku: 'G', title: 'g' };

describe('evaluateRules', () => {
  it('runs every rule in order and gathers their effects', () => {
    const order = makeOrder([['TEA-1', 2]], { tags: ['presale'], status: 'pending_payment', buyer: { message: 'hi' } });
    const outcome = evaluateRules(order, makeContext(), {
      rules: [
        { name: 'note', kind: 'buyer-message' },
        { name: 'g1', kind: 'gift-by-amount', paidAtLeast: 0, gift },
        { name: 'g2', kind: 'gift-by-sku', skus: ['TEA-1'], gift, oncePerOrder: true },
        { name: 'deposit', kind: 'presale', until: 'final-payment' },
      ],
      priority: { presale: -30 },
    });
    expect(outcome.holds).toEqual([
      { rule: 'note', reason: 'buyer left a message (2 characters): read it before shipping' },
      { rule: 'deposit', reason: 'presale: waiting for the final payment' },
    ]);
    expect(outcome.addLines.map((a) => [a.rule, a.line.lineId])).toEqual([['g1', 'gift-g1'], ['g2', 'gift-g2']]);
    expect(outcome.tags).toEqual(['gift-added']);
    expect(outcome.priority).toBe(-30);
    expect(outcome.explanation).toHaveLength(5);
    expect(outcome.explanation.at(-1)).toBe('priority -30: presale -30');
  });

  it('counts an order as presale for priority when a presale rule fires on its SKUs', () => {
    const config: RulesConfig = { rules: [{ name: 'p', kind: 'presale', skus: ['TEA-1'], until: '2024-07-01T00:00:00+08:00' }], priority: { presale: 5 } };
    expect(evaluateRules(makeOrder(), makeContext(), config).priority).toBe(5);
    expect(evaluateRules(makeOrder([['X', 1]]), makeContext(), config).priority).toBe(0);
  });

  it('skips rules whose channels or shops do not include the order, and says why', () => {
    const rules: OrderRule[] = [
      { name: 'jd-only', kind: 'large-amount', paidAtLeast: 0, channels: ['jd'] },
      { name: 'shop-only', kind: 'large-amount', paidAtLeast: 0, shops: ['other'] },
      { name: 'here', kind: 'large-amount', paidAtLeast: 0, channels: ['tmall'], shops: ['tm-flagship'] },
    ];
    const outcome = evaluateRules(makeOrder(), makeContext(), { rules });
    expect(outcome.explanation.slice(0, 2)).toEqual([
      'rule "jd-only" (large-amount) skipped: channel tmall is not in [jd]',
      'rule "shop-only" (large-amount) skipped: shop tm-flagship is not in [other]',
    ]);
    expect(outcome.holds.map((h) => h.rule)).toEqual(['here']);
  });

  it('with no rules explains only the priority', () => {
    expect(evaluateRules(makeOrder(), makeContext(), { rules: [] })).toEqual({ holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: ['priority 0: no priority factors configured'] });
  });

  it('rejects a context time that is not ISO', () => {
    expect(() => evaluateRules(makeOrder(), makeContext({ now: 'now' }), { rules: [] })).toThrow(new RuleContextError('now', '"now" is not an ISO-8601 time with offset'));
  });
});

describe('rules config problems', () => {
  const bad = (rule: unknown) => () => evaluateRules(makeOrder(), makeContext(), { rules: [rule as OrderRule] });

  it('names where each problem is', () => {
    expect(bad({ name: 'x', kind: 'same-address', count: 1, withinMinutes: 30 })).toThrow(new RulesConfigError('rules[0].count', 'must be a whole number, 2 or more (got 1)'));
    expect(bad({ name: 'x', kind: 'nope' })).toThrow('rules[0].kind: "nope" is not one of incomplete-address, invalid-mobile');
    expect(bad({ name: 'x', kind: 'presale', until: 'next week' })).toThrow('rules[0].until: "next week" is not an ISO-8601 time with offset');
    expect(bad({ name: 'x', kind: 'presale' })).toThrow('rules[0]: a presale rule needs exactly one of until');
    expect(bad({ name: 'x', kind: 'gift-by-sku', skus: [], gift })).toThrow('rules[0].skus: needs at least one SKU');
    expect(bad({ name: 'x', kind: 'gift-by-amount', paidAtLeast: 100, gift: { title: 't' } })).toThrow('rules[0].gift.sku: is required');
    expect(bad({ name: 'x', kind: 'merge', withinMinutes: 0 })).toThrow('rules[0].withinMinutes: must be a whole number, 1 or more (got 0)');
    const twice = () => evaluateRules(makeOrder(), makeContext(), { rules: [{ name: 'a', kind: 'buyer-message' }, { name: 'a', kind: 'buyer-message' }] });
    expect(twice).toThrow('rules[1].name: "a" is used by an earlier rule');
  });

  it('checks the priority factors that would make the score meaningless', () => {
    const run = (priority: RulesConfig['priority']) => () => evaluateRules(makeOrder(), makeContext(), { rules: [], priority });
    expect(run({ shipBy: { attribute: 'a', points: 10, horizonHours: 0 } })).toThrow('priority.shipBy.horizonHours: must be a number of hours above 0 (got 0)');
    expect(run({ buyerLevel: { attribute: '' } })).toThrow('priority.buyerLevel.attribute: is required');
  });

  it('is a named error', () => {
    try {
      bad({ name: '', kind: 'merge', withinMinutes: 5 })();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RulesConfigError);
      expect((error as RulesConfigError).name).toBe('RulesConfigError');
      expect((error as RulesConfigError).path).toBe('rules[0].name');
    }
  });
});
