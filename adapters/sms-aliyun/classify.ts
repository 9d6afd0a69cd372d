/**
 * Aliyun SMS replies → outcomes. SendSms answers JSON `{"Message","RequestId","Code","BizId"}`:
 * HTTP 200 with `Code: "OK"` when accepted, HTTP 200 with an `isv.*` / `isp.*` code when the SMS
 * platform refuses, and a 4xx/5xx with the API gateway's code (`SignatureDoesNotMatch`,
 * `InvalidAccessKeyId.NotFound`, `Throttling.User` …) when the call never reached it.
 *
 * | Code | outcome |
 * |---|---|
 * | OK | delivered (BizId kept) |
 * | isv.BUSINESS_LIMIT_CONTROL | retry after the window its message names (分钟级 1 min, 小时级 1 h, 天级 24 h); the phone's limit, so the target is not paused |
 * | isv.DAY_LIMIT_CONTROL | retry at the next Beijing midnight, whole target paused (the account's daily total) |
 * | Throttling, Throttling.* | retry in 1 s, whole target paused (the account's QPS) |
 * | isp.SYSTEM_ERROR, InternalError, ServiceUnavailable*, HTTP 5xx | retry |
 * | SignatureNonceUsed | unknown: this very call already reached Aliyun once |
 * | isv.MOBILE_NUMBER_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS, isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL, isv.DENY_IP_RANGE, InvalidAccessKeyId.NotFound, SignatureDoesNotMatch … (table below) and any other code | failed, code and message verbatim |
 *
 * A 2xx whose body is not Aliyun's JSON is `unknown`: the SMS may have gone out.
 */
import type { SendOutcome } from '../../core/outbox/types.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;
/** A flow-control message we cannot read: wait as long as the shortest documented window. */
export const UNREAD_LIMIT_MS = MINUTE_MS;
export const THROTTLE_MS = 1_000;

type Rule = { outcome: 'retry'; pauseTarget?: boolean } | { outcome: 'failed' } | { outcome: 'unknown' };

