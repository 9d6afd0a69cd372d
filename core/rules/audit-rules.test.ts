import { describe, expect, it } from 'vitest';
import { makeContext, makeOrder, NOTHING, runOne } from './test-fixtures.ts';
import type { BuyerMessageRule } from './types.ts';

const receiver = makeOrder().receiver!;

describe('incomplete-address', () => {
  const rule = { name: 'addr', kind: 'incomplete-address' } as const;

  it('holds when required receiver fields are empty or blank', () => {
    expect(runOne(rule, makeOrder(undefined, { receiver: { ...receiver, city: ' ', address: '' } }))).toEqual({
      ...NOTHING,
      holds: [{ rule: 'addr', reason: 'receiver city, address are empty' }],
      explanation: ['rule "addr" (incomplete-address) fired: receiver city, address are empty'],
    });
  });

  it('does not need a district unless told', () => {
    const noDistrict = makeOrder(undefined, { receiver: { ...receiver, district: '' } });
    expect(runOne(rule, noDistrict).holds).toEqual([]);
    expect(runOne({ ...rule, fields: ['district'] }, noDistrict).holds).toEqual([{ rule: 'addr', reason: 'receiver district is empty' }]);
  });

  it('holds a shipped-channel order without receiver, not an in-store sale', () => {
    const { receiver: _, ...bare } = makeOrder();
    expect(runOne(rule, bare).holds).toEqual([{ rule: 'addr', reason: 'no receiver on an order that must be shipped' }]);
    expect(runOne(rule, { ...bare, channel: 'pos' }).explanation).toEqual(['rule "addr" (incomplete-address) not fired: no receiver: an in-store sale on pos needs no address']);
    expect(runOne({ ...rule, storeChannels: ['youzan'] }, { ...bare, channel: 'pos' }).holds).toHaveLength(1);
  });
});

describe('invalid-mobile', () => {
  const rule = { name: 'mobile', kind: 'invalid-mobile' } as const;
  const withPhone = (phone: string) => makeOrder(undefined, { receiver: { ...receiver, phone } });

  it('holds a phone that is not a mainland mobile, masked in the reason', () => {
    expect(runOne(rule, withPhone('12345678901')).holds).toEqual([{ rule: 'mobile', reason: 'receiver phone 123****8901 is not a mainland mobile' }]);
  });

  it('lets valid, masked and (when allowed) landline numbers pass', () => {
    expect(runOne(rule, withPhone('+86 138 0013 8000')).holds).toEqual([]);
    expect(runOne(rule, withPhone('138****8000')).explanation).toEqual(['rule "mobile" (invalid-mobile) not fired: receiver phone 138****8000 is masked: cannot be checked']);
    expect(runOne(rule, withPhone('021-12345678')).holds).toHaveLength(1);
    expect(runOne({ ...rule, allowLandline: true }, withPhone('021-12345678')).holds).toEqual([]);
  });
});

describe('same-address', () => {
  const rule = { name: 'scalper', kind: 'same-address', count: 3, withinMinutes: 30 } as const;
  const recent = (...list: Array<[string, string]>) => makeContext({ recentOrdersToSameAddress: list.map(([externalId, createdAt]) => ({ externalId, channel: 'tmall', createdAt })) });

  it('holds when count orders, this one included, fall within the window either side', () => {
    const context = recent(['T1', '2024-06-01T09:35:00+08:00'], ['T2', '2024-06-01T10:30:00+08:00'], ['T3', '2024-06-01T09:00:00+08:00']);
    expect(runOne(rule, makeOrder(), context)).toEqual({
      ...NOTHING,
      holds: [{ rule: 'scalper', reason: '3 orders to this address within 30 minutes (this one, T1, T2): 3 or more' }],
      explanation: ['rule "scalper" (same-address) fired: 3 orders to this address within 30 minutes (this one, T1, T2): 3 or more'],
    });
  });

  it('counts each other order once and never this order itself', () => {
    const context = recent(['T1', '2024-06-01T09:50:00+08:00'], ['T1', '2024-06-01T09:50:00+08:00'], ['T1001', '2024-06-01T10:00:00+08:00']);
    expect(runOne(rule, makeOrder(), context).explanation).toEqual(['rule "scalper" (same-address) not fired: 2 orders to this address within 30 minutes (this one, T1): fewer than 3']);
  });
});

describe('large-amount', () => {
  it('holds at or above the threshold', () => {
    const rule = { name: 'big', kind: 'large-amount', paidAtLeast: 19350 } as const;
    expect(runOne(rule).holds).toEqual([{ rule: 'big', reason: 'paid ¥193.50 >= ¥193.50' }]);
    expect(runOne({ ...rule, paidAtLeast: 19351 }).explanation).toEqual(['rule "big" (large-amount) not fired: paid ¥193.50 is not >= ¥193.51']);
  });
});

describe('buyer-message', () => {
  const rule: BuyerMessageRule = { name: 'note', kind: 'buyer-message', ignore: ['无', 'None'] };
  const saying = (message?: string) => makeOrder(undefined, { buyer: message === undefined ? {} : { message } });

  it('holds an order with a message, without quoting it', () => {
    expect(runOne(rule, saying('请发顺丰')).holds).toEqual([{ rule: 'note', reason: 'buyer left a message (4 characters): read it before shipping' }]);
  });

  it('passes no message, a blank one and the ignored ones', () => {
    for (const message of [undefined, '  ', ' 无 ', 'NONE']) expect(runOne(rule, saying(message)).holds).toEqual([]);
    expect(runOne(rule, saying('none')).explanation).toEqual(['rule "note" (buyer-message) not fired: buyer message is one of the ignored [无, None]']);
  });
});
