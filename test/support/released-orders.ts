import type { CanonicalOrder } from '../../core/order/index.ts';
import { insertRows, type Statement } from '../../core/store/port.ts';

/** Orders as the pipeline leaves them once released (tenant t1, ids ord_0, ord_1 …), for adapter tests that queue deliveries by hand. */
export function releasedOrderRows(orders: CanonicalOrder[], at: string): Statement[] {
  return insertRows(
    'orders',
    ['tenant', 'id', 'channel', 'external_id', 'status', 'after_sale', 'updated_at', 'updated_ms', 'version', 'doc', 'priority', 'stage', 'created_at', 'last_inbox'],
    orders.map((o, i) => ['t1', `ord_${i}`, o.channel, o.externalId, o.status, o.afterSale, o.updatedAt, Date.parse(o.updatedAt), 1, JSON.stringify(o), 0, 'released', at, `inb_${i}`]),
  );
}

/** The outbox columns a hand-queued delivery fills. */
export const OUTBOX_COLUMNS = ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'after_key', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'];
