import { describe, expect, it } from 'vitest';
import { priorityScore } from './priority.ts';
import { makeOrder, NOW } from './test-fixtures.ts';

const now = Date.parse(NOW);
const order = (attributes = {}, paid = 129000, channel = 'jd') => makeOrder(undefined, { channel, attributes, amounts: { goods: paid, shipping: 0, discount: 0, paid } });

describe('priorityScore', () => {
  it('is 0 without factors', () => {
    expect(priorityScore(order(), undefined, now, false)).toEqual({ score: 0, text: 'priority 0: no priority factors configured' });
  });

  it('adds points per full 100 yuan, capped', () => {
    expect(priorityScore(order(), { orderValue: { perHundredYuan: 1 } }, now, false)).toEqual({ score: 12, text: 'priority 12: order value ¥1290.00 +12' });
    expect(priorityScore(order(), { orderValue: { perHundredYuan: 2, max: 20 } }, now, false).score).toBe(20);
  });

  it('grows as the ship-by time nears: none beyond the horizon, all when due', () => {
    const shipBy = { attribute: 'promisedShipAt', points: 40, horizonHours: 48 };
    const at = (time: string) => priorityScore(order({ promisedShipAt: time }), { shipBy }, now, false);
    expect(at('2024-06-01T22:05:00+08:00')).toEqual({ score: 30, text: 'priority 30: ship by 2024-06-01T22:05:00+08:00 (12.0 h left of 48 h) +30' });
    expect(at('2024-06-05T10:05:00+08:00').score).toBe(0);
    expect(at('2024-06-01T08:05:00+08:00')).toEqual({ score: 40, text: 'priority 40: ship by 2024-06-01T08:05:00+08:00 (overdue by 2.0 h) +40' });
    expect(at('2024-06-01T12:05:00+08:00').score).toBe(38.33);
    expect(priorityScore(order(), { shipBy }, now, false).text).toBe('priority 0: ship-by promisedShipAt missing +0');
    expect(priorityScore(order({ promisedShipAt: 'soon' }), { shipBy }, now, false).text).toBe('priority 0: ship-by promisedShipAt not an ISO time +0');
  });

  it('adds the channel SLA bonus and the presale points', () => {
    const config = { channels: { jd: 20, douyin: 10 }, presale: -30 };
    expect(priorityScore(order(), config, now, true)).toEqual({ score: -10, text: 'priority -10: channel jd +20, presale -30' });
    expect(priorityScore(order({}, 100, 'tmall'), config, now, false)).toEqual({ score: 0, text: 'priority 0: channel tmall +0, not presale +0' });
  });

  it('scores the buyer level by name, else per numeric level', () => {
    const buyerLevel = { attribute: 'level', levels: { vip: 10, '5': 100 }, perLevel: 3 };
    const score = (level?: string | number) => priorityScore(order(level === undefined ? {} : { level }), { buyerLevel }, now, false);
    expect(score('vip')).toEqual({ score: 10, text: 'priority 10: buyer level vip +10' });
    expect(score(4).score).toBe(12);
    expect(score(5).score).toBe(100);
    expect(score('gold').text).toBe('priority 0: buyer level gold (no points for it) +0');
    expect(score().text).toBe('priority 0: buyer level (level missing) +0');
  });

  it('sums every factor with the base', () => {
    const config = { base: 5, orderValue: { perHundredYuan: 0.5 }, channels: { jd: 20 } };
    expect(priorityScore(order(), config, now, false)).toEqual({ score: 31, text: 'priority 31: base +5, order value ¥1290.00 +6, channel jd +20' });
  });
});
