/**
 * What the targets call back with: the WMS's deliveryorder.confirm (the parcel left, with its
 * carrier and waybill). The order is found from the delivery order code the hub derived from
 * the delivery's idempotency key, so no extra state is needed to match a confirm to its order.
 */
import type { Pipeline } from '../../core/ingest/pipeline.ts';
import type { Store } from '../../core/store/port.ts';
import { confirmResponse, deliveryOrderCodeFor, verifyAndParseConfirm } from '../../adapters/wms-qimen/index.ts';

export interface QimenCallbackTarget {
  secret: string;
  codePrefix: string;
}

/** The order and parcel a delivery order code belongs to: read straight from a readable code, else matched against the queued creates. */
export async function orderForDeliveryCode(store: Store, tenant: string, target: string, code: string, prefix: string): Promise<{ orderId: string; parcel?: number } | null> {
  const readable = new RegExp(`^${prefix.replace(/[-]/g, '\\-')}([a-z][a-z0-9_]*)-(.+)-(\\d+)$`).exec(code);
  if (readable) {
    const [row] = await store.query('SELECT id FROM orders WHERE tenant = ? AND channel = ? AND external_id = ?', [tenant, readable[1]!, readable[2]!]);
    if (row) return { orderId: String(row.id), parcel: Number(readable[3]) };
  }
  const creates = await store.query("SELECT idempotency_key, order_id FROM outbox WHERE tenant = ? AND target = ? AND kind = 'wms.delivery_order' AND order_id IS NOT NULL", [tenant, target]);
  for (const row of creates) {
    const key = String(row.idempotency_key);
    if ((await deliveryOrderCodeFor(key, prefix)) !== code) continue;
    // A delivery order per parcel ends its key with the parcel's number; one per order does not.
    const parcel = /\/(\d+)$/.exec(key)?.[1];
    return { orderId: String(row.order_id), ...(parcel ? { parcel: Number(parcel) } : {}) };
  }
  return null;
}

export async function receiveQimenConfirm(
  deps: { store: Store; pipeline: Pipeline },
  tenant: string,
  target: string,
  config: QimenCallbackTarget,
  request: { query: Record<string, string>; body: string; headers: Record<string, string> },
): Promise<{ status: number; body: string; note: string }> {
  const parsed = verifyAndParseConfirm(request, config.secret, { now: Date.now() });
  if (!parsed.ok) return { status: 200, body: confirmResponse(false, parsed.message, parsed.code), note: parsed.message };
  const { confirm } = parsed;
  const found = await orderForDeliveryCode(deps.store, tenant, target, confirm.deliveryOrderCode, config.codePrefix);
  if (!found) return { status: 200, body: confirmResponse(false, `unknown deliveryOrderCode ${confirm.deliveryOrderCode}`), note: 'unknown code' };
  if (confirm.status === 'DELIVERED' || confirm.status === 'PARTDELIVERED') {
    const result = await deps.pipeline.recordShipment(
      tenant,
      found.orderId,
      {
        stage: 'shipped',
        ...(found.parcel ? { parcel: found.parcel } : {}),
        ...(confirm.logisticsCode ? { carrier: confirm.logisticsCode } : {}),
        ...(confirm.expressCode ? { waybillNo: confirm.expressCode } : {}),
        at: confirm.operateTime ?? confirm.orderConfirmTime ?? new Date().toISOString(),
      },
      `qimen:${target}:${confirm.outBizCode ?? confirm.deliveryOrderCode}`,
    );
    if (!result.ok) return { status: 200, body: confirmResponse(false, result.error), note: result.error };
  }
  return { status: 200, body: confirmResponse(true, 'ok'), note: confirm.status };
}
