/**
 * SF Express (顺丰速运) as a delivery target: one SF order (EXP_RECE_CREATE_ORDER) per parcel,
 * delivery kind `carrier.waybill`, returning the waybill number (运单号).
 *
 * Safe to repeat: the SF orderId is derived from the delivery's idempotency key (order-id.ts),
 * and SF refuses a second order with the same orderId (8016 重复下单). A refused repeat counts as
 * delivered: the order is ours, from an earlier attempt, and its waybill is fetched with
 * EXP_RECE_SEARCH_ORDER_RESP. After an ambiguous call the engine asks `lookup` (the same search)
 * before anything is sent again.
 *
 * The msgData comes from the outbound mapping (create-order.yaml), passed in as text and compiled
 * here once against create-order.schema.json. Its source is `{ order, parcel, sender }`.
 *
 * @example
 * const sf = createSfAdapter(
 *   { baseUrl: 'https://sfapi-sbox.sf-express.com', partnerId: 'Y7hHmkqf', checkWord: '…', monthlyCard: '7551234567',
 *     mapping: readFileSync('adapters/carrier-sf/create-order.yaml', 'utf8'),
 *     senders: { 'wh-sh': { contact: '上海仓', mobile: '13900001111', province: '上海市', city: '上海市', county: '青浦区', address: '华新镇华腾路1288号' } } },
 *   { fetch },
 * );
 * await sf.send(delivery); // { outcome: 'delivered', response: { orderId, waybillNo, … } } | retry | failed | unknown
 */
import { compileMapping, type CompiledMapping, type JsonSchema } from '../../core/mapping/index.ts';
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { classifyAnswer, waybillsOf, type SfResultData, type Verdict } from './classify.ts';
import { SERVICE_CODES, SfClient, type Call } from './client.ts';
import createOrderSchema from './create-order.schema.json' with { type: 'json' };
import { checkOrderIdPrefix, DEFAULT_ORDER_ID_PREFIX, sfOrderIdFor } from './order-id.ts';

export { classifyAnswer, waybillsOf } from './classify.ts';
export { SERVICE_CODES, SfClient } from './client.ts';
export { sfOrderIdFor } from './order-id.ts';
export { routePushReply, verifyAndParseRoutePush, type RouteEvent, type RoutePushResult } from './route-push.ts';
export { javaUrlEncode, msgDigest } from './sign.ts';

/** A mapping's YAML text, and the file name its problems are reported under. */
export type MappingSource = string | { text: string; file: string };

/** A sender (寄件方) as SF's contactInfoList wants it. */
export interface SfContact {
  contact: string;
  mobile?: string;
  tel?: string;
  company?: string;
  province?: string;
  city?: string;
  county?: string;
  address: string;
}

export interface SfConfig {
  /** The gateway host: https://bspgw.sf-express.com (production), https://sfapi-sbox.sf-express.com (sandbox); `/std/service` is added. */
  baseUrl: string;
  /** 顾客编码 (partnerID). */
  partnerId: string;
  /** 校验码 (checkWord) of the environment baseUrl points at. */
  checkWord: string;
  /** 月结卡号, added to every order when set (payMethod 1 寄方付 needs it). */
  monthlyCard?: string;
  /** create-order.yaml (or the merchant's edit of it). */
  mapping: MappingSource;
  /** The sender of each routing location (`shipment.location`); `*` for any other. */
  senders: Record<string, SfContact>;
  /** The delivery kind (default carrier.waybill). */
  kind?: string;
  /** Before the digest in every orderId (default OH): give each hub sharing an SF account its own. */
  orderIdPrefix?: string;
  /** A call without an answer after this long is abandoned: unknown for a create (default 30 s). */
  timeoutMs?: number;
  /** Over the default { calls: 30, perMs: 1000, concurrency: 8 }. */
  limits?: TargetLimits;
}

export interface SfDeps {
  fetch: typeof fetch;
  /** For the timestamp (default Date.now). */
  now?: () => number;
  /** For requestID (default crypto.randomUUID). */
  uuid?: () => string;
}

/** The parcel a `carrier.waybill` delivery is for, as the mapping sees it. */
export interface SfParcel {
  index: number;
  location: string | null;
  lines: Array<{ lineId: string; sku: string; title?: string; quantity: number }>;
}

/** 丰桥 allows 30 calls a second per API (and 3000 a day in the integration environment). */
export const DEFAULT_LIMITS: TargetLimits = { calls: 30, perMs: 1000, concurrency: 8 };
export const DEFAULT_KIND = 'carrier.waybill';
const MAPPING_FILE = 'adapters/carrier-sf/create-order.yaml';

