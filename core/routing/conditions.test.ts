import { describe, expect, it } from 'vitest';
import { matchWhen } from './conditions.ts';
import { orderFacts, routableLines } from './order-facts.ts';
import { makeOrder, skusOf } from './test-fixtures.ts';

const skus = skusOf({
  'TEA-1': { weightGrams: 250, tags: ['tea'] },
  'MILK-1': { weightGrams: 1000, temperatureZone: 'chilled', tags: ['fresh'] },
});

function check(when: Parameters<typeof matchWhen>[0], order = makeOrder([['TEA-1', 2], ['MILK-1', 1]])) {
  return matchWhen(when, order, orderFacts(routableLines(order), skus));
}

describe('matchWhen', () => {
  it('matches with no conditions', () => {
    expect(check(undefined)).toEqual({ matched: true, checks: [] });
    expect(check({})).toEqual({ matched: true, checks: [] });
  });

  it('compares the receiver province and city by key', () => {
    expect(check({ provinces: ['上海', '江苏'] }).checks).toEqual([{ ok: true, text: 'receiver province 上海市 is in [上海, 江苏]' }]);
    expect(check({ provinces: ['广东'] }).checks).toEqual([{ ok: false, text: 'receiver province 上海市 is not in [广东]' }]);
    expect(check({ cities: ['上海'] }).matched).toBe(true);
    expect(check({ cities: ['杭州'] }).matched).toBe(false);
  });

  it('does not match places without a receiver', () => {
    const { receiver: _, ...rest } = makeOrder();
    expect(check({ provinces: ['上海'] }, rest).checks).toEqual([{ ok: false, text: 'no receiver, so no province to compare with [上海]' }]);
  });

  it('compares channel and shop', () => {
    expect(check({ channels: ['tmall', 'jd'] }).checks).toEqual([{ ok: true, text: 'channel tmall is in [tmall, jd]' }]);
    expect(check({ shops: ['other'] }).checks).toEqual([{ ok: false, text: 'shop tm-flagship is not in [other]' }]);
    expect(check({ shops: ['x'] }, makeOrder([['TEA-1', 1]], { shopId: undefined })).checks[0]!.text).toBe('order has no shop id to compare with [x]');
  });

  it('compares the amount paid, >= and <', () => {
    // 3 units at ¥64.50 = ¥193.50
    expect(check({ paidAtLeast: 19350 }).checks).toEqual([{ ok: true, text: 'paid ¥193.50 >= ¥193.50' }]);
    expect(check({ paidAtLeast: 19351 }).checks).toEqual([{ ok: false, text: 'paid ¥193.50 is not >= ¥193.51' }]);
    expect(check({ paidBelow: 19350 }).matched).toBe(false);
    expect(check({ paidBelow: 19351 }).matched).toBe(true);
  });

  it('compares SKU tags and temperature zones of any line', () => {
    expect(check({ skuTags: ['fresh', 'frozen-food'] }).checks).toEqual([{ ok: true, text: 'SKU tags [tea, fresh] include one of [fresh, frozen-food]' }]);
    expect(check({ temperatureZones: ['chilled', 'frozen'] }).checks).toEqual([{ ok: true, text: 'temperature zones [ambient, chilled] include one of [chilled, frozen]' }]);
    expect(check({ temperatureZones: ['frozen'] }).matched).toBe(false);
  });

  it('compares the total weight, naming SKUs without one', () => {
    expect(check({ weightAtLeastGrams: 1500 }).checks).toEqual([{ ok: true, text: 'weight 1500 g >= 1500 g' }]);
    expect(check({ weightBelowGrams: 1500 }).matched).toBe(false);
    const order = makeOrder([['TEA-1', 1], ['NEW-1', 1]]);
    expect(check({ weightBelowGrams: 1000 }, order).checks).toEqual([{ ok: true, text: 'weight 250 g (no weight for [NEW-1]) < 1000 g' }]);
  });

  it('needs every condition to hold', () => {
    const result = check({ channels: ['tmall'], provinces: ['广东'] });
    expect(result.matched).toBe(false);
    expect(result.checks.map((c) => c.ok)).toEqual([false, true]);
  });
});
