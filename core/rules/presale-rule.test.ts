import { describe, expect, it } from 'vitest';
import { evaluateRules } from './evaluate-rules.ts';
import { makeContext, makeOrder, NOTHING, runOne } from './test-fixtures.ts';
import type { PresaleRule } from './types.ts';

describe('presale until a date', () => {
  const rule: PresaleRule = { name: '618', kind: 'presale', skus: ['TEA-NEW'], until: '2024-06-18T00:00:00+08:00' };

  it('holds an order with a presale SKU until the date, and tags it', () => {
    expect(runOne(rule, makeOrder([['TEA-1', 1], ['TEA-NEW', 1]]))).toEqual({
      ...NOTHING,
      tags: ['presale'],
      holdUntil: '2024-06-18T00:00:00+08:00',
      explanation: ['rule "618" (presale) fired: presale SKU TEA-NEW: hold until 2024-06-18T00:00:00+08:00'],
    });
  });

  it('does not hold once the date has passed, nor an order without the SKU', () => {
    const later = makeContext({ now: '2024-06-18T00:00:00+08:00' });
    expect(runOne(rule, makeOrder([['TEA-NEW', 1]]), later)).toMatchObject({ holdUntil: null, tags: ['presale'] });
    expect(runOne(rule, makeOrder([['TEA-1', 1]])).explanation).toEqual(['rule "618" (presale) not fired: no SKU of [TEA-NEW] in the order']);
  });

  it('keeps the latest time when several presale rules fire', () => {
    const rules = [rule, { ...rule, name: 'later', until: '2024-06-20T00:00:00Z' }, { ...rule, name: 'earlier', until: '2024-06-10T00:00:00+08:00' }];
    expect(evaluateRules(makeOrder([['TEA-NEW', 1]]), makeContext(), { rules }).holdUntil).toBe('2024-06-20T00:00:00Z');
  });
});

describe('presale until an attribute time', () => {
  const rule = { name: 'attr', kind: 'presale', untilAttribute: 'presaleShipAt' } as const;
  const tagged = (attributes = {}) => makeOrder(undefined, { tags: ['presale'], attributes });

  it('reads the hold time from the attribute of a tagged order', () => {
    expect(runOne(rule, tagged({ presaleShipAt: '2024-06-05T09:00:00+08:00' }))).toMatchObject({ holdUntil: '2024-06-05T09:00:00+08:00', tags: [], holds: [] });
  });

  it('holds when the attribute is missing or not a time', () => {
    const reason = 'presale: attribute presaleShipAt is missing or not an ISO time, so the ship date is unknown';
    expect(runOne(rule, tagged()).holds).toEqual([{ rule: 'attr', reason }]);
    expect(runOne(rule, tagged({ presaleShipAt: 'June' })).holds).toEqual([{ rule: 'attr', reason }]);
    expect(runOne(rule, makeOrder()).explanation).toEqual(['rule "attr" (presale) not fired: order is not tagged presale']);
  });
});

describe('presale until the final payment', () => {
  const rule = { name: 'deposit', kind: 'presale', until: 'final-payment' } as const;

  it('holds a tagged order while it is pending payment', () => {
    expect(runOne(rule, makeOrder(undefined, { tags: ['presale'], status: 'pending_payment' }))).toEqual({
      ...NOTHING,
      holds: [{ rule: 'deposit', reason: 'presale: waiting for the final payment' }],
      explanation: ['rule "deposit" (presale) fired: tagged presale, final payment not made (status pending_payment)'],
    });
  });

  it('releases it once paid', () => {
    expect(runOne(rule, makeOrder(undefined, { tags: ['presale'] }))).toEqual({
      ...NOTHING,
      explanation: ['rule "deposit" (presale) fired: tagged presale, final payment made (status paid): no hold'],
    });
  });

  it('uses its own tag, and adds it when SKUs make the order presale', () => {
    expect(runOne({ ...rule, tag: 'yushou' }, makeOrder(undefined, { tags: ['presale'] })).explanation[0]).toContain('not fired: order is not tagged yushou');
    expect(runOne({ ...rule, tag: 'yushou', skus: ['TEA-1'] }).tags).toEqual(['yushou']);
  });
});