export function createSfAdapter(config: SfConfig, deps: SfDeps): Adapter {
  for (const key of ['baseUrl', 'partnerId', 'checkWord'] as const) if (!config[key]) throw new Error(`SF: ${key} is required`);
  const prefix = config.orderIdPrefix ?? DEFAULT_ORDER_ID_PREFIX;
  checkOrderIdPrefix(prefix);
  const { text, file } = typeof config.mapping === 'string' ? { text: config.mapping, file: MAPPING_FILE } : config.mapping;
  const mapping: CompiledMapping = compileMapping(text, { file, schemas: { 'create-order.schema.json': createOrderSchema as JsonSchema } });
  const kind = config.kind ?? DEFAULT_KIND;
  const client = new SfClient(
    { baseUrl: config.baseUrl, partnerId: config.partnerId, checkWord: config.checkWord, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) },
    deps.fetch,
    { ...(deps.now ? { now: deps.now } : {}), ...(deps.uuid ? { uuid: deps.uuid } : {}) },
  );

  /** EXP_RECE_SEARCH_ORDER_RESP by orderId: the order's result data, null when SF has no such order. */
  const search = async (orderId: string): Promise<{ data: SfResultData | null } | { error: string }> => {
    const call = await client.call(SERVICE_CODES.searchOrder, JSON.stringify({ orderId, searchType: '1', language: 'zh-CN' }));
    if (call.kind !== 'answer') return { error: `${SERVICE_CODES.searchOrder}: ${call.reason}` };
    const verdict = classifyAnswer(call);
    if (verdict.kind === 'ok') return { data: verdict.data };
    if (verdict.kind === 'not-found') return { data: null };
    return { error: `${SERVICE_CODES.searchOrder}: ${verdict.reason}` };
  };

  return {
    idempotent: true,
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    async send(delivery) {
      if (delivery.kind !== kind) return { outcome: 'failed', code: 'kind', reason: `the SF adapter sends "${kind}", not "${delivery.kind}"` };
      if (!delivery.order) return { outcome: 'failed', code: 'order', reason: `delivery ${delivery.id} carries no order to map` };
      const parcel = parcelOf(delivery);
      const sender = config.senders[parcel.location ?? ''] ?? config.senders['*'];
      if (!sender) return { outcome: 'failed', code: 'sender', reason: `no SF sender is configured for location "${parcel.location ?? '-'}" (senders: ${Object.keys(config.senders).join(', ') || 'none'})` };
      let mapped: Record<string, unknown>;
      try {
        mapped = mapping.run({ order: delivery.order, parcel, sender }) as Record<string, unknown>;
      } catch (e) {
        return { outcome: 'failed', code: 'mapping', reason: (e as Error).message };
      }
      const masked = maskedPhone(mapped);
      if (masked) return { outcome: 'failed', code: 'masked', reason: `the receiver's phone is masked by the platform (${masked}): decrypt it before asking SF for a waybill` };

      const orderId = await sfOrderIdFor(delivery.idempotencyKey, prefix);
      const { language, ...rest } = mapped;
      const msgData = { language, orderId, ...rest, ...(config.monthlyCard ? { monthlyCard: config.monthlyCard } : {}) };
      const request = { serviceCode: SERVICE_CODES.createOrder, orderId, msgData: withoutNames(msgData) };

      const call = await client.call(SERVICE_CODES.createOrder, JSON.stringify(msgData));
      if (call.kind === 'not-sent') return { outcome: 'retry', reason: `${SERVICE_CODES.createOrder}: ${call.reason}`, request };
      if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: `${SERVICE_CODES.createOrder} ${orderId}: ${call.reason}`, request };
      const verdict = classifyAnswer(call);
      if (verdict.kind === 'ok') return { outcome: 'delivered', request, response: summary(orderId, verdict.data, verdict.envelope.apiResponseID), ...refs(orderId, verdict.data) };
      if (verdict.kind === 'duplicate') {
        // Ours from an earlier attempt (the orderId is derived from this delivery alone): fetch its waybill.
        const found = await search(orderId);
        if ('error' in found) return { outcome: 'retry', reason: `${orderId} exists (${verdict.reason}); ${found.error}`, request };
        if (!found.data) return { outcome: 'retry', reason: `${verdict.reason}, but ${SERVICE_CODES.searchOrder} finds no order ${orderId}`, request };
        return { outcome: 'delivered', request, response: { ...summary(orderId, found.data), duplicate: verdict.reason }, ...refs(orderId, found.data) };
      }
      return outcomeOf(verdict, request, call);
    },

    async lookup(delivery) {
      const orderId = await sfOrderIdFor(delivery.idempotencyKey, prefix);
      const found = await search(orderId);
      if ('error' in found) throw new Error(found.error);
      return found.data ? 'exists' : 'absent';
    },
  };
}

