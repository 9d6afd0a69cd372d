import { describe, expect, it } from 'vitest';
import { routeOrder } from './route-order.ts';
import { RoutingConfigError } from './errors.ts';
import { makeOrder, skusOf, stockOf } from './test-fixtures.ts';
import type { RoutingConfig } from './types.ts';

const config: RoutingConfig = {
  locations: [
    { id: 'wh-sh', name: '上海仓', kind: 'warehouse', province: '上海', carriers: ['yto'] },
    { id: 'wh-gz', name: '广州仓', kind: 'warehouse', province: '广东', carriers: ['zto', 'sf'] },
    { id: 'wh-jd', name: '京东仓', kind: 'warehouse', province: '北京', channels: ['jd'] },
    { id: 'jingan', name: '静安店', kind: 'store', province: '上海' },
  ],
  rates: [{ carrier: 'sf', from: 'wh-gz', to: ['*'], firstWeight: 1300, extraPerKg: 200 }],
  rules: [
    { name: 'cold', when: { temperatureZones: ['chilled'] }, strategy: 'priority', locations: ['wh-sh', 'wh-gz'], carrier: 'sf' },
    { name: 'one-parcel', when: { channels: ['douyin'] }, strategy: 'priority', locations: ['wh-sh', 'wh-gz'], split: 'none' },
    { name: 'default', strategy: 'priority', locations: ['wh-jd', 'wh-sh', 'wh-gz'] },
  ],
};
const skus = skusOf({ MILK: { temperatureZone: 'chilled', weightGrams: 1000 } });
const stock = stockOf({ 'wh-sh': { A: 1, B: 1, MILK: 5 }, 'wh-gz': { A: 2, MILK: 5 }, 'wh-jd': { A: 9, B: 9 } });
const noReceiver = (overrides = {}) => {
  const { receiver: _, ...order } = makeOrder([['A', 1]], { channel: 'pos', ...overrides });
  return order;
};

