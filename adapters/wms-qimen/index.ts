/**
 * A WMS behind Qimen (奇门) as a delivery target: per shipment a delivery order
 * (`taobao.qimen.deliveryorder.create`, delivery kind `wms.delivery_order`) and, when the order is
 * cancelled, its cancel (`taobao.qimen.order.cancel`, `wms.delivery_order.cancel`).
 *
 * The create has no idempotency key of its own, so the adapter makes one: the deliveryOrderCode
 * is derived from the delivery's idempotency key (delivery-code.ts), the WMS keeps one delivery
 * order per code, and a repeat that it refuses as "already exists" for our code counts as
 * delivered. After an ambiguous call the engine asks `lookup` (`taobao.qimen.deliveryorder.query`
 * by that code) before anything is sent again. The body comes from the outbound mapping
 * (delivery-order.yaml), compiled here once against delivery-order.schema.json, and goes out as
 * XML signed with the app secret (sign.ts, client.ts).
 *
 * @example
 * const qimen = createQimenAdapter(
 *   { baseUrl: 'https://qimen.api.taobao.com/router/qimen/service', appKey: '23xxxxxx', appSecret: '…', customerId: 'WMS_CUSTOMER',
 *     mapping: readFileSync('adapters/wms-qimen/delivery-order.yaml', 'utf8') },
 *   { fetch },
 * );
 * await qimen.send(delivery); // { outcome: 'delivered', … } | retry | failed | unknown
 */
import { compileMapping, type CompiledMapping, type JsonSchema } from '../../core/mapping/index.ts';
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { classifyCancel, classifyCreate, classifyQuery, type QueryVerdict, type Verdict } from './classify.ts';
import { QimenClient } from './client.ts';
import { checkCodeFormat, DEFAULT_CODE_MAX_LENGTH, deliveryOrderCodeFor } from './delivery-code.ts';
import deliveryOrderSchema from './delivery-order.schema.json' with { type: 'json' };
import { shipmentInput, ShipmentError } from './shipment.ts';
import { buildXml } from './xml.ts';

export { classifyCancel, classifyCreate, classifyQuery } from './classify.ts';
export { confirmResponse, verifyAndParseConfirm, type ConfirmResult, type DeliveryOrderConfirm } from './confirm.ts';
export { deliveryOrderCodeFor } from './delivery-code.ts';
export { beijingTimestamp, qimenSign, signSource } from './sign.ts';

export const METHODS = {
  create: 'taobao.qimen.deliveryorder.create',
  cancel: 'taobao.qimen.order.cancel',
  query: 'taobao.qimen.deliveryorder.query',
} as const;

/** A mapping's YAML text, and the file name its problems are reported under. */
export type MappingSource = string | { text: string; file: string };

export interface QimenConfig {
  /** The Qimen router (e.g. https://qimen.api.taobao.com/router/qimen/service), a WMS's own endpoint, or the simulator. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** Routes calls to the merchant's WMS (奇门 customerId). */
  customerId: string;
  /** delivery-order.yaml (canonical order + shipment → the create's XML model). */
  mapping: MappingSource;
  /** Delivery kinds (hub.yaml `deliveries:`) of the create and the cancel. */
  kinds?: { create?: string; cancel?: string };
  /** deliveryOrderCode prefix (default DO-). */
  codePrefix?: string;
  /** The longest deliveryOrderCode the WMS takes (default 50). */
  codeMaxLength?: number;
  /** Send a delivery order with more lines as several creates carrying totalOrderLines (default: never split). */
  maxLinesPerRequest?: number;
  /** cancelReason of a cancel (default 订单已取消). */
  cancelReason?: string;
  /** A call without an answer after this long is abandoned: unknown for a create or cancel (default 30 s). */
  timeoutMs?: number;
  /** Over the default { concurrency: 4 }. */
  limits?: TargetLimits;
}

export interface QimenDeps {
  fetch: typeof fetch;
  /** The clock for the `timestamp` parameter (default Date.now). */
  now?: () => number;
}

export const DEFAULT_LIMITS: TargetLimits = { concurrency: 4 };
export const DEFAULT_KINDS = { create: 'wms.delivery_order', cancel: 'wms.delivery_order.cancel' } as const;
/** Statuses after which a cancel has nothing left to do. */
const CANCELLED = new Set(['CANCELED', 'CANCELLED', 'CLOSED']);

interface CreateModel {
  deliveryOrder: Record<string, unknown> & { warehouseCode: string; orderType: string };
  orderLines: { orderLine: Array<Record<string, unknown> & { ownerCode?: string }> };
}

