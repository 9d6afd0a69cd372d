import { describe, expect, it } from 'vitest';
import { routeOrder } from './route-order.ts';
import { makeOrder, skusOf, stockOf } from './test-fixtures.ts';
import type { RoutingConfig, RoutingRule } from './types.ts';

const locations: RoutingConfig['locations'] = [
  { id: 'wh-sh', name: '上海仓', kind: 'warehouse', province: '上海', carriers: ['yto', 'sf'] },
  { id: 'wh-gz', name: '广州仓', kind: 'warehouse', province: '广东', carriers: ['zto', 'sf'] },
  { id: 'wh-jd', name: '京东仓', kind: 'warehouse', province: '北京', channels: ['jd'] },
  { id: 'store-jingan', name: '静安店', kind: 'store', province: '上海', shopId: 'jingan' },
];
const rates: RoutingConfig['rates'] = [
  { carrier: 'yto', from: 'wh-sh', to: ['*'], firstWeight: 900, extraPerKg: 300 },
  { carrier: 'sf', from: 'wh-sh', to: ['*'], firstWeight: 1200, extraPerKg: 200 },
  { carrier: 'zto', from: 'wh-gz', to: ['*'], firstWeight: 700, extraPerKg: 400 },
  { carrier: 'sf', from: 'wh-gz', to: ['*'], firstWeight: 1300, extraPerKg: 200 },
];
const config = (...rules: RoutingRule[]): RoutingConfig => ({ locations, rates, rules });
const plenty = stockOf({ 'wh-sh': { 'TEA-1': 9, 'CUP-1': 9 }, 'wh-gz': { 'TEA-1': 9, 'CUP-1': 9 }, 'wh-jd': { 'TEA-1': 9 } });
const skus = skusOf({ 'TEA-1': { weightGrams: 250 }, 'CUP-1': { weightGrams: 600, tags: ['fragile'] } });

describe('routeOrder: rules', () => {
  it('takes the first rule whose when holds and explains the skipped ones', () => {
    const decision = routeOrder(
      makeOrder([['TEA-1', 2]]),
      plenty,
      config(
        { name: 'south', when: { provinces: ['广东', '广西'] }, strategy: 'priority', locations: ['wh-gz'] },
        { name: 'east', when: { provinces: ['上海', '江苏'] }, strategy: 'priority', locations: ['wh-sh'] },
        { name: 'default', strategy: 'priority', locations: ['wh-gz'] },
      ),
      skus,
    );
    expect(decision).toEqual({
      rule: 'east',
      shipments: [{ location: 'wh-sh', carrier: 'yto', lines: [{ lineId: '1', sku: 'TEA-1', quantity: 2 }] }],
      unrouted: [],
      explanation: [
        'rule "south" skipped: receiver province 上海市 is not in [广东, 广西]',
        'rule "east" matched: receiver province 上海市 is in [上海, 江苏]',
        'strategy priority: try [wh-sh] in order',
        'picked wh-sh: can ship all 2 units',
        'wh-sh ships with yto: cheapest for 500 g to 上海市 (yto ¥9.00, sf ¥12.00)',
      ],
    });
  });

  it('says so when no rule matches', () => {
    const decision = routeOrder(makeOrder(), plenty, config({ name: 'jd-only', when: { channels: ['jd'] }, strategy: 'priority', locations: ['wh-jd'] }));
    expect(decision.rule).toBeNull();
    expect(decision.shipments).toEqual([]);
    expect(decision.unrouted).toEqual([{ lineId: '1', sku: 'TEA-1', quantity: 2, reason: 'no routing rule matched' }]);
    expect(decision.explanation.at(-1)).toBe('no routing rule matched: add a default rule last (no when:)');
  });

  it('matches on SKU tags, weight and amount', () => {
    const rules = config(
      { name: 'fragile', when: { skuTags: ['fragile'], weightAtLeastGrams: 1000 }, strategy: 'priority', locations: ['wh-gz'] },
      { name: 'big', when: { paidAtLeast: 50000 }, strategy: 'priority', locations: ['wh-gz'], carrier: 'sf' },
      { name: 'default', strategy: 'priority', locations: ['wh-sh'] },
    );
    expect(routeOrder(makeOrder([['CUP-1', 2]]), plenty, rules, skus).rule).toBe('fragile');
    expect(routeOrder(makeOrder([['CUP-1', 1]]), plenty, rules, skus).rule).toBe('default');
    const big = routeOrder(makeOrder([['TEA-1', 8]]), plenty, rules, skus);
    expect([big.rule, big.shipments[0]?.carrier]).toEqual(['big', 'sf']);
  });
});

