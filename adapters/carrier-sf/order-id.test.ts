import { describe, expect, it } from 'vitest';
import { checkOrderIdPrefix, sfOrderIdFor } from './order-id.ts';

describe('SF orderIds from idempotency keys', () => {
  it('are a prefix and a base32 digest: deterministic, never the platform order number', async () => {
    const key = 'carrier.waybill/tmall/2938475610293847561/1';
    const id = await sfOrderIdFor(key);
    expect(id).toMatch(/^OH[A-Z2-7]{26}$/);
    expect(await sfOrderIdFor(key)).toBe(id);
    expect(id).not.toContain('2938475610293847561');
    // Another parcel of the same order is another SF order.
    expect(await sfOrderIdFor('carrier.waybill/tmall/2938475610293847561/2')).not.toBe(id);
    expect(await sfOrderIdFor(key, 'HUB2-')).toMatch(/^HUB2-[A-Z2-7]{26}$/);
  });

  it('refuse prefixes SF would not take', () => {
    expect(() => checkOrderIdPrefix('订单')).toThrow(/only A-Z/);
    expect(() => checkOrderIdPrefix('x'.repeat(40))).toThrow(/too long/);
  });
});