type Failed = Extract<SendOutcome, { outcome: 'failed' }>;

export function createQimenAdapter(config: QimenConfig, deps: QimenDeps): Adapter {
  for (const key of ['baseUrl', 'appKey', 'appSecret', 'customerId'] as const) if (!config[key]) throw new Error(`Qimen: ${key} is required`);
  if (!config.mapping) throw new Error('Qimen: mapping is required (delivery-order.yaml)');
  const prefix = config.codePrefix ?? 'DO-';
  const maxLength = config.codeMaxLength ?? DEFAULT_CODE_MAX_LENGTH;
  checkCodeFormat(prefix, maxLength);
  const maxLines = config.maxLinesPerRequest;
  if (maxLines !== undefined && (!Number.isInteger(maxLines) || maxLines < 1)) throw new Error('Qimen: maxLinesPerRequest must be a whole number from 1');
  const { text, file } = typeof config.mapping === 'string' ? { text: config.mapping, file: 'adapters/wms-qimen/delivery-order.yaml' } : config.mapping;
  const mapping: CompiledMapping = compileMapping(text, { file, schemas: { 'delivery-order.schema.json': deliveryOrderSchema as JsonSchema } });
  const kinds = { create: config.kinds?.create ?? DEFAULT_KINDS.create, cancel: config.kinds?.cancel ?? DEFAULT_KINDS.cancel };
  const client = new QimenClient(
    {
      baseUrl: config.baseUrl,
      appKey: config.appKey,
      appSecret: config.appSecret,
      customerId: config.customerId,
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    },
    deps.fetch,
  );

  /** The mapped create model of a delivery, or why it cannot be had. */
  const modelOf = (delivery: Delivery): CreateModel | Failed => {
    try {
      return mapping.run(shipmentInput(delivery)) as CreateModel;
    } catch (e) {
      return { outcome: 'failed', code: e instanceof ShipmentError ? 'shipment' : 'mapping', reason: (e as Error).message };
    }
  };

  const kindOf = (delivery: Delivery): 'create' | 'cancel' | Failed =>
    delivery.kind === kinds.create
      ? 'create'
      : delivery.kind === kinds.cancel
        ? 'cancel'
        : { outcome: 'failed', code: 'kind', reason: `the Qimen adapter sends ${kinds.create} and ${kinds.cancel}, not "${delivery.kind}"` };

  /** One deliveryorder.query by code. */
  const query = async (code: string, model: CreateModel): Promise<QueryVerdict> => {
    const ownerCode = model.orderLines.orderLine[0]?.ownerCode;
    const body = buildXml({
      request: { ...(ownerCode ? { ownerCode } : {}), warehouseCode: model.deliveryOrder.warehouseCode, orderCode: code, page: 1, pageSize: 10 },
    });
    const call = await client.call(METHODS.query, body);
    if (call.kind !== 'answer') return { kind: 'error', reason: `${METHODS.query}: ${call.reason}` };
    return classifyQuery(call, code);
  };

  const parts = (model: CreateModel) => {
    const lines = model.orderLines.orderLine;
    if (!maxLines || lines.length <= maxLines) return [lines];
    const out: Array<typeof lines> = [];
    for (let i = 0; i < lines.length; i += maxLines) out.push(lines.slice(i, i + maxLines));
    return out;
  };

  const create = async (model: CreateModel, code: string): Promise<SendOutcome> => {
    const chunks = parts(model);
    const split = chunks.length > 1;
    const request = { method: METHODS.create, deliveryOrderCode: code, ...(split ? { requests: chunks.length } : {}), model: maskContacts(model) };
    let response: unknown;
    for (const [i, chunk] of chunks.entries()) {
      const part = split ? ` (part ${i + 1} of ${chunks.length})` : '';
      const body = buildXml({
        request: {
          deliveryOrder: { deliveryOrderCode: code, ...(split ? { totalOrderLines: model.orderLines.orderLine.length } : {}), ...model.deliveryOrder },
          orderLines: { orderLine: chunk },
        },
      });
      const call = await client.call(METHODS.create, body);
      if (call.kind === 'not-sent') return { outcome: 'retry', reason: `${METHODS.create} ${code}${part}: ${call.reason}`, request };
      if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: `${METHODS.create} ${code}${part}: ${call.reason}`, request };
      let verdict: Verdict = classifyCreate(call, code);
      if (verdict.kind === 'exists-unclear') {
        // "Already exists" without naming what: ask by our code once, here.
        const found = await query(code, model);
        verdict =
          found.kind === 'found'
            ? { kind: 'duplicate', reason: verdict.reason, body: verdict.body }
            : found.kind === 'absent'
              ? { kind: 'failed', code: 'failure', reason: `${verdict.reason} (${code} itself is not in the WMS: ${found.reason})`, body: verdict.body }
              : { kind: 'unknown', reason: `${verdict.reason}; asking for ${code} failed: ${found.reason}` };
      }
      if (verdict.kind !== 'ok' && verdict.kind !== 'duplicate') return outcomeOf(verdict, request, `${code}${part}: `);
      response = verdict.body;
    }
    return { outcome: 'delivered', request, response };
  };

  const cancel = async (model: CreateModel, code: string): Promise<SendOutcome> => {
    const ownerCode = model.orderLines.orderLine[0]?.ownerCode;
    const fields = {
      warehouseCode: model.deliveryOrder.warehouseCode,
      ...(ownerCode ? { ownerCode } : {}),
      orderCode: code,
      orderType: model.deliveryOrder.orderType,
      cancelReason: config.cancelReason ?? '订单已取消',
    };
    const request = { method: METHODS.cancel, ...fields };
    const call = await client.call(METHODS.cancel, buildXml({ request: fields }));
    if (call.kind === 'not-sent') return { outcome: 'retry', reason: `${METHODS.cancel} ${code}: ${call.reason}`, request };
    if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: `${METHODS.cancel} ${code}: ${call.reason}`, request };
    return outcomeOf(classifyCancel(call), request, `cancel ${code}: `);
  };

  return {
    idempotent: false,
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    async send(delivery) {
      const kind = kindOf(delivery);
      if (typeof kind !== 'string') return kind;
      const model = modelOf(delivery);
      if ('outcome' in model) return model;
      const code = await deliveryOrderCodeFor(delivery.idempotencyKey, prefix, maxLength);
      const outcome = await (kind === 'create' ? create(model, code) : cancel(model, code));
      // The WMS's confirm callback names the order by this code.
      return outcome.outcome === 'delivered' ? { ...outcome, documentCode: code } : outcome;
    },

    async lookup(delivery) {
      const kind = kindOf(delivery);
      if (typeof kind !== 'string') throw new Error(kind.reason);
      const model = modelOf(delivery);
      if ('outcome' in model) throw new Error(model.reason);
      const code = await deliveryOrderCodeFor(delivery.idempotencyKey, prefix, maxLength);
      const found = await query(code, model);
      if (found.kind === 'error') throw new Error(found.reason);
      if (found.kind === 'absent') return 'absent';
      if (kind === 'cancel') return found.status && CANCELLED.has(found.status.toUpperCase()) ? 'exists' : 'absent';
      // Sent in parts: only a complete order counts; sending again repeats the parts it has.
      const lines = model.orderLines.orderLine.length;
      if (parts(model).length > 1 && found.totalLines !== undefined && found.totalLines < lines) return 'absent';
      return 'exists';
    },
  };
}

