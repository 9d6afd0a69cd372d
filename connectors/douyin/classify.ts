/**
 * What a Doudian answer means. Every API answers HTTP 200 with the envelope
 *
 *     {"code":10000,"msg":"success","sub_code":"","sub_msg":"","data":{…},"log_id":"2025…"}
 *
 * (official Go SDK `core/doudian_op_api_base_response.go`: log_id, code int64, msg, sub_code,
 * sub_msg). `code` has been seen as the string "10000" too, so both count. Anything but 10000 is
 * an error; the platform's table (平台基础错误码汇总, op.jinritemai.com/docs/guide-docs/212/1427,
 * as copied in tb07/jinritemai `src/Error/ErrorCode.php` and chrisis58/doudian2-spring-boot-starter
 * `ApiResponseConstant.java`):
 *
 * | code  | meaning                       | here |
 * |-------|-------------------------------|------|
 * | 10001 | 请求部分失败                  | failed |
 * | 20000 | 服务不可用 (dop.service-error, isp.service-error:…) | retry |
 * | 20001 | 内部服务超时                  | retry |
 * | 30001 | 操作权限不足 (dop.authorization-no-existed / -closed: the shop revoked the app) | failed, credential |
 * | 30002 | 请求来源IP不可信 (IP whitelist) | failed |
 * | 40001 | 缺少必选参数 (isv.access-token-missing …) | failed (credential for the token) |
 * | 40003 | 非法的参数 (isv.access-token-expired / -no-existed / -invalid, isv.signature-invalid, isv.timestamp-invalid …) | failed; credential for token and signature |
 * | 40004 | 非法的参数（业务校验）        | failed |
 * | 50001 | 平台处理失败 (dop.token-generate-failed:…) | failed |
 * | 50002 | 业务处理失败 (isv.business-failed:…) | failed |
 * | 60000 | 触发限流，请稍后重试          | retry after THROTTLED_MS |
 * | 70000 | 服务已下线 (isp.api-service-off) | failed |
 *
 * A sub_code naming a limit (…limit…, …flow…, 频率/限流 in the message) is throttling whatever
 * the code. HTTP 429 and 5xx are retried; other HTTP errors fail.
 *
 * @example
 * classifyAnswer({ status: 200, text: '{"code":60000,"msg":"触发限流，请稍后重试","sub_code":"","sub_msg":""}' })
 * // { kind: 'retry', reason: 'Doudian 60000 触发限流，请稍后重试', afterMs: 60000, code: '60000' }
 */
