import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import readme from '../routing/README.md?raw';
import { routeOrder, routingConfigSchema, type RoutingConfig } from './index.ts';
import { makeOrder, skusOf, stockOf } from './test-fixtures.ts';

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(routingConfigSchema);
const blocks = (lang: string) => [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang).map((m) => m[2]!);
const example = parse(blocks('yaml')[0]!).routing as RoutingConfig;

describe('routingConfigSchema', () => {
  it('accepts the README example', () => {
    expect(blocks('yaml')).toHaveLength(1);
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects unknown fields, a bad strategy and a strategy without its list', () => {
    const rule = (r: object) => ({ ...example, rules: [r] });
    expect(validate({ ...example, locations: [{ ...example.locations[0], region: 'east' }] })).toBe(false);
    expect(validate(rule({ name: 'x', strategy: 'fastest' }))).toBe(false);
    expect(validate(rule({ name: 'x', strategy: 'priority' }))).toBe(false);
    expect(validate(rule({ name: 'x', strategy: 'region', regions: [] }))).toBe(false);
    expect(validate(rule({ name: 'x', strategy: 'most-stock', when: { paidAtLeast: 1.5 } }))).toBe(false);
    expect(validate(rule({ name: 'x', strategy: 'most-stock' }))).toBe(true);
  });

  it('routes as the README example explanation says', () => {
    const order = makeOrder([['TEA-1', 2]], { amounts: { goods: 12900, shipping: 0, discount: 0, paid: 12900 } });
    const decision = routeOrder(order, stockOf({ 'wh-gz': { 'TEA-1': 5 } }), example, skusOf({ 'TEA-1': { weightGrams: 250 } }));
    const shown = blocks('')
      .find((b) => b.startsWith('rule "cold-chain"'))!
      .trimEnd()
      .split('\n');
    expect(decision.explanation).toEqual(shown);
    expect(decision.shipments).toEqual([{ location: 'wh-gz', carrier: 'zto', lines: [{ lineId: '1', sku: 'TEA-1', quantity: 2 }] }]);
  });
});
