/**
 * SF's route push (路由推送, RoutePushService): SF POSTs new route nodes of the orders placed
 * through the API to a URL the merchant registers in the 丰桥 console, incrementally, at most 10
 * `WaybillRoute` elements per push. The console offers two request methods:
 *
 * - **json**: `application/json;charset=UTF-8`, body `{"Body":{"WaybillRoute":[{…}]}}`; SF expects
 *   `{"return_code":"0000","return_msg":"成功"}` (`1000` means failure, and SF pushes again);
 * - **form**: `application/x-www-form-urlencoded`, field `content` holding the URL-encoded XML
 *   `<Request service="RoutePushService" lang="zh-CN"><Body><WaybillRoute id="…" mailno="…"
 *   orderid="…" acceptTime="…" acceptAddress="…" remark="…" opCode="…"/></Body></Request>`;
 *   SF expects `<Response service="RoutePushService"><Head>OK</Head></Response>` (or `ERR`).
 *
 * Each WaybillRoute: `id` (the node's id: dedupe on it), `mailno` (waybill number), `orderid`
 * (our orderId), `acceptTime` (Beijing time), `acceptAddress`, `remark`, `opCode`, and on some
 * accounts `reasonCode` / `reasonName`.
 *
 * **Verification.** SF's documented push carries no signature (neither msgDigest nor checkWord),
 * so the only proof of origin is a secret the merchant puts in the URL they register (for
 * example `https://hub.example.com/hooks/sf/route?token=…`); this function insists on it,
 * compared in constant time. SF's egress IPs can be allow-listed in front of it as well. Treat a
 * push as a nudge: EXP_RECE_SEARCH_ROUTES is the authoritative read.
 *
 * @example
 * const result = verifyAndParseRoutePush({ url: req.url, contentType: req.headers['content-type'], body: rawBody }, { token: process.env.SF_PUSH_TOKEN! });
 * if (!result.ok) return reply(result.reply);
 * await store(result.routes);   // then:
 * return reply(result.reply);   // {"return_code":"0000","return_msg":"成功"}
 */
import { XMLParser } from 'fast-xml-parser';
import { safeEqual } from './sign.ts';

export interface RoutePushRequest {
  /** The raw body as received (text). */
  body: string;
  contentType?: string | null;
  /** The request URL (absolute, or path and query), which carries the token. */
  url: string;
}

export interface RoutePushOptions {
  /** The secret registered in the push URL. */
  token: string;
  /** Its query parameter (default `token`). */
  tokenParam?: string;
}

export type RouteStage = 'collected' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'delivery_failed' | 'returned';

export interface RouteEvent {
  /** SF's id of this route node: the same node is never pushed twice once acknowledged, but dedupe on it. */
  id: string;
  waybillNo: string;
  /** The orderId we gave SF (absent for nodes of waybills SF created otherwise). */
  orderId?: string;
  opCode: string;
  /** What the opCode says, where it is one of the well-known ones; in_transit otherwise. */
  stage: RouteStage;
  /** acceptTime as SF sends it (Beijing time, yyyy-MM-dd HH:mm:ss). */
  acceptTime: string;
  /** acceptTime as ISO-8601 with +08:00. */
  at?: string;
  address?: string;
  remark?: string;
  reasonCode?: string;
  reasonName?: string;
}

export interface PushReply {
  status: number;
  contentType: string;
  body: string;
}

export type RoutePushResult =
  | { ok: true; format: 'json' | 'xml'; routes: RouteEvent[]; reply: PushReply }
  | { ok: false; status: 400 | 401; reason: string; format: 'json' | 'xml'; reply: PushReply };

/**
 * Well-known opCodes (SF's 路由操作码 table is longer; anything else is in transit):
 * 50 顺丰已收件 / 54 上门收件 → collected; 44 / 204 正在派送 → out_for_delivery;
 * 80 已签收 / 8000 结单 → delivered; 70 派件不成功 → delivery_failed; 99 / 631 / 648 退回 → returned.
 */
export const OP_CODE_STAGES: Record<string, RouteStage> = {
  '50': 'collected',
  '54': 'collected',
  '44': 'out_for_delivery',
  '204': 'out_for_delivery',
  '80': 'delivered',
  '8000': 'delivered',
  '70': 'delivery_failed',
  '99': 'returned',
  '631': 'returned',
  '648': 'returned',
};