import { parsePayloadJson } from '../../core/payload/json.ts';
import { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';
export { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';

export interface Envelope {
  code?: number | string;
  msg?: string;
  sub_code?: string;
  sub_msg?: string;
  data?: unknown;
  log_id?: string;
  /** The legacy (v1) envelope. */
  err_no?: number | string;
  message?: string;
}

export type Verdict =
  | { kind: 'ok'; data: unknown; envelope: Envelope }
  /** `pauseTarget`: the app is throttled, not just this call: every call of the app waits. */
  | { kind: 'retry'; code: string; reason: string; afterMs?: number; pauseTarget?: boolean; envelope?: Envelope }
  /** `credential`: the access token (or the app's key and secret) must be fixed or refreshed. */
  | { kind: 'failed'; code: string; reason: string; credential?: boolean; envelope?: Envelope };

export const SUCCESS = 10000;
/** How long to wait after a throttled call: the platform's windows are per second or minute. */
export const THROTTLED_MS = 60_000;
/** After a 5xx or "service unavailable". */
export const UNAVAILABLE_MS = 10_000;

const CREDENTIAL_SUB_CODES = new Set([
  'isv.access-token-expired',
  'isv.access-token-no-existed',
  'isv.access-token-invalid',
  'isv.access-token-missing',
  'isv.signature-invalid',
  'isv.signature-missing',
  'isv.app-id-invalid',
  'isv.app-id-expired',
  'isv.app-id-missing',
  'isv.authorization-type-invalid',
  'isv.app-permissions-insufficient',
  'dop.authorization-no-existed',
  'dop.authorization-closed',
  'dop.app-forbidden',
]);

const THROTTLE_SUB_CODE = /limit|flow|frequen|qps|throttl/i;
const THROTTLE_TEXT = /限流|频率|频次|过于频繁|太频繁|超过.*(?:上限|限制)/;

/** Parses the text (big numbers kept as digit strings) and classifies it. */
export function classifyAnswer(answer: { status: number; text: string; retryAfter?: string | null }, now: number = Date.now()): Verdict {
  if (answer.status === 429) return { kind: 'retry', code: 'http-429', reason: `Doudian answered HTTP 429 ${truncate(answer.text)}`.trim(), afterMs: retryAfterMs(answer.retryAfter, now) ?? THROTTLED_MS, pauseTarget: true };
  if (answer.status >= 500) return { kind: 'retry', code: `http-${answer.status}`, reason: `Doudian answered HTTP ${answer.status} ${truncate(answer.text)}`.trim(), afterMs: retryAfterMs(answer.retryAfter, now) ?? UNAVAILABLE_MS };
  if (answer.status < 200 || answer.status >= 300) return { kind: 'failed', code: `http-${answer.status}`, reason: `Doudian answered HTTP ${answer.status} ${truncate(answer.text)}`.trim() };
  let body: unknown;
  try {
    body = parsePayloadJson(answer.text);
  } catch {
    return { kind: 'retry', code: 'not-json', reason: `Doudian answered HTTP ${answer.status} with something that is not JSON: ${truncate(answer.text)}` };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { kind: 'retry', code: 'not-envelope', reason: `Doudian answered without an envelope: ${truncate(answer.text)}` };
  return classifyEnvelope(body as Envelope);
}

export function classifyEnvelope(envelope: Envelope): Verdict {
  if (envelope.code === undefined && envelope.err_no !== undefined) {
    // v1 gateway: {"err_no":0,"message":"success","data":…}
    if (Number(envelope.err_no) === 0) return { kind: 'ok', data: envelope.data, envelope };
    return { kind: 'failed', code: String(envelope.err_no), reason: `Doudian err_no ${envelope.err_no} ${envelope.message ?? ''}`.trim(), envelope };
  }
  const code = Number(envelope.code);
  if (code === SUCCESS) return { kind: 'ok', data: envelope.data, envelope };
  const subCode = String(envelope.sub_code ?? '');
  const codeText = subCode ? `${envelope.code} ${subCode}` : String(envelope.code ?? '?');
  const reason = `Doudian ${codeText} ${[envelope.msg, envelope.sub_msg].filter((s) => s && s !== subCode).join(': ')}`.trim();
  const id = subCode || String(envelope.code ?? 'doudian');
  const subBase = subCode.split(':')[0]!.trim();
  if (code === 60000 || THROTTLE_SUB_CODE.test(subCode) || THROTTLE_TEXT.test(`${envelope.msg ?? ''} ${envelope.sub_msg ?? ''}`)) {
    return { kind: 'retry', code: id, reason, afterMs: THROTTLED_MS, pauseTarget: true, envelope };
  }
  if (CREDENTIAL_SUB_CODES.has(subBase) || code === 30001) {
    return { kind: 'failed', code: id, reason: `${reason} (credentials: ${credentialHint(subBase)})`, credential: true, envelope };
  }
  if (code === 20000 || code === 20001) return { kind: 'retry', code: id, reason, afterMs: UNAVAILABLE_MS, envelope };
  return { kind: 'failed', code: id, reason, envelope };
}

function credentialHint(subCode: string): string {
  if (subCode.startsWith('isv.access-token')) return 'the access token is expired or unknown; refresh it (token.refresh) or authorise the shop again';
  if (subCode.startsWith('isv.signature')) return 'the signature was refused; check appSecret and signMethod';
  if (subCode.startsWith('isv.app-id')) return 'check appKey';
  if (subCode.startsWith('dop.authorization')) return 'the shop has withdrawn or closed its authorisation of the app';
  return 'the app lacks the permission or authorisation for this call';
}