describe('routeOrder: strategies', () => {
  it('priority tries locations in order, skipping one without stock', () => {
    const stock = stockOf({ 'wh-gz': { 'TEA-1': 2 } });
    const decision = routeOrder(makeOrder(), stock, config({ name: 'p', strategy: 'priority', locations: ['wh-sh', 'wh-gz'] }));
    expect(decision.shipments.map((s) => s.location)).toEqual(['wh-gz']);
    expect(decision.explanation).toContain('wh-sh cannot ship every line: short TEA-1 ×2');
  });

  it('region picks the province group, else the fallback', () => {
    const rule: RoutingRule = {
      name: 'r',
      strategy: 'region',
      regions: [
        { provinces: ['上海', '江苏', '浙江'], locations: ['wh-sh'] },
        { provinces: ['广东'], locations: ['wh-gz', 'wh-sh'] },
      ],
      locations: ['wh-gz'],
    };
    const to = (province: string) => makeOrder([['TEA-1', 1]], { receiver: { name: 'a', phone: '1', province, city: 'c', district: '', address: 'x' } });
    expect(routeOrder(to('浙江省'), plenty, config(rule)).shipments[0]?.location).toBe('wh-sh');
    expect(routeOrder(to('广东省'), plenty, config(rule)).shipments[0]?.location).toBe('wh-gz');
    const far = routeOrder(to('新疆维吾尔自治区'), plenty, config(rule));
    expect(far.shipments[0]?.location).toBe('wh-gz');
    expect(far.explanation[1]).toBe('strategy region: no region lists 新疆维吾尔自治区; fallback [wh-gz]');
  });

  it('most-stock picks the location holding most of the order, ties by listed order', () => {
    const stock = stockOf({ 'wh-sh': { 'TEA-1': 1, 'CUP-1': 1 }, 'wh-gz': { 'TEA-1': 2, 'CUP-1': 1 } });
    const decision = routeOrder(makeOrder([['TEA-1', 2], ['CUP-1', 1]]), stock, config({ name: 'm', strategy: 'most-stock' }));
    expect(decision.shipments.map((s) => s.location)).toEqual(['wh-gz']);
    expect(decision.explanation.slice(1, 4)).toEqual([
      'strategy most-stock: candidates [wh-sh, wh-gz, wh-jd, store-jingan]',
      'wh-jd rejected: does not serve channel tmall (serves [jd])',
      'most stock first: wh-gz holds 3 of 3 units, wh-sh holds 2 of 3 units, store-jingan holds 0 of 3 units',
    ]);
    const tie = routeOrder(makeOrder([['TEA-1', 1]]), plenty, config({ name: 'm', strategy: 'most-stock', locations: ['wh-gz', 'wh-sh'] }));
    expect(tie.shipments[0]?.location).toBe('wh-gz');
  });

  it('lowest-cost picks the cheapest location and carrier by the rate table', () => {
    const decision = routeOrder(makeOrder([['TEA-1', 2]]), plenty, config({ name: 'c', strategy: 'lowest-cost', locations: ['wh-sh', 'wh-gz'] }), skus);
    expect(decision.shipments).toEqual([{ location: 'wh-gz', carrier: 'zto', lines: [{ lineId: '1', sku: 'TEA-1', quantity: 2 }] }]);
    expect(decision.explanation[2]).toBe('cheapest first for 500 g to 上海市: wh-gz ¥7.00 (zto), wh-sh ¥9.00 (yto)');
  });

  it('lowest-cost breaks an equal cost by listed order', () => {
    // 3 kg: zto from wh-gz ¥7.00 + 2 × ¥4.00 = ¥15.00; yto from wh-sh ¥9.00 + 2 × ¥3.00 = ¥15.00
    const heavy = routeOrder(makeOrder([['TEA-1', 12]]), plenty, config({ name: 'c', strategy: 'lowest-cost', locations: ['wh-sh', 'wh-gz'] }), skus);
    expect(heavy.shipments[0]).toMatchObject({ location: 'wh-sh', carrier: 'yto' });
    expect(heavy.explanation[2]).toBe('cheapest first for 3000 g to 上海市: wh-sh ¥15.00 (yto), wh-gz ¥15.00 (zto)');
  });
});
