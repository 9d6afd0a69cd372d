import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryOrderCodeFor } from '../../adapters/wms-qimen/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../store/libsql.ts';
import { orderForDeliveryCode } from './callbacks.ts';

let store: Store;
const at = '2024-05-01T00:00:00.000Z';
const row = (id: string, key: string, code: string | null) => ['t1', id, 'qimen', 'wms.delivery_order', key, 'ord_9', '{}', code ? 'delivered' : 'pending', 0, at, at, at, code];

beforeEach(async () => {
  store = await openLibsqlStore({ url: ':memory:' });
});
afterEach(async () => store.close());

describe('matching a WMS confirm to its order', () => {
  it('finds a delivered order by the code kept on its delivery, and an unanswered one by deriving the code again', async () => {
    // A key too long to be read back from its code: only the stored code or a derivation finds it.
    const longKey = `wms.delivery_order/youzan/${'E'.repeat(40)}/2`;
    const derived = await deliveryOrderCodeFor(longKey, 'DO-');
    await store.batch(
      insertRows(
        'outbox',
        ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at', 'document_code'],
        [row('d1', 'wms.delivery_order/youzan/OLD/1', 'DO-KEPT-0001'), row('d2', longKey, null)],
      ),
    );
    // The kept code wins even where the key would derive another (a prefix changed since).
    expect(await orderForDeliveryCode(store, 't1', 'qimen', 'DO-KEPT-0001', 'DO-')).toEqual({ orderId: 'ord_9', parcel: 1 });
    expect(await orderForDeliveryCode(store, 't1', 'qimen', derived, 'DO-')).toEqual({ orderId: 'ord_9', parcel: 2 });
    expect(await orderForDeliveryCode(store, 't1', 'qimen', 'DO-NOPE', 'DO-')).toBeNull();
  });
});