function outcomeOf(verdict: Verdict, request: unknown, prefix = ''): SendOutcome {
  switch (verdict.kind) {
    case 'ok':
    case 'duplicate':
      return { outcome: 'delivered', request, response: verdict.body };
    case 'retry':
      return {
        outcome: 'retry',
        reason: prefix + verdict.reason,
        request,
        ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}),
        ...(verdict.pauseTarget ? { pauseTarget: true } : {}),
        ...(verdict.body !== undefined ? { response: verdict.body } : {}),
      };
    case 'failed':
      return { outcome: 'failed', code: verdict.code, reason: prefix + verdict.reason, request, ...(verdict.body !== undefined ? { response: verdict.body } : {}) };
    case 'unknown':
    case 'exists-unclear':
      return { outcome: 'unknown', reason: prefix + verdict.reason, request };
  }
}

const CONTACT_FIELDS = new Set(['name', 'mobile', 'tel', 'detailAddress', 'email', 'company']);

/** The create model for the attempt log, with the receiver's and sender's details starred. */
function maskContacts(model: CreateModel): unknown {
  const mask = (info: unknown) =>
    info && typeof info === 'object'
      ? Object.fromEntries(Object.entries(info).map(([k, v]) => [k, CONTACT_FIELDS.has(k) && typeof v === 'string' && v ? `${[...v][0]}***` : v]))
      : info;
  const { receiverInfo, senderInfo, ...rest } = model.deliveryOrder;
  return {
    deliveryOrder: { ...rest, ...(receiverInfo ? { receiverInfo: mask(receiverInfo) } : {}), ...(senderInfo ? { senderInfo: mask(senderInfo) } : {}) },
    orderLines: model.orderLines,
  };
}
