/**
 * What the targets call back with: the WMS's deliveryorder.confirm (the parcel left, with its
 * carrier and waybill), SF's route push and Kuaidi100's tracking callback (collected, signed for). The order is found from the delivery order code the hub derived from
 * the delivery's idempotency key, and kept on the delivery once it went through (document_code).
 */
import type { Pipeline } from '../../core/ingest/pipeline.ts';
import type { Row, Store } from '../../core/store/port.ts';
import { confirmResponse, deliveryOrderCodeFor, verifyAndParseConfirm } from '../../adapters/wms-qimen/index.ts';
import { routePushReply, verifyAndParseRoutePush } from '../../adapters/carrier-sf/route-push.ts';
import { sfOrderIdFor } from '../../adapters/carrier-sf/order-id.ts';
import { callbackReply, verifyAndParseCallback } from '../../adapters/tracking-kuaidi100/callback.ts';

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
  return deliveryWithCode(store, tenant, target, code, (key) => deliveryOrderCodeFor(key, prefix));
}

/**
 * The order and parcel of the delivery to `target` whose idempotency key derives `code` (the
 * targets hash keys into their own document numbers, so the match is made by deriving again).
 */
async function deliveryWithCode(store: Store, tenant: string, target: string, code: string, derive: (key: string) => Promise<string>): Promise<{ orderId: string; parcel?: number } | null> {
  // Delivered ones keep their code (document_code); the rest (no answer yet, or sent before the
  // column existed) are matched by deriving it again.
  const [stored] = await store.query('SELECT idempotency_key, order_id FROM outbox WHERE tenant = ? AND target = ? AND document_code = ? AND order_id IS NOT NULL LIMIT 1', [tenant, target, code]);
  if (stored) return orderAndParcel(stored);
  const deliveries = await store.query('SELECT idempotency_key, order_id FROM outbox WHERE tenant = ? AND target = ? AND order_id IS NOT NULL AND document_code IS NULL', [tenant, target]);
  for (const row of deliveries) if ((await derive(String(row.idempotency_key))) === code) return orderAndParcel(row);
  return null;
}

/** A delivery per parcel ends its key with the parcel's number; one per order does not. */
function orderAndParcel(row: Row): { orderId: string; parcel?: number } {
  const parcel = /\/(\d+)$/.exec(String(row.idempotency_key))?.[1];
  return { orderId: String(row.order_id), ...(parcel ? { parcel: Number(parcel) } : {}) };
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

export interface SfRouteTarget {
  /** The secret in the push URL registered with SF (its push carries no signature). */
  pushToken: string;
  orderIdPrefix: string;
}

/**
 * SF's route push: a node saying the parcel was collected ships it, a signed-for node delivers
 * it; the other nodes are acknowledged and left to the tracking views. Nodes of waybills the hub
 * did not create are acknowledged too, or SF would push them again for ever.
 */
export async function receiveSfRoutePush(
  deps: { store: Store; pipeline: Pipeline },
  tenant: string,
  target: string,
  config: SfRouteTarget,
  request: { url: string; contentType: string | null; body: string },
): Promise<{ status: number; contentType: string; body: string; note: string }> {
  const parsed = verifyAndParseRoutePush(request, { token: config.pushToken });
  if (!parsed.ok) return { ...parsed.reply, note: parsed.reason };
  let applied = 0;
  for (const route of parsed.routes) {
    if (!route.orderId || (route.stage !== 'collected' && route.stage !== 'delivered')) continue;
    const found = await deliveryWithCode(deps.store, tenant, target, route.orderId, (key) => sfOrderIdFor(key, config.orderIdPrefix));
    if (!found) continue;
    const result = await deps.pipeline.recordShipment(
      tenant,
      found.orderId,
      { stage: route.stage === 'delivered' ? 'delivered' : 'shipped', carrier: 'SF', waybillNo: route.waybillNo, ...(found.parcel ? { parcel: found.parcel } : {}), at: route.at ?? new Date().toISOString() },
      `sf:${target}:${route.id}`,
    );
    // A failure the pipeline reports is answered as one, so SF pushes the node again.
    if (!result.ok) return { ...routePushReply(parsed.format, false, result.error), note: result.error };
    applied++;
  }
  return { ...parsed.reply, note: `${parsed.routes.length} nodes, ${applied} applied` };
}

/**
 * Kuaidi100's tracking callback for a waybill the hub subscribed to: collected ships the parcel,
 * signed for (签收) completes the order. The subscription delivery carries the waybill number,
 * which finds the order and its parcel.
 */
export async function receiveKuaidi100Callback(
  deps: { store: Store; pipeline: Pipeline },
  tenant: string,
  target: string,
  config: { salt: string },
  body: string,
): Promise<{ status: number; contentType: string; body: string; note: string }> {
  const parsed = verifyAndParseCallback(body, { salt: config.salt });
  if (!parsed.ok) return { ...parsed.reply, note: parsed.reason };
  if (parsed.stage !== 'collected' && parsed.stage !== 'delivered') return { ...parsed.reply, note: parsed.stage };
  const [subscription] = await deps.store.query(
    "SELECT order_id, json_extract(payload, '$.shipment') AS parcel FROM outbox WHERE tenant = ? AND target = ? AND order_id IS NOT NULL AND json_extract(payload, '$.waybillNo') = ? LIMIT 1",
    [tenant, target, parsed.waybillNo],
  );
  if (!subscription) return { ...parsed.reply, note: `no subscription for ${parsed.waybillNo}` };
  const result = await deps.pipeline.recordShipment(
    tenant,
    String(subscription.order_id),
    {
      stage: parsed.stage === 'delivered' ? 'delivered' : 'shipped',
      carrier: parsed.company,
      waybillNo: parsed.waybillNo,
      ...(subscription.parcel ? { parcel: Number(subscription.parcel) } : {}),
      at: parsed.nodes[0]?.at ?? new Date().toISOString(),
    },
    `kuaidi100:${target}:${parsed.waybillNo}:${parsed.state}`,
  );
  if (!result.ok) return { ...callbackReply(false, result.error), note: result.error };
  return { ...parsed.reply, note: parsed.stage };
}
