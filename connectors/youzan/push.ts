/**
 * Youzan Cloud message pushes (消息推送): a JSON POST
 *
 *   {"client_id":"…","id":"E2020…","kdt_id":90731021,"kdt_name":"…","root_kdt_id":43387399,"mode":1,
 *    "msg":"%7B%22tid%22%3A…","msg_id":"1d2ba0ac-…","sendCount":1,"sign":"…","status":"WAIT_BUYER_PAY",
 *    "test":false,"type":"trade_TradeCreate","version":1608186739}
 *
 * with headers `Event-Sign`, `Event-Type` and `Client-Id` (TsangJx/YouZanYunSDK `Msg/*.cs`,
 * cuncle/youzanyun-push-demo). `msg` is URL-encoded UTF-8 JSON, spaces as `+` (Java's URLEncoder:
 * uicestone/minimars-server `src/utils/youzan.ts` turns `+` back into spaces in update_time).
 *
 * Trust: `Event-Sign` = md5(client_id + raw body + client_secret) covers the whole push, and is
 * required when present. Without the header, the legacy body `sign` = md5(client_id + msg +
 * client_secret) is accepted, but it covers `msg` alone, so such a push only ever asks to fetch the
 * order it names (never an after-sale event, whose meaning comes from the unsigned `type`).
 *
 * What a push becomes:
 * - `trade_*` (TradeCreate, TradePaid, TradeBuyerPay, TradeSellerShip, TradePartlySellerShip,
 *   TradeSuccess, TradeClose, TradeMemoModified …): fetch the order (the push is a nudge; the
 *   re-read is authoritative);
 * - `trade_refund_RefundSuccess` / `trade_refund_SysRefund` (the refund went through): an
 *   after-sale refund of `oids` (the whole order when absent), at the message's update_time, plus a
 *   fetch; every other `trade_refund_*` (requested, agreed, refused, returned, closed …): a fetch,
 *   so the mapping's refund_state says "requested" without anything being refunded early;
 * - `test: true`, and types this connector does not handle: acknowledged, nothing else.
 *
 * The answer Youzan expects: `{"code":0,"msg":"success"}` (uicestone/minimars-server
 * `src/apis/YouzanRouter.ts`, Hanson/youzan-sdk `src/Push.php`); anything else makes it resend
 * (up to 4 times: 5 s, 5 min 20 s, 21 min 20 s, 2 h; `sendCount`).
 *
 * Message ids: `msg_id` (消息唯一标示) when present, else `type:id:version`. Not `id` alone: that is
 * the order number, shared by every message about one order, so the second message (paid after
 * created) would be dropped as a repeat of the first.
 */
import type { PushRequest, PushResult } from '../../core/connector/types.ts';
import { parsePayloadJson } from '../../core/payload/json.ts';
import { signatureMatches } from './sign.ts';
import { beijingToIso } from './time.ts';

export const ACK = JSON.stringify({ code: 0, msg: 'success' });
/** Refund messages that say the money went back. */
export const REFUND_DONE = new Set(['trade_refund_RefundSuccess', 'trade_refund_SysRefund']);

export interface PushContext {
  clientId: string;
  clientSecret: string;
  /** The shop's kdt_id; pushes naming another shop (as kdt_id or root_kdt_id) are not taken. */
  kdtId: string;
  now: () => number;
}

type Item = PushResult['items'][number];

