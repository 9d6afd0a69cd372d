/** Deliveries and an order for the WeCom robot's tests: a held order, a shortfall, a big order, a dead letter. */
import type { CanonicalOrder } from '../../core/order/index.ts';
import { SAMPLE_ORDER } from '../../test/support/sample-order.ts';
import type { Delivery } from '../../core/outbox/types.ts';

export const ORDER: CanonicalOrder = SAMPLE_ORDER;

export function delivery(kind: string, payload: Record<string, unknown>, extra: Partial<Delivery> = {}): Delivery {
  return {
    tenant: 't1',
    id: `dlv_${kind}`,
    target: 'wecom',
    kind,
    idempotencyKey: `${kind}/tmall/${ORDER.externalId}`,
    orderId: 'ord_1',
    payload,
    order: ORDER,
    attempts: 0,
    createdAt: '2024-05-01T02:00:00Z',
    ...extra,
  };
}

export const HELD = delivery('notify.held', { orderId: 'ord_1', channel: 'tmall', externalId: ORDER.externalId, event: 'held', holds: [{ rule: 'big-amount', reason: '金额超过 1000 元' }, { rule: 'blacklist', reason: '收货地址在黑名单' }] });
export const SHORTFALL = delivery('notify.shortfall', { orderId: 'ord_1', channel: 'tmall', externalId: ORDER.externalId, event: 'shortfall', lines: [{ lineId: 'L1', sku: 'TEA-001', quantity: 2 }] });
export const BIG_ORDER = delivery('notify.order', { orderId: 'ord_1', channel: 'tmall', externalId: ORDER.externalId, event: 'released', threshold: 100000 });
export const DEAD_LETTER = delivery('notify.dead_letter', { deliveryId: 'dlv_9', target: 'kingdee', kind: 'erp.sale_order', attempts: 12, error: '500002: 物料编码不存在', channel: 'tmall', externalId: ORDER.externalId }, { orderId: null });
