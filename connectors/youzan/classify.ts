/**
 * What a Youzan Cloud API answer means. Youzan answers almost everything with HTTP 200 and puts
 * the verdict in the body, in one of three shapes:
 *
 * - gateway errors: `{"gw_err_resp":{"trace_id":"yz7-…","err_code":4203,"err_msg":"Token 不存在"}}`
 *   (no top-level code/success);
 * - 4.x business answers: `{"trace_id":…,"code":200,"success":true,"message":"successful","data":{…}}`,
 *   and errors in the same envelope: `{"code":106000001,"success":false,"message":"每次可搜索一年订单记录,请重新选择起止时间","data":{…}}`;
 * - 3.x answers: `{"response":{…}}` / `{"error_response":{"code":…,"msg":…}}`.
 *
 * Gateway codes (doc.youzanyun.com global error page resource/doc/3027, and a no-credential probe
 * of the live gateway, 2026-09-11): 4001 bad path, 4004 body not JSON, 4005 no such API/version,
 * 4007 method/content type refused or caller IP not whitelisted, 4101 请求太频繁 (throttled),
 * 4201 非法的请求凭证 (no token / authorisation gone), 4202 请求凭证过期, 4203 请求凭证不存在
 * ("Token 不存在"), 4204 no permission for the API, 5001 system error (mostly a parameter of the
 * wrong type), 5002 business error, 5003 plugin error. Throttling also comes from services as
 * 500100004 / 123000042 "请求被限流" and 141500203 "api rate limiting" (doc 限流 page
 * resource/develop-guide/27027/41693).
 *
 * Business codes are reused with different meanings (106000001 is documented as a timeout and is
 * seen live as "每次可搜索一年订单记录"), so a business error is retried only when its message says
 * "later" (timeout, busy, throttled); everything else fails with Youzan's code and message verbatim.
 *
 * @example
 * classifyAnswer({ status: 200, text: '{"gw_err_resp":{"err_code":4101,"err_msg":"请求太频繁"}}' })
 * // { kind: 'retry', code: '4101', reason: 'Youzan 4101: 请求太频繁', afterMs: 3000, body: … }
 */
import { parsePayloadJson } from '../../core/payload/json.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter?: string | null;
}

export type Verdict =
  | { kind: 'ok'; data: Record<string, unknown>; body: unknown }
  /** The access token was refused: drop it, a fresh one is fetched on the next call. */
  | { kind: 'token'; code: string; reason: string; body: unknown }
  /** `pauseTarget`: the app is throttled, not just this call: every call of the app waits. */
  | { kind: 'retry'; reason: string; code?: string; afterMs?: number; pauseTarget?: boolean; body?: unknown }
  | { kind: 'failed'; code: string; reason: string; body?: unknown };

/** 非法的请求凭证 / 请求凭证过期 / 请求凭证不存在. */
export const TOKEN_CODES = new Set(['4201', '4202', '4203']);
/** Gateway 4101 and the services' "请求被限流" codes. */
export const THROTTLE_CODES = new Set(['4101', '500100004', '123000042', '141500203']);
/** The first step of Youzan's documented back-off after throttling (3 s, 6 s, 12 s, 24 s, 48 s). */
export const THROTTLED_MS = 3_000;

/** Messages that say "later" rather than "no". */
const TRANSIENT = /超时|timeout|timed out|繁忙|稍后|busy|限流|频繁|rate limit/i;

export function classifyAnswer(answer: HttpAnswer): Verdict {
  if (answer.status === 429) {
    return { kind: 'retry', code: 'http_429', reason: 'Youzan answered HTTP 429', afterMs: retryAfterMs(answer.retryAfter) ?? THROTTLED_MS, pauseTarget: true };
  }
  if (answer.status >= 500) return { kind: 'retry', code: `http_${answer.status}`, reason: `Youzan answered HTTP ${answer.status}: ${truncate(answer.text)}` };
  if (answer.status < 200 || answer.status >= 300) {
    return { kind: 'failed', code: `http_${answer.status}`, reason: `Youzan answered HTTP ${answer.status} (check baseUrl): ${truncate(answer.text)}` };
  }
  let body: unknown;
  try {
    body = parsePayloadJson(answer.text);
  } catch {
    // A gateway or proxy page instead of Youzan's JSON: nothing said no, so try again later.
    return { kind: 'retry', reason: `Youzan answered HTTP ${answer.status} with something that is not JSON: ${truncate(answer.text)}` };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { kind: 'retry', reason: `Youzan answered an unexpected body: ${truncate(answer.text)}`, body };
  const envelope = body as Record<string, unknown>;

  const gateway = objectAt(envelope, 'gw_err_resp');
  if (gateway) return errorVerdict(String(gateway.err_code ?? ''), String(gateway.err_msg ?? gateway.err_message ?? ''), body, true);

  const legacyError = objectAt(envelope, 'error_response');
  if (legacyError) return errorVerdict(String(legacyError.code ?? ''), String(legacyError.msg ?? legacyError.message ?? ''), body, false);
  const legacy = objectAt(envelope, 'response');
  if (legacy && envelope.success === undefined) return okOrRefused(legacy, body);

  const success = envelope.success === true || envelope.success === 'true';
  const code = envelope.code === undefined || envelope.code === null ? '' : String(envelope.code);
  if (success && (code === '' || code === '200')) return okOrRefused(objectAt(envelope, 'data') ?? {}, body);
  if (!success && code === '' && envelope.success === undefined) return { kind: 'retry', reason: `Youzan answered without success or code: ${truncate(answer.text)}`, body };
  return errorVerdict(code || 'unknown', String(envelope.message ?? envelope.msg ?? ''), body, false);
}

function okOrRefused(data: Record<string, unknown>, body: unknown): Verdict {
  // Some write APIs answer success with `is_success: false` inside.
  if (data.is_success === false || data.is_success === 'false') return { kind: 'failed', code: 'is_success_false', reason: 'Youzan answered success with is_success false', body };
  return { kind: 'ok', data, body };
}

function errorVerdict(code: string, message: string, body: unknown, gateway: boolean): Verdict {
  const reason = `Youzan ${code}: ${message}`.trim();
  if (gateway && TOKEN_CODES.has(code)) return { kind: 'token', code, reason, body };
  if (THROTTLE_CODES.has(code)) return { kind: 'retry', code, reason, afterMs: THROTTLED_MS, pauseTarget: true, body };
  if (TRANSIENT.test(message)) return { kind: 'retry', code, reason, ...(/限流|频繁|rate limit/i.test(message) ? { afterMs: THROTTLED_MS, pauseTarget: true } : {}), body };
  return { kind: 'failed', code, reason, body };
}

function objectAt(record: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = record[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function truncate(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
