import { describe, expect, it } from 'vitest';
import { addressKey } from './address-key.ts';
import { makeContext, makeOrder, NOTHING, runOne } from './test-fixtures.ts';
import type { RuleContext } from './types.ts';

const order = makeOrder();
const key = addressKey(order.receiver!);
type Open = RuleContext['openOrdersOfSameBuyer'][number];
const open = (externalId: string, patch: Partial<Open> = {}): Open => ({ externalId, channel: 'tmall', shopId: 'tm-flagship', status: 'paid', createdAt: '2024-06-01T09:30:00+08:00', addressKey: key, ...patch });
const rule = { name: 'merge', kind: 'merge', withinMinutes: 60 } as const;

describe('merge', () => {
  it('suggests the open orders of the same buyer, address and shop within the window', () => {
    const context = makeContext({
      openOrdersOfSameBuyer: [
        open('T1'),
        open('T2', { addressKey: '上海|上海|浦东新区|张江路2号' }),
        open('T3', { shopId: 'other-shop' }),
        open('T4', { channel: 'jd' }),
        open('T5', { status: 'pending_payment' }),
        open('T6', { createdAt: '2024-06-01T08:59:00+08:00' }),
        open('T7', { createdAt: '2024-06-01T11:00:00+08:00' }),
        open('T1001'),
        open('T1'),
      ],
    });
    expect(runOne(rule, order, context)).toEqual({
      ...NOTHING,
      mergeWith: ['T1', 'T7'],
      explanation: ['rule "merge" (merge) fired: open orders ([paid]) of this buyer to the same address and shop within 60 minutes: T1, T7'],
    });
  });

  it('counts unpaid orders as open when configured', () => {
    const context = makeContext({ openOrdersOfSameBuyer: [open('T5', { status: 'pending_payment' })] });
    expect(runOne({ ...rule, statuses: ['paid', 'pending_payment'] }, order, context).mergeWith).toEqual(['T5']);
  });

  it('does not merge an order that is not open itself, or has no receiver', () => {
    const context = makeContext({ openOrdersOfSameBuyer: [open('T1')] });
    expect(runOne(rule, makeOrder(undefined, { status: 'shipped' }), context).explanation).toEqual(['rule "merge" (merge) not fired: order status shipped is not one of [paid]']);
    const { receiver: _, ...bare } = order;
    expect(runOne(rule, bare, context).mergeWith).toEqual([]);
  });

  it('says how many it compared when none matches', () => {
    const context = makeContext({ openOrdersOfSameBuyer: [open('T3', { shopId: undefined })] });
    expect(runOne(rule, order, context).explanation).toEqual(['rule "merge" (merge) not fired: no open orders ([paid]) of this buyer to the same address and shop within 60 minutes (compared 1 open order)']);
  });
});
