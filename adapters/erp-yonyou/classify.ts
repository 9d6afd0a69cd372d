/**
 * What an open-API answer means for a delivery. Every answer is JSON `{code, message, data}`
 * with `code` a string; gateway refusals come with HTTP 200 too.
 *
 * | code | meaning | verdict |
 * |---|---|---|
 * | 200 | done | ok |
 * | 100004, 10004 | the resubmitCheckKey was seen: the first result (or its id) comes back | ok (duplicate) |
 * | 202, 310504 | still processing / gateway timeout: the same key may be sent again | retry in 5 s |
 * | 310036, 310001 | 非法token / token missing | token: a new one, then retry |
 * | 310032, 310039, 310042, 310046 | rate limited (system, app, product, API) | retry in a minute, whole target |
 * | 310037, 310404 | API not authorised for the app / not on the gateway | failed |
 * | anything else (999 服务端逻辑异常, 1002 数据不存在, business messages) | | failed, with Yonyou's code and message |
 *
 * A refusal whose message says the document's business id or key already exists (重复/已存在)
 * also counts as the earlier attempt's success: addVoucher checks `businessId` for idempotency
 * but its docs do not give the answer to a repeat.
 *
 * Sources: the return-code table of the YonBIP open platform (开放平台返回码) and the API pages
 * of voucherorder/singleSave and voucher/addVoucher on open.yonyoucloud.com; Yonyou's guide
 * 生态开发事务一致性 (resubmitCheckKey: a repeat within an hour returns the first result).
 */
import { truncate } from '../../core/outbox/http-answer.ts';

export type Verdict =
  | { kind: 'ok'; data: unknown; duplicate?: boolean; body: unknown }
  | { kind: 'token'; reason: string; body: unknown }
  | { kind: 'retry'; reason: string; afterMs: number; pauseTarget?: boolean; body?: unknown }
  | { kind: 'failed'; code: string; reason: string; body?: unknown };

export const PROCESSING_RETRY_MS = 5_000;
export const THROTTLED_MS = 60_000;
const DUPLICATE_CODES = new Set(['100004', '10004']);
const PROCESSING_CODES = new Set(['202', '310504']);
const TOKEN_CODES = new Set(['310036', '310001']);
const THROTTLE_CODES = new Set(['310032', '310039', '310042', '310046']);
const ALREADY_THERE = /(businessId|resubmitCheckKey|业务(唯一)?标识|幂等).*(重复|已存在)|(重复|已存在).*(businessId|resubmitCheckKey|业务(唯一)?标识)/i;

export function classifyAnswer(answer: { status: number; text: string }): Verdict {
  if (answer.status === 429) return { kind: 'retry', reason: `Yonyou answered HTTP 429 ${truncate(answer.text)}`.trim(), afterMs: THROTTLED_MS, pauseTarget: true };
  if (answer.status >= 500) return { kind: 'retry', reason: `Yonyou answered HTTP ${answer.status} ${truncate(answer.text)}`.trim(), afterMs: PROCESSING_RETRY_MS };
  let body: { code?: unknown; message?: unknown; data?: unknown };
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return answer.status >= 200 && answer.status < 300
      ? { kind: 'retry', reason: `Yonyou answered HTTP ${answer.status} with something that is not JSON: ${truncate(answer.text)}`, afterMs: PROCESSING_RETRY_MS }
      : { kind: 'failed', code: `http-${answer.status}`, reason: `Yonyou answered HTTP ${answer.status} ${truncate(answer.text)}`.trim() };
  }
  const code = String(body?.code ?? '');
  const message = typeof body?.message === 'string' ? body.message : '';
  const reason = `Yonyou ${code || `HTTP ${answer.status}`}: ${message}`.trim();
  if (code === '200') return { kind: 'ok', data: body.data, body };
  if (DUPLICATE_CODES.has(code) || ALREADY_THERE.test(message)) return { kind: 'ok', data: body.data, duplicate: true, body };
  if (PROCESSING_CODES.has(code)) return { kind: 'retry', reason, afterMs: PROCESSING_RETRY_MS, body };
  if (TOKEN_CODES.has(code)) return { kind: 'token', reason, body };
  if (THROTTLE_CODES.has(code)) return { kind: 'retry', reason, afterMs: THROTTLED_MS, pauseTarget: true, body };
  return { kind: 'failed', code: code || `http-${answer.status}`, reason, body };
}
