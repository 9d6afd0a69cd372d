/**
 * What a TOP gateway answer means. TOP answers business errors with HTTP 200 and
 * `{"error_response":{"code":…,"msg":…,"sub_code":…,"sub_msg":…,"request_id":…}}`; success is
 * `{"<method minus taobao., dots as _>_response":{…}}` (or the bare object with simplify=true).
 *
 * The platform error codes (TOP 错误码一览, open.taobao.com docId=114, copied in
 * blog.csdn.net/ye1992/article/details/8616047 and cnblogs.com/Valentina/articles/2696993.html):
 *
 * | code | msg | here |
 * |---|---|---|
 * | 4, 5, 6, 8 | User / Session / Partner Call Limited, App Call Exceeds Limited Frequency | retry |
 * | 7 | App Call Limited — sub_msg "This ban will last for N more seconds" | retry after N s, whole app paused |
 * | 10 | Service Currently Unavailable | retry |
 * | 11, 12, 13 | Insufficient ISV / User / Partner Permissions | failed (permission) |
 * | 15 | Remote Service Error: sub_code `isp.*` = the platform's side, "隔一段时间再重试" | retry |
 * |    | sub_code `isv.*` = the request's fault (isv.trade-not-exist …) | failed |
 * | 25 | Invalid Signature | failed (credential) |
 * | 26, 27 | Missing / Invalid Session — sub_code invalid-sessionkey, session-expired … | failed (credential: the merchant must authorise again) |
 * | 28, 29 | Missing / Invalid App Key | failed (credential) |
 * | 31 | Invalid Timestamp (Beijing time, ±10 min) | failed (clock) |
 * | other | Missing/Invalid Method, Format, Arguments … | failed |
 *
 * @example
 * classifyTop({ status: 200, text: '{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","sub_msg":"This ban will last for 12 more seconds"}}' })
 * // { kind: 'retry', reason: 'TOP 7 App Call Limited (accesscontrol.…: This ban will last for 12 more seconds)', afterMs: 12000, pauseTarget: true, code: 'top_7' }
 */
import { decodeJson } from '../../core/ingest/decode.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';

export interface TopErrorResponse {
  code?: number | string;
  msg?: string;
  sub_code?: string;
  sub_msg?: string;
  request_id?: string;
}

export type TopVerdict =
  /** The response object, unwrapped from its `*_response` root. */
  | { kind: 'ok'; body: Record<string, unknown>; requestId?: string }
  | { kind: 'retry'; reason: string; code: string; afterMs?: number; pauseTarget?: boolean }
  | {
      kind: 'failed';
      reason: string;
      code: string;
      /** The app key, secret or the merchant's session is wrong or expired: someone must act. */
      credential?: boolean;
      /** The object asked for does not exist (isv.trade-not-exist). */
      notFound?: boolean;
    };

/** When a call limit says nothing about how long. */
export const CALL_LIMITED_MS = 60_000;

const BAN = /ban will last(?: for)? (\d+) more seconds?/i;
const CALL_LIMIT_CODES = new Set([4, 5, 6, 7, 8]);
const SESSION_CODES = new Set([26, 27]);
const CREDENTIAL_CODES = new Set([25, 28, 29]);
const PERMISSION_CODES = new Set([11, 12, 13]);

/** "This ban will last for N more seconds" → N seconds in ms. */
export function banMs(text: string | undefined): number | undefined {
  const match = text ? BAN.exec(text) : null;
  return match ? Number(match[1]) * 1000 : undefined;
}

/** The error, verbatim: `TOP 27 Invalid session (invalid-sessionkey: SessionKey非法)`. */
export function describeTopError(e: TopErrorResponse): string {
  const sub = e.sub_code || e.sub_msg ? ` (${[e.sub_code, e.sub_msg].filter(Boolean).join(': ')})` : '';
  return `TOP ${e.code ?? '?'} ${e.msg ?? ''}`.trimEnd() + sub;
}