describe('routeOrder: eligibility, split and carriers', () => {
  it('rejects locations that do not serve the channel or cannot use the fixed carrier', () => {
    const decision = routeOrder(makeOrder([['MILK', 1]]), stock, config, skus);
    expect(decision.shipments).toEqual([{ location: 'wh-gz', carrier: 'sf', lines: [{ lineId: '1', sku: 'MILK', quantity: 1 }] }]);
    expect(decision.explanation).toContain('wh-sh rejected: cannot use carrier sf (carriers [yto])');
    expect(decision.explanation.at(-1)).toBe('wh-gz ships with sf (fixed by rule "cold")');
    const tmall = routeOrder(makeOrder([['A', 1]]), stock, config);
    expect(tmall.explanation).toContain('wh-jd rejected: does not serve channel tmall (serves [jd])');
    expect(tmall.shipments[0]?.location).toBe('wh-sh');
  });

  it('splits over candidates and picks a carrier for each parcel', () => {
    const decision = routeOrder(makeOrder([['A', 3], ['B', 1]]), stock, config);
    expect(decision.shipments).toEqual([
      { location: 'wh-sh', carrier: 'yto', lines: [{ lineId: '1', sku: 'A', quantity: 1 }, { lineId: '2', sku: 'B', quantity: 1 }] },
      { location: 'wh-gz', carrier: 'sf', lines: [{ lineId: '1', sku: 'A', quantity: 2 }] },
    ]);
    expect(decision.unrouted).toEqual([]);
  });

  it('a rule can ask for one parcel only (split: none)', () => {
    const decision = routeOrder(makeOrder([['A', 3], ['B', 1]], { channel: 'douyin' }), stock, config);
    expect(decision.rule).toBe('one-parcel');
    expect(decision.shipments.map((s) => s.location)).toEqual(['wh-sh']);
    expect(decision.unrouted).toEqual([{ lineId: '1', sku: 'A', quantity: 2, reason: 'wh-sh lacks these units and split is none (one location only)' }]);
  });

  it('routes only paid, unrefunded lines of a paid order', () => {
    const order = makeOrder([['A', 1], ['B', 1]]);
    order.lines[1]!.afterSale = 'refunded';
    expect(routeOrder(order, stock, config).shipments[0]?.lines.map((l) => l.sku)).toEqual(['A']);
    for (const status of ['pending_payment', 'cancelled', 'shipped'] as const) {
      expect(routeOrder(makeOrder([['A', 1]], { status }), stock, config)).toEqual({ shipments: [], unrouted: [], explanation: [`order status is ${status}: only paid orders are routed`], rule: null });
    }
    expect(routeOrder(makeOrder([['A', 1]], { afterSale: 'refunded' }), stock, config).explanation).toEqual(['order is refunded: nothing to ship']);
    order.lines[0]!.afterSale = 'refunded';
    expect(routeOrder(order, stock, config).explanation).toEqual(['no line to route: every line is refunded']);
  });

  it('hands an in-store sale to the shop own store, without a carrier', () => {
    const decision = routeOrder(noReceiver({ shopId: 'jingan' }), stock, config);
    expect(decision).toEqual({
      shipments: [{ location: 'jingan', carrier: null, lines: [{ lineId: '1', sku: 'A', quantity: 1 }] }],
      unrouted: [],
      explanation: ['no receiver: in-store sale of shop jingan, handed over at store jingan', 'jingan shows too little stock (short A ×1); routed there anyway, the goods were handed over'],
      rule: null,
    });
    const byShopId = { ...config, locations: [...config.locations, { id: 'store-2', name: 'x', kind: 'store' as const, province: '上海', shopId: 'pos-2' }] };
    expect(routeOrder(noReceiver({ shopId: 'pos-2' }), stockOf({ 'store-2': { A: 1 } }), byShopId).shipments[0]).toEqual({ location: 'store-2', carrier: null, lines: [{ lineId: '1', sku: 'A', quantity: 1 }] });
  });

  it('routes an order without receiver by rules when no store matches its shop', () => {
    const decision = routeOrder(noReceiver({ shopId: 'elsewhere' }), stock, config);
    expect(decision.rule).toBe('default');
    expect(decision.explanation[0]).toBe('no receiver and no store location for shop elsewhere: routing by rules');
    expect(decision.shipments[0]?.location).toBe('wh-sh');
  });

  it('is deterministic: the same input gives the same decision', () => {
    const order = makeOrder([['A', 3], ['B', 1]]);
    expect(routeOrder(order, stock, config)).toEqual(routeOrder(order, stock, config));
  });
});

describe('routeOrder: config problems', () => {
  const bad = (patch: Partial<RoutingConfig>) => () => routeOrder(makeOrder(), stock, { ...config, ...patch });

  it('names the place of an unknown location, a duplicate and a missing list', () => {
    expect(bad({ rules: [{ name: 'x', strategy: 'priority', locations: ['wh-bj'] }] })).toThrow(
      new RoutingConfigError('routing.rules[0].locations[0]', 'unknown location "wh-bj" (locations: wh-sh, wh-gz, wh-jd, jingan)'),
    );
    expect(bad({ rules: [{ name: 'x', strategy: 'region' }] })).toThrow('routing.rules[0].regions: strategy region needs regions');
    expect(bad({ rules: [] })).toThrow('routing.rules: no rules');
    expect(bad({ locations: [...config.locations, config.locations[0]!] })).toThrow('routing.locations[4].id: "wh-sh" is listed twice');
    expect(bad({ rates: [{ carrier: 'sf', from: 'wh-sh', to: ['*'], firstWeight: 12.5, extraPerKg: 0 }] })).toThrow('routing.rates[0].firstWeight: must be a whole number of fen');
    expect(bad({ rules: [config.rules[2]!, config.rules[2]!] })).toThrow('routing.rules[1].name: "default" is used by an earlier rule');
  });

  it('is a named error with the path apart', () => {
    try {
      bad({ rules: [{ name: 'x', strategy: 'fastest' as 'priority', locations: ['wh-sh'] }] })();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RoutingConfigError);
      expect((error as RoutingConfigError).name).toBe('RoutingConfigError');
      expect((error as RoutingConfigError).path).toBe('routing.rules[0].strategy');
    }
  });
});
