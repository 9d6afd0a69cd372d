/**
 * TMC (消息服务) messages, arriving over HTTP from a relay.
 *
 * TMC has no webhook. Its documented ways to receive are the SDK's long-lived WebSocket
 * (`TmcClient`, ws://mc.api.taobao.com/) and polling the API (`taobao.tmc.messages.consume`
 * then `taobao.tmc.messages.confirm`) — "接收消息的实现方式有两种：SDK方式，API方式"
 * (open.alitrip.com/docs/doc.htm?articleId=105035; the same in the Taobao doc "消息服务使用介绍").
 * Neither can run inside a request handler or a Worker, so a small relay holds the
 * connection (or the consume loop) and POSTs what it gets to the hub, confirming a message to
 * TMC only after the hub answered 200 (TMC redelivers what is not confirmed).
 *
 * The relay's POST follows the one documented shape in which TOP itself calls an app over
 * HTTP, the SPI request (official SDK `SpiUtils.checkSign`):
 *
 *   POST <hub push URL>?app_key=…&timestamp=yyyy-MM-dd HH:mm:ss&sign_method=md5&sign=…
 *   content-type: application/json
 *   (optional) top-sign-list: header names that are signed too
 *
 *   sign = HEX_UPPER(md5(secret + sorted(name+value of the query parameters except sign, and
 *          of the headers named in top-sign-list) + body + secret))
 *
 * Every query parameter counts, an empty one as its bare name (SpiUtils does not drop empty
 * values). `sign_method=hmac` or `hmac-sha256` select TOP's other digests (our extension; TOP's
 * SPI only signs md5). The timestamp must be within `toleranceMinutes` (default 10, TOP's own
 * gateway skew) of now, so a captured request cannot be replayed later; within that window the
 * TMC message ids let the runtime drop a repeat.
 *
 * The body is what `taobao.tmc.messages.consume` returns, as it came — the whole response, its
 * `messages` (`{tmc_message: [...]}` or, with simplify, an array), or one message:
 * `{id, topic, user_id, user_nick, pub_app_key, pub_time, content}`, `content` being the
 * message's JSON text. Trade and refund messages carry ids only (tid, oid, refund_id …), so
 * each becomes a `fetch` of its trade; `taobao_refund_RefundSuccess` is also an `after-sale`
 * refund of the line it names.
 *
 * The hub answers 200 `{"success":true}` when it has the messages, 401 when the signature or
 * timestamp is wrong, 400 when the body is not TMC messages.
 */
import type { PushRequest, PushResult } from '../../core/connector/types.ts';
import { decodeJson } from '../../core/ingest/decode.ts';
import { listOf } from './pull.ts';
import { beijingToIso, parseBeijingTime, sameSignature, signMethodOf, signTop } from './sign.ts';

export interface PushOptions {
  appKey: string;
  /** The secret the relay signs with: the app secret, or a relay secret of its own. */
  secrets: string[];
  toleranceMinutes?: number;
  now: () => number;
}

export interface TmcMessage {
  id: string;
  topic: string;
  content: Record<string, unknown>;
  pubTime?: string;
  userNick?: string;
}

type Item = PushResult['items'][number];

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' };

function answer(status: number, body: Record<string, unknown>, rejected?: string): PushResult {
  return { response: { status, headers: JSON_HEADERS, body: JSON.stringify(body) }, ...(rejected ? { rejected } : {}), items: [] };
}

/** The SPI signature check: query parameters, headers named in top-sign-list, then the body. */
export async function verifyRelayRequest(request: PushRequest, options: PushOptions): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { sign, ...query } = request.query;
  if (!sign) return { ok: false, reason: 'no sign in the query string' };
  const timestamp = query.timestamp;
  if (!timestamp) return { ok: false, reason: 'no timestamp in the query string' };
  const at = parseBeijingTime(timestamp);
  if (Number.isNaN(at)) return { ok: false, reason: `timestamp "${timestamp}" is not yyyy-MM-dd HH:mm:ss` };
  const toleranceMs = (options.toleranceMinutes ?? 10) * 60_000;
  if (Math.abs(options.now() - at) > toleranceMs) return { ok: false, reason: `stale: timestamp ${timestamp} (Beijing) is more than ${options.toleranceMinutes ?? 10} minutes from now` };
  if (query.app_key !== undefined && query.app_key !== options.appKey) return { ok: false, reason: `app_key ${query.app_key} is not this shop's app` };
  const method = signMethodOf(query);
  if (!method) return { ok: false, reason: `unknown sign_method "${query.sign_method}"` };
  const params: Record<string, string> = { ...query };
  // SpiUtils.getHeaderMap: each header named in top-sign-list, by the name as listed, its value URL-decoded.
  for (const name of (request.headers['top-sign-list'] ?? '').split(',').map((n) => n.trim()).filter(Boolean)) {
    params[name] = urlDecode(request.headers[name.toLowerCase()] ?? '');
  }
  for (const secret of options.secrets) {
    const expected = await signTop(params, secret, request.body, { keepEmpty: true, method });
    if (sameSignature(expected.sign, sign)) return { ok: true };
  }
  return { ok: false, reason: 'the sign does not match' };
}

function urlDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** The messages in a relayed body; undefined when it holds none that can be read. */
export function parseTmcMessages(body: string): TmcMessage[] | undefined {
  let root: unknown;
  try {
    // TMC message ids and the tids in the content are int64: read exactly.
    root = decodeJson(body)[0];
  } catch {
    return undefined;
  }
  if (root && typeof root === 'object' && !Array.isArray(root) && 'tmc_messages_consume_response' in root) {
    root = (root as Record<string, unknown>).tmc_messages_consume_response;
  }
  let raw: unknown[];
  if (Array.isArray(root)) raw = root;
  else if (root && typeof root === 'object' && 'messages' in root) raw = listOf((root as { messages: unknown }).messages, 'tmc_message');
  else if (root && typeof root === 'object' && 'topic' in root) raw = [root];
  else return undefined;
  const messages: TmcMessage[] = [];
  for (const m of raw) {
    if (!m || typeof m !== 'object') return undefined;
    const { id, topic, content, pub_time, user_nick } = m as Record<string, unknown>;
    if ((typeof id !== 'string' && typeof id !== 'number') || typeof topic !== 'string') return undefined;
    let parsed: unknown = content;
    if (typeof content === 'string') {
      try {
        parsed = decodeJson(content)[0];
      } catch {
        return undefined;
      }
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    messages.push({
      id: String(id),
      topic,
      content: parsed as Record<string, unknown>,
      ...(typeof pub_time === 'string' ? { pubTime: pub_time } : {}),
      ...(typeof user_nick === 'string' ? { userNick: user_nick } : {}),
    });
  }
  return messages;
}

function idOf(value: unknown): string | undefined {
  return (typeof value === 'string' && /^\d+$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value)) ? String(value) : undefined;
}

/** What a message means for the hub: fetch the trade it names; a finished refund is also news. */
export function itemsOf(message: TmcMessage): Item[] {
  if (!message.topic.startsWith('taobao_trade_') && !message.topic.startsWith('taobao_refund_')) return [];
  const tid = idOf(message.content.tid);
  if (!tid) return [];
  const items: Item[] = [{ kind: 'fetch', externalId: tid }];
  if (message.topic === 'taobao_refund_RefundSuccess') {
    const oid = idOf(message.content.oid);
    const when = typeof message.content.modified === 'string' ? message.content.modified : message.pubTime;
    const at = (when && beijingToIso(when)) ?? undefined;
    if (at) items.push({ kind: 'after-sale', externalId: tid, type: 'refund', ...(oid ? { lineIds: [oid] } : {}), at });
  }
  return items;
}

export async function receiveTmc(request: PushRequest, options: PushOptions): Promise<PushResult> {
  if (request.method.toUpperCase() !== 'POST') return answer(405, { success: false, error: 'POST only' }, `method ${request.method}`);
  const verdict = await verifyRelayRequest(request, options);
  if (!verdict.ok) return answer(401, { success: false, error: verdict.reason }, verdict.reason);
  const messages = parseTmcMessages(request.body);
  if (!messages) return answer(400, { success: false, error: 'the body holds no TMC messages' }, 'malformed: the body holds no TMC messages');
  const items: Item[] = [];
  const fetches = new Set<string>();
  for (const message of messages) {
    for (const item of itemsOf(message)) {
      if (item.kind === 'fetch') {
        if (fetches.has(item.externalId)) continue;
        fetches.add(item.externalId);
      }
      items.push(item);
    }
  }
  return { ...answer(200, { success: true }), messageIds: messages.map((m) => m.id), items };
}