/** What each documented code means and what becomes of it (messages as Aliyun's docs word them). */
export const ALIYUN_CODES: Record<string, Rule & { meaning: string }> = {
  'isv.BUSINESS_LIMIT_CONTROL': { outcome: 'retry', meaning: '触发云通信流控限制 (per phone: 1/min, 5/h, 10/day for codes; 50/day per template for notices)' },
  'isv.DAY_LIMIT_CONTROL': { outcome: 'retry', pauseTarget: true, meaning: '触发日发送限额 (the account daily total set in the console)' },
  'isp.SYSTEM_ERROR': { outcome: 'retry', meaning: '系统错误' },
  InternalError: { outcome: 'retry', meaning: 'The request processing has failed due to some unknown error.' },
  ServiceUnavailable: { outcome: 'retry', meaning: 'The request has failed due to a temporary failure of the server.' },
  ServiceUnavailableTemporary: { outcome: 'retry', meaning: 'Service temporarily unavailable.' },
  SignatureNonceUsed: { outcome: 'unknown', meaning: 'Specified signature nonce was used already.' },
  'isv.MOBILE_NUMBER_ILLEGAL': { outcome: 'failed', meaning: '非法手机号' },
  'isv.MOBILE_COUNT_OVER_LIMIT': { outcome: 'failed', meaning: '手机号码数量超过限制' },
  'isv.TEMPLATE_MISSING_PARAMETERS': { outcome: 'failed', meaning: '模板变量缺少对应参数值' },
  'isv.TEMPLATE_PARAMS_ILLEGAL': { outcome: 'failed', meaning: '模板变量里包含非法关键字' },
  'isv.INVALID_JSON_PARAM': { outcome: 'failed', meaning: 'JSON参数不合法，只接受字符串值' },
  'isv.INVALID_PARAMETERS': { outcome: 'failed', meaning: '参数异常' },
  'isv.PARAM_LENGTH_LIMIT': { outcome: 'failed', meaning: '参数超出长度限制' },
  'isv.PARAM_NOT_SUPPORT_URL': { outcome: 'failed', meaning: '不支持URL' },
  'isv.BLACK_KEY_CONTROL_LIMIT': { outcome: 'failed', meaning: '黑名单管控' },
  'isv.SMS_TEMPLATE_ILLEGAL': { outcome: 'failed', meaning: '该账号下找不到对应模板' },
  'isv.SMS_SIGNATURE_ILLEGAL': { outcome: 'failed', meaning: '该账号下找不到对应签名' },
  'isv.SMS_SIGN_ILLEGAL': { outcome: 'failed', meaning: '签名禁止使用' },
  'isv.SIGN_STATE_ILLEGAL': { outcome: 'failed', meaning: '签名状态为“不可用”' },
  'isv.SMS_SIGNATURE_SCENE_ILLEGAL': { outcome: 'failed', meaning: '签名和模板类型不一致' },
  'isv.SMS_CONTENT_ILLEGAL': { outcome: 'failed', meaning: '短信内容包含禁止发送内容' },
  'isv.DOMESTIC_NUMBER_NOT_SUPPORTED': { outcome: 'failed', meaning: '国际/港澳台消息模板不支持发送境内号码' },
  'isv.EXTEND_CODE_ERROR': { outcome: 'failed', meaning: '扩展码使用错误，相同的扩展码不可用于多个签名' },
  'isv.DENY_IP_RANGE': { outcome: 'failed', meaning: 'IP地址所在的地区被禁用' },
  'isv.MONTH_LIMIT_CONTROL': { outcome: 'failed', meaning: '触发月发送限额 (raise it in the console, then replay)' },
  'isv.AMOUNT_NOT_ENOUGH': { outcome: 'failed', meaning: '账户余额不足' },
  'isv.OUT_OF_SERVICE': { outcome: 'failed', meaning: '业务停机 (余额不足)' },
  'isv.PRODUCT_UN_SUBSCRIPT': { outcome: 'failed', meaning: '未开通云通信产品的阿里云客户' },
  'isv.PRODUCT_UNSUBSCRIBE': { outcome: 'failed', meaning: '产品未开通' },
  'isv.ACCOUNT_NOT_EXISTS': { outcome: 'failed', meaning: '账户不存在' },
  'isv.ACCOUNT_ABNORMAL': { outcome: 'failed', meaning: '账户异常' },
  'isp.RAM_PERMISSION_DENY': { outcome: 'failed', meaning: 'RAM权限不足' },
  'Forbidden.RAM': { outcome: 'failed', meaning: 'User not authorized to operate on the specified resource.' },
  'InvalidAccessKeyId.NotFound': { outcome: 'failed', meaning: 'Specified access key is not found.' },
  'InvalidAccessKeyId.Inactive': { outcome: 'failed', meaning: 'Specified access key is disabled.' },
  SignatureDoesNotMatch: { outcome: 'failed', meaning: 'Specified signature is not matched with our calculation.' },
  'InvalidTimeStamp.Expired': { outcome: 'failed', meaning: 'Specified time stamp or date value is expired.' },
  'InvalidTimeStamp.Format': { outcome: 'failed', meaning: 'Specified time stamp or date value is not well formatted.' },
  MissingParameter: { outcome: 'failed', meaning: 'a required parameter is missing' },
};

export interface AliyunReply {
  status: number;
  headers: Headers;
  body: string;
}

/** Aliyun's JSON reply, when the body is one. */
export interface AliyunBody {
  Code: string;
  Message?: string;
  RequestId?: string;
  BizId?: string;
  [key: string]: unknown;
}

/**
 * @example
 * classifySendSms({ status: 200, headers: new Headers(), body: '{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发分钟级流控Permits:1","RequestId":"…"}' }, Date.now())
 * // { outcome: 'retry', reason: 'isv.BUSINESS_LIMIT_CONTROL 触发分钟级流控Permits:1', afterMs: 60000, response: { … } }
 */
