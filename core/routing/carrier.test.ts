import { describe, expect, it } from 'vitest';
import { parcelCost, pickCarrier, quotes } from './carrier.ts';
import type { LocationConfig, RoutingConfig } from './types.ts';

const whSh: LocationConfig = { id: 'wh-sh', name: '上海仓', kind: 'warehouse', province: '上海', carriers: ['yto', 'sf'] };
const whGz: LocationConfig = { id: 'wh-gz', name: '广州仓', kind: 'warehouse', province: '广东' };
const config: RoutingConfig = {
  locations: [whSh, whGz],
  rates: [
    { carrier: 'sf', from: 'wh-sh', to: ['*'], firstWeight: 1200, extraPerKg: 200 },
    { carrier: 'yto', from: 'wh-sh', to: ['*'], firstWeight: 800, extraPerKg: 300 },
    { carrier: 'yto', from: 'wh-sh', to: ['上海', '江苏'], firstWeight: 500, extraPerKg: 100 },
    { carrier: 'zto', from: 'wh-sh', to: ['*'], firstWeight: 100, extraPerKg: 100 },
  ],
  rules: [{ name: 'default', strategy: 'priority', locations: ['wh-sh'] }],
};

describe('parcelCost', () => {
  it('charges the first weight, then each started kilogram', () => {
    const rate = { carrier: 'sf', from: 'wh-sh', to: ['*'], firstWeight: 1200, extraPerKg: 200 };
    expect(parcelCost(rate, 0)).toBe(1200);
    expect(parcelCost(rate, 1000)).toBe(1200);
    expect(parcelCost(rate, 1001)).toBe(1400);
    expect(parcelCost(rate, 2500)).toBe(1600);
    expect(parcelCost({ ...rate, firstWeightGrams: 3000 }, 2500)).toBe(1200);
  });
});

describe('quotes', () => {
  it('prefers a row naming the province over "*", cheapest first', () => {
    expect(quotes(config, whSh, '上海市', 1500)).toEqual([
      { carrier: 'yto', cost: 600 },
      { carrier: 'sf', cost: 1400 },
    ]);
    expect(quotes(config, whSh, '广东省', 1500)).toEqual([
      { carrier: 'yto', cost: 1100 },
      { carrier: 'sf', cost: 1400 },
    ]);
  });

  it('keeps to the location carriers (zto is not one of wh-sh) and to a fixed carrier', () => {
    expect(quotes(config, whSh, '上海', 500).map((q) => q.carrier)).not.toContain('zto');
    expect(quotes(config, whSh, '上海', 500, 'sf')).toEqual([{ carrier: 'sf', cost: 1200 }]);
  });

  it('breaks equal costs by rate table order', () => {
    const tied: RoutingConfig = { ...config, rates: [
      { carrier: 'b', from: 'wh-gz', to: ['*'], firstWeight: 500, extraPerKg: 0 },
      { carrier: 'a', from: 'wh-gz', to: ['*'], firstWeight: 500, extraPerKg: 0 },
    ] };
    expect(quotes(tied, whGz, '上海', 100).map((q) => q.carrier)).toEqual(['b', 'a']);
  });
});

describe('pickCarrier', () => {
  it('uses the fixed carrier', () => {
    expect(pickCarrier(config, whSh, '上海', 100, 'sf', 'cold')).toEqual({ carrier: 'sf', text: 'wh-sh ships with sf (fixed by rule "cold")' });
  });

  it('takes the cheapest and says what it compared', () => {
    expect(pickCarrier(config, whSh, '广东', 1500)).toEqual({ carrier: 'yto', text: 'wh-sh ships with yto: cheapest for 1500 g to 广东 (yto ¥11.00, sf ¥14.00)' });
  });

  it('falls back to the first listed carrier, then to none', () => {
    const noRates = { ...config, rates: [] };
    expect(pickCarrier(noRates, whSh, '广东', 1)).toEqual({ carrier: 'yto', text: 'wh-sh ships with yto: first of its carriers [yto, sf] (no rate to 广东)' });
    expect(pickCarrier(noRates, whGz, undefined, 1)).toEqual({ carrier: null, text: 'wh-gz: no carrier chosen (no rate to (no receiver) and no carriers listed)' });
  });
});