/** Classifies an `error_response`. */
export function classifyTopError(e: TopErrorResponse): Exclude<TopVerdict, { kind: 'ok' }> {
  const code = Number(e.code);
  const sub = String(e.sub_code ?? '');
  const reason = describeTopError(e);
  const tag = `top_${Number.isFinite(code) ? code : 'error'}${sub ? `:${sub}` : ''}`;
  const ban = banMs(e.sub_msg) ?? banMs(e.msg);
  if (CALL_LIMIT_CODES.has(code) || /call-limited|access-count|limited-by|frequency/i.test(sub) || ban !== undefined) {
    // The ban is the app's (or the session's), not this call's: nothing else gets through either.
    return { kind: 'retry', reason, code: tag, afterMs: ban ?? CALL_LIMITED_MS, pauseTarget: true };
  }
  if (SESSION_CODES.has(code) || /session/i.test(sub)) {
    return { kind: 'failed', reason: `the shop's TOP session is invalid or expired; the merchant must authorise the app again: ${reason}`, code: tag, credential: true };
  }
  if (CREDENTIAL_CODES.has(code)) {
    return { kind: 'failed', reason: `check the app key and secret (and sign_method): ${reason}`, code: tag, credential: true };
  }
  if (PERMISSION_CODES.has(code)) {
    return { kind: 'failed', reason: `the app lacks the permission for this API: ${reason}`, code: tag, credential: true };
  }
  if (code === 31) return { kind: 'failed', reason: `TOP refused the timestamp; the clock must be right and the time sent in Beijing time: ${reason}`, code: tag };
  if (code === 10 || sub.startsWith('isp.')) return { kind: 'retry', reason, code: tag };
  if (/not-exist|not-found/i.test(sub)) return { kind: 'failed', reason, code: tag, notFound: true };
  return { kind: 'failed', reason, code: tag };
}

/** The whole answer: HTTP status first, then the body. */
export function classifyTop(answer: { status: number; text: string; retryAfter?: string | null }, now = Date.now()): TopVerdict {
  const { status, text } = answer;
  if (status === 429) return { kind: 'retry', reason: `HTTP 429 from the TOP gateway`, code: 'http_429', afterMs: retryAfterMs(answer.retryAfter, now) ?? CALL_LIMITED_MS, pauseTarget: true };
  if (status >= 500) {
    const afterMs = retryAfterMs(answer.retryAfter, now);
    return { kind: 'retry', reason: `HTTP ${status} from the TOP gateway`, code: `http_${status}`, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  if (status < 200 || status >= 300) {
    return { kind: 'failed', reason: `HTTP ${status} from the TOP gateway${status === 404 ? ' (check baseUrl: the gateway is …/router/rest)' : ''}`, code: `http_${status}` };
  }
  let body: unknown;
  try {
    // 19-digit tids and oids must keep every digit: the exact reader turns them into strings.
    body = decodeJson(text)[0];
  } catch {
    // A gateway in trouble answers HTML; TOP itself always answers JSON when asked for it.
    return { kind: 'retry', reason: `the TOP gateway answered something that is not JSON: ${truncate(text)}`, code: 'not_json' };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { kind: 'failed', reason: `unexpected TOP answer: ${truncate(text)}`, code: 'unexpected' };
  const root = body as Record<string, unknown>;
  if (root.error_response && typeof root.error_response === 'object') return classifyTopError(root.error_response as TopErrorResponse);
  const keys = Object.keys(root);
  const inner = keys.length === 1 && keys[0]!.endsWith('_response') ? root[keys[0]!] : root;
  if (!inner || typeof inner !== 'object') return { kind: 'failed', reason: `unexpected TOP answer: ${truncate(text)}`, code: 'unexpected' };
  const requestId = (inner as { request_id?: unknown }).request_id;
  return { kind: 'ok', body: inner as Record<string, unknown>, ...(typeof requestId === 'string' ? { requestId } : {}) };
}

function truncate(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
