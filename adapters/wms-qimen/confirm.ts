/**
 * The WMS's `taobao.qimen.deliveryorder.confirm` (发货单确认) callback, as the hub receives it
 * through the Qimen router: a POST whose query holds the system parameters (method, timestamp,
 * format, app_key, v, sign_method, customerId, sign) and whose body is
 * `<request><deliveryOrder>…</deliveryOrder><packages><package>…</package></packages><orderLines>…</orderLines></request>`.
 * The sign is checked as the SDK's `SpiUtils.checkSign4TextRequest` does (sign.ts: every query
 * parameter but sign, an empty one as its bare name, plus the headers named in `top-sign-list`,
 * then the body, wrapped in the secret). The answer the WMS expects is a Qimen response:
 * `<response><flag>success|failure</flag><code>…</code><message>…</message></response>`.
 *
 * Pure functions: the HTTP route that calls them lives in the runtime.
 *
 * @example
 * const result = verifyAndParseConfirm({ query, body, headers }, appSecret);
 * if (!result.ok) return new Response(confirmResponse(false, result.message, result.code), { headers: { 'content-type': 'text/xml;charset=utf-8' } });
 * result.confirm // { deliveryOrderCode: 'DO-tmall-…-1', status: 'DELIVERED', logisticsCode: 'YTO', expressCode: 'YT…', lines: [...] }
 * return new Response(confirmResponse(true, 'ok'), …);
 */
import { beijingToIso } from '../../core/order/index.ts';
import { qimenSign, sameSignature, type SignOptions } from './sign.ts';
import { buildXml, child, list, parseXml, text, XmlError } from './xml.ts';

export const CONFIRM_METHOD = 'taobao.qimen.deliveryorder.confirm';

/** 出库单状态 as the Qimen docs list them. */
export const DELIVERY_ORDER_STATUSES = ['NEW', 'ACCEPT', 'PARTDELIVERED', 'DELIVERED', 'EXCEPTION', 'CANCELED', 'CLOSED', 'REJECT', 'CANCELEDFAIL'] as const;

export interface ConfirmPackage {
  logisticsCode?: string;
  logisticsName?: string;
  expressCode?: string;
  packageCode?: string;
  /** 包裹重量, kilograms as sent. */
  weight?: string;
  items: Array<{ itemCode: string; itemId?: string; quantity: number; orderLineNo?: string }>;
}

export interface ConfirmLine {
  orderLineNo?: string;
  itemCode: string;
  itemId?: string;
  ownerCode?: string;
  inventoryType?: string;
  planQty?: number;
  actualQty?: number;
  batchCode?: string;
}

export interface DeliveryOrderConfirm {
  method: string;
  customerId?: string;
  deliveryOrderCode: string;
  deliveryOrderId?: string;
  warehouseCode?: string;
  orderType?: string;
  /** NEW, ACCEPT, PARTDELIVERED, DELIVERED, EXCEPTION, CANCELED, CLOSED, REJECT, CANCELEDFAIL (verbatim). */
  status: string;
  /** Dedupe key of this confirm (外部业务编码), when the WMS confirms one order several times. */
  outBizCode?: string;
  /** 0: the final confirm; 1: an intermediate one (several parcels). */
  confirmType?: number;
  /** ISO-8601 with +08:00. */
  operateTime?: string;
  orderConfirmTime?: string;
  /** The first parcel's carrier and waybill number (or the deliveryOrder's own, if it has them). */
  logisticsCode?: string;
  expressCode?: string;
  packages: ConfirmPackage[];
  lines: ConfirmLine[];
}

export type ConfirmResult =
  | { ok: true; confirm: DeliveryOrderConfirm }
  | { ok: false; code: 'sign-check-failure' | 'invalid-request'; message: string };

export interface ConfirmRequest {
  /** The decoded query parameters. */
  query: Record<string, string>;
  /** The raw body text, exactly as received. */
  body: string;
  /** Request headers (lower- or mixed-case names); only those `top-sign-list` names are signed. */
  headers?: Record<string, string>;
}

export interface ConfirmOptions {
  /** With a clock, a `timestamp` more than `maxAgeMs` away from it is refused (SpiUtils.checkTimestamp: 5 minutes). */
  now?: number;
  maxAgeMs?: number;
}

