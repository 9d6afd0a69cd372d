import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import readme from '../rules/README.md?raw';
import { addressKey, evaluateRules, rulesConfigSchema, type RulesConfig } from './index.ts';
import { makeContext, makeOrder } from './test-fixtures.ts';

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(rulesConfigSchema);
const blocks = (lang: string) => [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang).map((m) => m[2]!);
const example = parse(blocks('yaml')[0]!) as RulesConfig;

describe('rulesConfigSchema', () => {
  it('accepts the README example', () => {
    expect(blocks('yaml')).toHaveLength(1);
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a rule missing its parameters, an unknown field, a bad until', () => {
    const one = (rule: object) => validate({ rules: [rule] });
    expect(one({ name: 'x', kind: 'same-address', count: 5 })).toBe(false);
    expect(one({ name: 'x', kind: 'large-amount', paidAtLeast: 100, count: 5 })).toBe(false);
    expect(one({ name: 'x', kind: 'presale', until: 'next week' })).toBe(false);
    expect(one({ name: 'x', kind: 'presale', until: 'final-payment', untilAttribute: 'a' })).toBe(false);
    expect(one({ name: 'x', kind: 'gift-by-amount', paidAtLeast: 1.5, gift: { sku: 'G', title: 'g' } })).toBe(false);
    expect(one({ name: 'x', kind: 'teleport' })).toBe(false);
    expect(one({ name: 'x', kind: 'buyer-message', channels: ['jd'] })).toBe(true);
    expect(validate({ rules: [], priority: { speed: 1 } })).toBe(false);
  });

  it('explains the README example order as the README says', () => {
    const order = makeOrder([['TEA-1', 2]], {
      amounts: { goods: 19350, shipping: 0, discount: 0, paid: 19350 },
      buyer: { id: 'b1', message: '请包装结实' },
      attributes: { promisedShipAt: '2024-06-01T22:05:00+08:00', buyerLevel: 'vip' },
    });
    const other = { externalId: 'T998', channel: 'tmall', createdAt: '2024-06-01T09:00:00+08:00' };
    const context = makeContext({
      recentOrdersToSameAddress: [other],
      openOrdersOfSameBuyer: [{ ...other, shopId: 'tm-flagship', status: 'paid', addressKey: addressKey(order.receiver!) }],
    });
    const outcome = evaluateRules(order, context, example);
    const shown = blocks('').find((b) => b.startsWith('rule "no-address"'))!.trimEnd().split('\n');
    expect(outcome.explanation).toEqual(shown);
    expect(outcome.holds).toEqual([{ rule: 'buyer-note', reason: 'buyer left a message (5 characters): read it before shipping' }]);
    expect(outcome.addLines.map((a) => a.line.sku)).toEqual(['GIFT-CUP']);
    expect(outcome.mergeWith).toEqual(['T998']);
    expect(outcome.priority).toBe(51);
  });
});
