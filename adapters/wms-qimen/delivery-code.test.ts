import { describe, expect, it } from 'vitest';
import { checkCodeFormat, DeliveryCodeError, deliveryOrderCodeFor } from './delivery-code.ts';

describe('the deliveryOrderCode', () => {
  it('is readable when it fits: prefix + channel + order id + shipment', async () => {
    expect(await deliveryOrderCodeFor('wms.delivery_order/tmall/2938475610293847561/1', 'DO-')).toBe('DO-tmall-2938475610293847561-1');
  });

  it('is the same for the create and its cancel, so the cancel names the order the create made', async () => {
    const create = await deliveryOrderCodeFor('wms.delivery_order/jd/301234567890/2', 'DO-');
    expect(await deliveryOrderCodeFor('wms.delivery_order.cancel/jd/301234567890/2', 'DO-')).toBe(create);
    const long = 'x'.repeat(60);
    expect(await deliveryOrderCodeFor(`wms.delivery_order.cancel/webhook/${long}/1`, 'DO-')).toBe(await deliveryOrderCodeFor(`wms.delivery_order/webhook/${long}/1`, 'DO-'));
  });

  it('becomes prefix + channel + a digest when too long or not plain characters, always within the limit', async () => {
    const long = await deliveryOrderCodeFor(`wms.delivery_order/webhook/${'9'.repeat(60)}/1`, 'DO-');
    expect(long).toMatch(/^DO-webhook-[A-Z2-7]+$/);
    expect(long).toHaveLength(50);
    const odd = await deliveryOrderCodeFor('wms.delivery_order/youzan/E2024 06#01/1', 'DO-', 30);
    expect(odd).toMatch(/^DO-youzan-[A-Z2-7]{20}$/);
    expect(odd).not.toBe(await deliveryOrderCodeFor('wms.delivery_order/youzan/E2024 06#02/1', 'DO-', 30));
  });

  it('refuses a prefix that leaves no room or holds other characters', () => {
    expect(() => checkCodeFormat('DO/', 50)).toThrow(DeliveryCodeError);
    expect(() => checkCodeFormat('X'.repeat(40), 50)).toThrow('leaves fewer than 16');
  });
});
