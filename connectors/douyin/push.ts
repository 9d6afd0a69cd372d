/**
 * Doudian message push (消息推送): verify, parse, answer.
 *
 *     POST <your url>
 *     app-id: <app_key>
 *     event-sign: md5(app_key + body + app_secret)        lower-case hex
 *
 *     [{"tag":"101","msg_id":"7386611249830953216","data":"{\"p_id\":6930622047781904356,\"s_ids\":[…],…}"}]
 *
 * The body is a JSON array of messages (official Go SDK message sample `message/doudian_message.go`:
 * `Message{Tag string "tag"; MsgID string "msg_id"; Data string "data"}`); `data` is JSON text
 * holding the event. Some samples write `msgId`, a numeric tag or `data` as an object: all are
 * taken. `p_id` (the shop order id) is a 19-digit number in most samples, so `data` is read
 * without rounding. The answer the platform waits for is HTTP 200 `{"code":0,"msg":"success"}`;
 * anything else makes it push again.
 *
 * What a message becomes:
 * - order tags (100 created, 101 paid, 102 shipped, 103 completed, 104 logistics changed,
 *   105 address changed, 108 partly shipped, 109 amount changed, 110 paid pending, 111 address
 *   change applied, 112, 113 seller remark, 126 promised ship time changed) → `fetch` p_id: the
 *   order is read again (order.orderDetail), the message is only a nudge;
 * - 106 cancelled → `after-sale` cancel of p_id at cancel_time;
 * - 206 refund succeeded → `after-sale` refund of s_id (a sku order = a line) at success_time;
 * - the other after-sale tags (200 applied, 201 agreed, 202–205, 207 closed, 208–227) → `fetch`
 *   p_id, since only a finished refund moves money and the order's after_sale_info says where the
 *   request stands;
 * - product and other tags → nothing (their msg_id is still acknowledged).
 *
 * Replays: a push carries no timestamp to judge age by; every msg_id comes back in `messageIds`
 * and the runtime drops ids it has seen.
 */
import type { PushRequest, PushResult } from '../../core/connector/types.ts';
import { parsePayloadJson } from '../../core/payload/json.ts';
import { safeEqual, signDoudianPush, signDoudianPushHmac } from './sign.ts';

export const SUCCESS_BODY = '{"code":0,"msg":"success"}';

const ORDER_TAGS = new Set(['100', '101', '102', '103', '104', '105', '108', '109', '110', '111', '112', '113', '126']);
const CANCEL_TAG = '106';
const REFUND_SUCCESS_TAG = '206';
const isAfterSaleTag = (tag: string) => /^2\d\d$/.test(tag);

type Item = PushResult['items'][number];

export async function receivePush(request: PushRequest, appKey: string, appSecret: string, now: () => number = Date.now): Promise<PushResult> {
  const reject = (status: number, why: string): PushResult => ({ response: { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 1, msg: why }) }, rejected: why, items: [] });
  if (request.method.toUpperCase() !== 'POST') return reject(405, `method ${request.method} is not POST`);
  const appId = request.headers['app-id'] ?? request.headers['app_id'] ?? '';
  if (appId && appId !== appKey) return reject(401, `app-id ${appId} is not this shop's app`);
  const given = (request.headers['event-sign'] ?? '').trim().toLowerCase();
  if (!given) return reject(401, 'no event-sign header');
  const method = (request.headers['sign-method'] ?? request.headers['sign_method'] ?? 'md5').toLowerCase();
  const expected = method === 'hmac-sha256' ? await signDoudianPushHmac({ app_key: appKey, body: request.body }, appSecret) : signDoudianPush({ app_key: appKey, body: request.body }, appSecret).sign;
  if (!safeEqual(given, expected)) return reject(401, 'event-sign does not match the body');

  let messages: unknown;
  try {
    messages = parsePayloadJson(request.body);
  } catch (e) {
    return reject(400, `the body is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(messages)) messages = [messages];
  const items: Item[] = [];
  const messageIds: string[] = [];
  for (const raw of messages as unknown[]) {
    if (!raw || typeof raw !== 'object') continue;
    const message = raw as Record<string, unknown>;
    const tag = String(message.tag ?? '');
    const msgId = message.msg_id ?? message.msgId ?? message.msgid;
    if (msgId !== undefined && msgId !== null && msgId !== '') messageIds.push(String(msgId));
    let data: Record<string, unknown> = {};
    try {
      const parsed = typeof message.data === 'string' ? (message.data ? parsePayloadJson(message.data) : {}) : message.data;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
    } catch {
      // A message whose data cannot be read still names nothing to fetch; the poll is the backstop.
      continue;
    }
    const item = itemOf(tag, data, now);
    if (item) items.push(item);
  }
  return { response: { status: 200, headers: { 'content-type': 'application/json' }, body: SUCCESS_BODY }, ...(messageIds.length ? { messageIds } : {}), items };
}

function itemOf(tag: string, data: Record<string, unknown>, now: () => number): Item | null {
  const pId = idText(data.p_id ?? data.pid ?? data.order_id);
  if (!pId) return null;
  if (tag === CANCEL_TAG) return { kind: 'after-sale', externalId: pId, type: 'cancel', at: isoOf(data.cancel_time ?? data.update_time, now) };
  if (tag === REFUND_SUCCESS_TAG) {
    const sId = idText(data.s_id);
    return { kind: 'after-sale', externalId: pId, type: 'refund', ...(sId ? { lineIds: [sId] } : {}), at: isoOf(data.success_time ?? data.update_time, now) };
  }
  if (ORDER_TAGS.has(tag) || isAfterSaleTag(tag)) return { kind: 'fetch', externalId: pId };
  return null;
}

function idText(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return value.trim();
  return '';
}

/** Epoch seconds (or a date text) → ISO-8601 in Beijing time; now when absent. */
function isoOf(value: unknown, now: () => number): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  const ms = Number.isFinite(n) && n > 0 ? (n > 1e12 ? n : n * 1000) : typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? Date.parse(value) : now();
  return new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00').replace(/\.\d{3}\+/, '+');
}