export function receiveYouzanPush(request: PushRequest, ctx: PushContext): PushResult {
  if (request.method.toUpperCase() !== 'POST') return refuse(405, `method ${request.method}`);
  let envelope: Record<string, unknown>;
  try {
    const parsed = parsePayloadJson(request.body);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return refuse(400, 'the push body is not a JSON object');
    envelope = parsed as Record<string, unknown>;
  } catch (e) {
    return refuse(400, `the push body is not JSON: ${(e as Error).message}`);
  }
  const msg = typeof envelope.msg === 'string' ? envelope.msg : '';

  // Signature first: nothing in an unsigned push is looked at.
  const eventSign = request.headers['event-sign'];
  let whole: boolean;
  if (eventSign !== undefined) {
    if (!signatureMatches(eventSign, ctx.clientId, request.body, ctx.clientSecret)) return refuse(401, 'Event-Sign does not match md5(client_id + body + client_secret)');
    whole = true;
  } else if (typeof envelope.sign === 'string' && envelope.sign) {
    if (!signatureMatches(envelope.sign, ctx.clientId, msg, ctx.clientSecret)) return refuse(401, 'sign does not match md5(client_id + msg + client_secret)');
    whole = false;
  } else {
    return refuse(401, 'no Event-Sign header and no sign field');
  }
  if (envelope.client_id !== undefined && String(envelope.client_id) !== ctx.clientId) return refuse(401, `the push is for client_id ${String(envelope.client_id)}`);

  if (envelope.test === true || envelope.test === 'true') return { response: ack(), items: [] };

  if (ctx.kdtId && whole) {
    const shops = [...new Set([envelope.kdt_id, envelope.root_kdt_id, envelope.head_kdt_id].filter((v) => v !== undefined && v !== null && v !== '').map(String))];
    if (shops.length && !shops.includes(ctx.kdtId)) {
      // Acknowledged, so Youzan stops resending; the runtime logs why nothing was taken.
      return { response: ack(), rejected: `the push is for kdt_id ${shops.join('/')}, this shop is ${ctx.kdtId}`, items: [] };
    }
  }

  let message: Record<string, unknown> = {};
  if (msg) {
    try {
      const decoded = parsePayloadJson(decodeURIComponent(msg.replace(/\+/g, ' ')));
      if (decoded && typeof decoded === 'object' && !Array.isArray(decoded)) message = decoded as Record<string, unknown>;
    } catch (e) {
      return refuse(400, `msg is not URL-encoded JSON: ${(e as Error).message}`);
    }
  }

  const type = String((whole ? envelope.type : undefined) ?? request.headers['event-type'] ?? envelope.type ?? '');
  const tid = tidOf(message) ?? (whole && typeof envelope.id === 'string' && /^[EC]\d{10,}/.test(envelope.id) ? envelope.id : undefined);
  const messageId = typeof envelope.msg_id === 'string' && envelope.msg_id ? envelope.msg_id : `${type}:${String(envelope.id ?? tid ?? '')}:${String(envelope.version ?? '')}`;

  const items: Item[] = [];
  if (tid && type.startsWith('trade_')) {
    if (whole && REFUND_DONE.has(type)) {
      const lineIds = oidsOf(message.oids);
      const at = typeof message.update_time === 'string' ? beijingToIso(message.update_time) : undefined;
      items.push({ kind: 'after-sale', externalId: tid, type: 'refund', ...(lineIds.length ? { lineIds } : {}), at: at ?? new Date(ctx.now()).toISOString() });
    }
    items.push({ kind: 'fetch', externalId: tid });
  }
  return { response: ack(), messageIds: [messageId], items };
}

/** The order number a decoded msg names: `tid`, or inside a whole `full_order_info`. */
function tidOf(message: Record<string, unknown>): string | undefined {
  const direct = message.tid;
  if (typeof direct === 'string' && direct) return direct;
  const info = message.full_order_info as { order_info?: { tid?: unknown } } | undefined;
  const nested = info?.order_info?.tid;
  return typeof nested === 'string' && nested ? nested : undefined;
}

/** `oids` as sent: a list, or one id / comma-separated ids in a string. */
function oidsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value === 'string' || typeof value === 'number') return String(value).split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

function ack(): PushResult['response'] {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: ACK };
}

function refuse(status: number, reason: string): PushResult {
  return { response: { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: status, msg: reason }) }, rejected: reason, items: [] };
}