export function classifySendSms(reply: AliyunReply, now: number): SendOutcome {
  const parsed = parseAliyunBody(reply.body);
  const response = parsed ?? { status: reply.status, body: reply.body.slice(0, 500) };
  if (!parsed) return classifyStatus(reply, now, response);
  const code = parsed.Code;
  const message = parsed.Message ?? ALIYUN_CODES[code]?.meaning ?? '';
  const reason = `${code} ${message}`.trim();
  if (code === 'OK') {
    return reply.status >= 200 && reply.status < 300 ? { outcome: 'delivered', response } : classifyStatus(reply, now, response);
  }
  if (code === 'isv.BUSINESS_LIMIT_CONTROL') return { outcome: 'retry', reason, afterMs: flowControlWaitMs(message), response };
  if (code === 'isv.DAY_LIMIT_CONTROL') return { outcome: 'retry', reason, afterMs: untilBeijingMidnight(now), pauseTarget: true, response };
  if (/^Throttling(\.|$)/.test(code)) return { outcome: 'retry', reason, afterMs: retryAfterMs(reply.headers.get('retry-after'), now) ?? THROTTLE_MS, pauseTarget: true, response };
  const rule = ALIYUN_CODES[code];
  if (rule?.outcome === 'retry') return { outcome: 'retry', reason, ...withRetryAfter(reply, now), response };
  if (rule?.outcome === 'unknown') return { outcome: 'unknown', reason: `${reason}: the same signed call reached Aliyun before, the SMS may have gone out` };
  // An unlisted code on a 5xx is the platform failing, not a verdict on the message.
  if (!rule && reply.status >= 500) return { outcome: 'retry', reason, ...withRetryAfter(reply, now), response };
  return { outcome: 'failed', code, reason: message || 'rejected', response };
}

/**
 * The wait an `isv.BUSINESS_LIMIT_CONTROL` message names: 触发分钟级流控 (minute), 触发小时级流控
 * (hour), 触发天级流控 / 触发号码天级流控 (day, counted over the last 24 hours).
 *
 * @example
 * flowControlWaitMs('触发小时级流控Permits:5') // 3600000
 */
export function flowControlWaitMs(message: string): number {
  if (/分钟级|minute/i.test(message)) return MINUTE_MS;
  if (/小时级|hour/i.test(message)) return HOUR_MS;
  if (/天级|日级|day/i.test(message)) return DAY_MS;
  return UNREAD_LIMIT_MS;
}

/** Milliseconds to the next midnight in Beijing (UTC+8), where the daily total restarts. */
export function untilBeijingMidnight(now: number): number {
  const offset = 8 * HOUR_MS;
  const local = now + offset;
  return Math.floor(local / DAY_MS) * DAY_MS + DAY_MS - local;
}

function withRetryAfter(reply: AliyunReply, now: number): { afterMs?: number } {
  const afterMs = retryAfterMs(reply.headers.get('retry-after'), now);
  return afterMs !== undefined ? { afterMs } : {};
}

/** What the HTTP status says when the body is not Aliyun's JSON. */
function classifyStatus(reply: AliyunReply, now: number, response: unknown): SendOutcome {
  const { status } = reply;
  if (status === 429) return { outcome: 'retry', reason: 'HTTP 429', afterMs: retryAfterMs(reply.headers.get('retry-after'), now) ?? THROTTLE_MS, pauseTarget: true, response };
  if (status === 408 || status >= 500) return { outcome: 'retry', reason: `HTTP ${status}`, ...withRetryAfter(reply, now), response };
  if (status >= 200 && status < 300) return { outcome: 'unknown', reason: `HTTP ${status} without Aliyun's reply: the SMS may have gone out` };
  return { outcome: 'failed', code: `HTTP ${status}`, reason: reply.body.slice(0, 200) || `HTTP ${status}`, response };
}

/** Network codes that mean the request never reached Aliyun, so sending again cannot double it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * A fetch that threw. Failures before the request left are retried; a timeout or a connection
 * lost mid-call is `unknown` (SendSms has no idempotency: the engine asks `lookup` first).
 */
export function classifyFailure(error: unknown): SendOutcome {
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  const message = e?.cause?.message ?? e?.message ?? String(error);
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { outcome: 'unknown', reason: `no reply in time: the SMS may have gone out (${e.message ?? e.name})` };
  const code = e?.code ?? e?.cause?.code ?? e?.cause?.errors?.[0]?.code;
  if (code && NOT_SENT.has(code)) return { outcome: 'retry', reason: `network: ${code} (${message})` };
  if (e?.name === 'TypeError' && /parse URL|Invalid URL/i.test(e.message ?? '')) return { outcome: 'failed', code: 'config', reason: e.message ?? 'invalid URL' };
  return { outcome: 'unknown', reason: `the connection failed during the call: ${message}` };
}

export function parseAliyunBody(body: string): AliyunBody | null {
  try {
    const value = JSON.parse(body) as Record<string, unknown>;
    if (value && typeof value === 'object' && typeof value.Code === 'string') return value as AliyunBody;
  } catch {
    // Not Aliyun's JSON (a proxy's page, an empty body).
  }
  return null;
}