/** Checks the sign of a deliveryorder.confirm call and reads its body. */
export function verifyAndParseConfirm(request: ConfirmRequest, secret: string, options: ConfirmOptions = {}): ConfirmResult {
  const { query, body } = request;
  const remote = query.sign;
  if (!remote) return { ok: false, code: 'sign-check-failure', message: 'Illegal request' };
  const params: Record<string, string> = { ...signedHeaders(request.headers), ...query };
  const signOptions: SignOptions = { keepEmpty: true };
  if (!sameSignature(remote.toUpperCase(), qimenSign(params, body, secret, signOptions))) return { ok: false, code: 'sign-check-failure', message: 'Illegal request' };

  const method = query.method ?? '';
  if (method !== CONFIRM_METHOD && method !== 'deliveryorder.confirm') return invalid(`method is "${method}", not ${CONFIRM_METHOD}`);
  if (options.now !== undefined) {
    const at = query.timestamp ? Date.parse(safeIso(query.timestamp) ?? '') : NaN;
    if (Number.isNaN(at)) return invalid(`timestamp "${query.timestamp ?? ''}" is not yyyy-MM-dd HH:mm:ss`);
    if (Math.abs(options.now - at) > (options.maxAgeMs ?? 5 * 60_000)) return invalid(`timestamp ${query.timestamp} is too far from now`);
  }

  let doc: Record<string, unknown>;
  try {
    doc = parseXml(body);
  } catch (e) {
    return invalid(e instanceof XmlError ? e.message : String(e));
  }
  const root = child(doc, 'request');
  const order = child(root, 'deliveryOrder');
  if (!order) return invalid('the body has no <request><deliveryOrder>');
  const deliveryOrderCode = text(order, 'deliveryOrderCode');
  if (!deliveryOrderCode) return invalid('deliveryOrder.deliveryOrderCode is missing');
  const status = text(order, 'status');
  if (!status) return invalid('deliveryOrder.status is missing');

  const times: Record<string, string> = {};
  for (const field of ['operateTime', 'orderConfirmTime'] as const) {
    const value = text(order, field);
    if (value === undefined) continue;
    const iso = safeIso(value);
    if (!iso) return invalid(`deliveryOrder.${field} "${value}" is not yyyy-MM-dd HH:mm:ss`);
    times[field] = iso;
  }

  const packages: ConfirmPackage[] = list(root, 'packages', 'package').map((p) => ({
    ...pick(p, ['logisticsCode', 'logisticsName', 'expressCode', 'packageCode', 'weight']),
    items: list(p, 'items', 'item').map((item) => ({
      itemCode: text(item, 'itemCode') ?? '',
      ...pick(item, ['itemId', 'orderLineNo']),
      quantity: Number(text(item, 'quantity') ?? 0),
    })),
  }));
  const lines: ConfirmLine[] = list(root, 'orderLines', 'orderLine').map((l) => ({
    ...pick(l, ['orderLineNo']),
    itemCode: text(l, 'itemCode') ?? '',
    ...pick(l, ['itemId', 'ownerCode', 'inventoryType', 'batchCode']),
    ...numbers(l, ['planQty', 'actualQty']),
  }));
  for (const [i, line] of lines.entries()) {
    if (!line.itemCode) return invalid(`orderLines.orderLine[${i}].itemCode is missing`);
  }

  const first = packages.find((p) => p.expressCode) ?? packages[0];
  const logisticsCode = first?.logisticsCode ?? text(order, 'logisticsCode');
  const expressCode = first?.expressCode ?? text(order, 'expressCode');
  const confirmType = text(order, 'confirmType');
  const customerId = query.customerId ?? query.customerid;
  return {
    ok: true,
    confirm: {
      method,
      ...(customerId ? { customerId } : {}),
      deliveryOrderCode,
      ...pick(order, ['deliveryOrderId', 'warehouseCode', 'orderType']),
      status,
      ...pick(order, ['outBizCode']),
      ...(confirmType !== undefined && /^\d+$/.test(confirmType) ? { confirmType: Number(confirmType) } : {}),
      ...times,
      ...(logisticsCode ? { logisticsCode } : {}),
      ...(expressCode ? { expressCode } : {}),
      packages,
      lines,
    },
  };
}

/**
 * The XML the WMS expects back. `code` defaults to `0` on success and `failure` otherwise;
 * give `sign-check-failure` (message `Illegal request`) for a bad signature.
 *
 * @example
 * confirmResponse(true, '成功') // '<?xml version="1.0" encoding="utf-8"?><response><flag>success</flag><code>0</code><message>成功</message></response>'
 */
export function confirmResponse(ok: boolean, message: string, code?: string): string {
  return buildXml({ response: { flag: ok ? 'success' : 'failure', code: code ?? (ok ? '0' : 'failure'), message } });
}

function invalid(message: string): ConfirmResult {
  return { ok: false, code: 'invalid-request', message };
}

/** The headers SpiUtils signs: those named (comma-separated) in `top-sign-list`. */
function signedHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  if (!headers) return {};
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = (lower.get('top-sign-list') ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = lower.get(name.toLowerCase()) ?? '';
    try {
      out[name] = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      out[name] = value;
    }
  }
  return out;
}

function safeIso(beijing: string): string | undefined {
  try {
    return beijingToIso(beijing);
  } catch {
    return undefined;
  }
}

function pick(node: Record<string, unknown>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = text(node, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function numbers(node: Record<string, unknown>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const value = text(node, key);
    if (value !== undefined && Number.isFinite(Number(value))) out[key] = Number(value);
  }
  return out;
}