/** The answer SF expects, for the push's format. */
export function routePushReply(format: 'json' | 'xml', ok: boolean, message?: string): PushReply {
  if (format === 'json') {
    const body = ok ? { return_code: '0000', return_msg: message ?? '成功' } : { return_code: '1000', return_msg: message ?? '失败' };
    return { status: 200, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(body) };
  }
  const body = ok
    ? '<Response service="RoutePushService"><Head>OK</Head></Response>'
    : `<Response service="RoutePushService"><Head>ERR</Head><ERROR code="4001">${escapeXml(message ?? '系统发生数据错误或运行时异常')}</ERROR></Response>`;
  return { status: 200, contentType: 'application/xml;charset=UTF-8', body };
}

export function verifyAndParseRoutePush(request: RoutePushRequest, options: RoutePushOptions): RoutePushResult {
  if (!options.token) throw new Error('SF route push: a token is required (SF does not sign its pushes; put a secret in the registered URL)');
  const form = /application\/x-www-form-urlencoded/i.test(request.contentType ?? '') || /^\s*content=/.test(request.body);
  const format: 'json' | 'xml' = form ? 'xml' : 'json';
  const refuse = (status: 400 | 401, reason: string): RoutePushResult => ({ ok: false, status, reason, format, reply: { ...routePushReply(format, false, reason), status } });

  let given: string | null;
  try {
    given = new URL(request.url, 'http://push.invalid').searchParams.get(options.tokenParam ?? 'token');
  } catch {
    given = null;
  }
  if (given === null || !safeEqual(given, options.token)) return refuse(401, 'the push URL does not carry the expected token');

  let items: Array<Record<string, unknown>>;
  try {
    items = form ? xmlRoutes(new URLSearchParams(request.body).get('content') ?? '') : jsonRoutes(request.body);
  } catch (e) {
    return refuse(400, (e as Error).message);
  }
  const routes: RouteEvent[] = [];
  for (const [i, item] of items.entries()) {
    const text = (key: string): string | undefined => {
      const value = item[key];
      return value === undefined || value === null || value === '' ? undefined : String(value);
    };
    const waybillNo = text('mailno') ?? text('mailNo');
    const opCode = text('opCode') ?? text('opcode');
    const acceptTime = text('acceptTime');
    const id = text('id');
    if (!waybillNo || !opCode || !acceptTime || !id) return refuse(400, `WaybillRoute[${i}] lacks ${['id', 'mailno', 'opCode', 'acceptTime'].filter((k) => !text(k) && !(k === 'mailno' && text('mailNo'))).join(', ')}`);
    const at = beijingToIso(acceptTime);
    const orderId = text('orderid') ?? text('orderId');
    const address = text('acceptAddress');
    const remark = text('remark');
    const reasonCode = text('reasonCode');
    const reasonName = text('reasonName');
    routes.push({
      id,
      waybillNo,
      ...(orderId ? { orderId } : {}),
      opCode,
      stage: OP_CODE_STAGES[opCode] ?? 'in_transit',
      acceptTime,
      ...(at ? { at } : {}),
      ...(address ? { address } : {}),
      ...(remark ? { remark } : {}),
      ...(reasonCode ? { reasonCode } : {}),
      ...(reasonName ? { reasonName } : {}),
    });
  }
  return { ok: true, format, routes, reply: routePushReply(format, true) };
}

function jsonRoutes(body: string): Array<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('the body is not JSON');
  }
  const list = (parsed as { Body?: { WaybillRoute?: unknown } } | null)?.Body?.WaybillRoute;
  if (list === undefined) throw new Error('no Body.WaybillRoute');
  return (Array.isArray(list) ? list : [list]).filter((r): r is Record<string, unknown> => !!r && typeof r === 'object');
}

function xmlRoutes(xml: string): Array<Record<string, unknown>> {
  if (!xml.trim()) throw new Error('no content field');
  // SF's pushes carry no DTD; one could only be there to expand entities.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('a DOCTYPE is not accepted');
  let parsed: unknown;
  try {
    parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false, htmlEntities: false }).parse(xml);
  } catch (e) {
    throw new Error(`the content is not XML: ${(e as Error).message}`);
  }
  const request = (parsed as { Request?: { service?: unknown; Body?: { WaybillRoute?: unknown } } }).Request;
  if (!request) throw new Error('no Request element');
  if (request.service !== undefined && request.service !== 'RoutePushService') throw new Error(`service is ${String(request.service)}, not RoutePushService`);
  const list = request.Body?.WaybillRoute;
  if (list === undefined) throw new Error('no Body/WaybillRoute');
  return (Array.isArray(list) ? list : [list]).filter((r): r is Record<string, unknown> => !!r && typeof r === 'object');
}

/** 2024-05-21 09:30:00 (Beijing) → 2024-05-21T09:30:00+08:00. */
function beijingToIso(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  return match ? `${match[1]}T${match[2]}+08:00` : undefined;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