/**
 * The parcel of a delivery: the shipment the pipeline queued (payload `shipment`, `location`,
 * `lines`), each line with the order line's title; the whole order when the payload has no lines.
 */
export function parcelOf(delivery: Delivery): SfParcel {
  const payload = delivery.payload as { shipment?: unknown; location?: unknown; lines?: unknown };
  const orderLines = [...(delivery.order?.lines ?? []), ...(delivery.order?.extraLines ?? [])];
  const wanted = Array.isArray(payload.lines) ? (payload.lines as Array<{ lineId?: unknown; sku?: unknown; quantity?: unknown }>) : orderLines;
  const lines = wanted.map((l) => {
    const line = orderLines.find((o) => o.lineId === String(l.lineId));
    return {
      lineId: String(l.lineId),
      sku: String(l.sku ?? line?.sku ?? ''),
      ...(line?.title ? { title: line.title } : {}),
      quantity: Number(l.quantity ?? line?.quantity ?? 1),
    };
  });
  return { index: Number(payload.shipment ?? 0), location: typeof payload.location === 'string' ? payload.location : null, lines };
}

/** The order id the hub gave SF, and the waybill SF gave back (the first, for a multi-parcel order). */
function refs(orderId: string, data: SfResultData): { documentCode: string; externalRef?: string } {
  const { waybillNo } = waybillsOf(data.msgData);
  return { documentCode: orderId, ...(waybillNo ? { externalRef: waybillNo } : {}) };
}

function summary(orderId: string, data: SfResultData, apiResponseID?: string): Record<string, unknown> {
  const msgData = (data.msgData ?? {}) as { filterResult?: unknown; originCode?: unknown; destCode?: unknown };
  const { waybillNo, waybillNos } = waybillsOf(data.msgData);
  return {
    orderId,
    ...(waybillNo ? { waybillNo } : {}),
    waybillNos,
    ...(msgData.filterResult !== undefined && msgData.filterResult !== null ? { filterResult: msgData.filterResult } : {}),
    ...(msgData.originCode ? { originCode: msgData.originCode } : {}),
    ...(msgData.destCode ? { destCode: msgData.destCode } : {}),
    ...(apiResponseID ? { apiResponseID } : {}),
  };
}

function outcomeOf(verdict: Exclude<Verdict, { kind: 'ok' | 'duplicate' }>, request: unknown, call: Extract<Call, { kind: 'answer' }>): SendOutcome {
  const response = verdict.kind !== 'unknown' && 'envelope' in verdict && verdict.envelope ? verdict.envelope : call.text.slice(0, 2000);
  switch (verdict.kind) {
    case 'retry':
      return { outcome: 'retry', reason: verdict.reason, request, response, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.pauseTarget ? { pauseTarget: true } : {}) };
    case 'failed':
      return { outcome: 'failed', code: verdict.code, reason: verdict.reason, request, response };
    case 'not-found':
      return { outcome: 'failed', code: verdict.code, reason: verdict.reason, request, response };
    case 'unknown':
      return { outcome: 'unknown', reason: verdict.reason, request };
  }
}

/** The receiver's phone when the platform masked it (138****5678). */
function maskedPhone(msgData: Record<string, unknown>): string | undefined {
  const contacts = Array.isArray(msgData.contactInfoList) ? (msgData.contactInfoList as Array<Record<string, unknown>>) : [];
  for (const c of contacts) for (const key of ['mobile', 'tel']) if (typeof c[key] === 'string' && (c[key] as string).includes('*')) return c[key] as string;
  return undefined;
}

/** The request as the attempt log keeps it: contact names cut to their first character. */
function withoutNames(msgData: Record<string, unknown>): Record<string, unknown> {
  const contacts = Array.isArray(msgData.contactInfoList) ? (msgData.contactInfoList as Array<Record<string, unknown>>) : undefined;
  if (!contacts) return msgData;
  return { ...msgData, contactInfoList: contacts.map((c) => (typeof c.contact === 'string' && c.contact ? { ...c, contact: `${[...c.contact][0]}***` } : c)) };
}
