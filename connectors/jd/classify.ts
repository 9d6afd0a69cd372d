/**
 * What a JOS answer means. JOS answers HTTP 200 almost always; the verdict is in the body:
 *
 * - gateway errors: `{"error_response":{"code":"19","zh_desc":"无效access_token","en_desc":"Invalid access_token"}}`
 *   (`code` a string, `en_desc` sometimes missing, no `…_responce` key beside it);
 * - success: the method name with dots as underscores and JD's own spelling `_responce`, e.g.
 *   `{"jingdong_pop_order_search_responce":{"code":"0","searchorderinfo_result":{…}}}`, whose
 *   business result may still say no (`apiResult.success: false`, `success: false`).
 *
 * Gateway codes (JOS 错误码, the table JD publishes; see README.md for the sources): 2 App Call
 * Limited (限制时间内调用失败次数, "请隔日再调用": the app's call quota is spent until the next day),
 * 1 服务不可用, 23 API temporarily stopped, 43 系统处理错误, 65/66/67 the platform could not reach
 * (timeout / unavailable / unknown) the service behind it: retried. 18/19 missing or invalid
 * access_token (JD's answer to an expired token), 20/21 app key, 22/24/25/64/73 permission,
 * 11/12 signature, 7/8 timestamp (more than 6 minutes off): failed, each with its own reason.
 *
 * @example
 * classifyJos({ status: 200, text: '{"error_response":{"code":"2","zh_desc":"限制时间内调用失败次数","en_desc":"App Call Limited"}}' }, 'jingdong.pop.order.search', Date.now())
 * // { kind: 'retry', code: '2', reason: 'JD 2 限制时间内调用失败次数 (App Call Limited): …', afterMs: <until 00:00 Beijing>, pauseTarget: true }
 */
import { isInteger, isSafeNumber, parse } from 'lossless-json';
import { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';
export { truncate } from '../../core/outbox/http-answer.ts';

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter?: string | null;
}

export type JosVerdict =
  /** The inner object of `<method>_responce`. */
  | { kind: 'ok'; result: Record<string, unknown> }
  | { kind: 'retry'; code: string; reason: string; afterMs?: number; pauseTarget?: boolean }
  | { kind: 'failed'; code: string; reason: string };

/** The `error_response` of the JOS gateway. */
export interface JosError {
  code: string;
  zh_desc?: string;
  en_desc?: string;
}

/** JD: "京东API服务端允许客户端请求时间误差为6分钟" (help.jd.com/jos/question-580.html). */
export const TIMESTAMP_TOLERANCE_MS = 6 * 60_000;

const BEIJING_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Codes worth trying again: the gateway or the service behind it failed, not the request. */
const TRANSIENT_CODES = new Set(['1', '23', '43', '65', '66', '67', '69']);
const TOKEN_CODES = new Set(['18', '19']);
const APP_KEY_CODES = new Set(['20', '21']);
const PERMISSION_CODES = new Set(['3', '22', '24', '25', '64', '73']);
const SIGNATURE_CODES = new Set(['11', '12']);
const TIMESTAMP_CODES = new Set(['7', '8']);
export const APP_CALL_LIMITED = '2';

/** Messages that say "later" rather than "no". */
const TRANSIENT_TEXT = /繁忙|稍后|超时|不可用|busy|timeout|timed out|unavailable|try again/i;

/**
 * JSON as JOS writes it, without losing digits: integers past 2^53 (Long ids such as
 * tradeOrderId) stay strings of their digits, every other number becomes a number.
 */
export function parseJosJson(text: string): unknown {
  return parse(text, null, (value) => (isInteger(value) && !isSafeNumber(value) ? value : Number(value)));
}

/** The name of the success envelope: dots → underscores, and JD's spelling `_responce`. */
export function responseKey(method: string): string {
  return `${method.replace(/\./g, '_')}_responce`;
}

/** Milliseconds from `now` to the next 00:00 Beijing time (UTC+8, no daylight saving). */
export function untilBeijingMidnight(now: number): number {
  const beijing = now + BEIJING_MS;
  return Math.floor(beijing / DAY_MS) * DAY_MS + DAY_MS - beijing;
}

export function classifyJos(answer: HttpAnswer, method: string, now: number): JosVerdict {
  const { status } = answer;
  if (status === 429 || status >= 500) {
    const afterMs = retryAfterMs(answer.retryAfter, now);
    return { kind: 'retry', code: `http-${status}`, reason: `JD answered HTTP ${status}: ${truncate(answer.text)}`, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  if (status < 200 || status >= 300) return { kind: 'failed', code: `http-${status}`, reason: `JD answered HTTP ${status}: ${truncate(answer.text)}` };
  let body: unknown;
  try {
    body = parseJosJson(answer.text);
  } catch {
    // A maintenance or proxy page with a 200: nothing was decided.
    return { kind: 'retry', code: 'not-json', reason: `JD answered HTTP ${status} with something that is not JSON: ${truncate(answer.text)}` };
  }
  if (!isRecord(body)) return { kind: 'failed', code: 'envelope', reason: `JD answered ${truncate(answer.text)}` };
  if (isRecord(body.error_response)) return classifyJosError(body.error_response as unknown as JosError, now);
  const result = body[responseKey(method)];
  if (!isRecord(result)) return { kind: 'failed', code: 'envelope', reason: `JD answered without ${responseKey(method)} or error_response: ${truncate(answer.text)}` };
  const code = result.code === undefined || result.code === null ? '0' : String(result.code);
  if (code !== '0') {
    const text = describe(result);
    return TRANSIENT_TEXT.test(text)
      ? { kind: 'retry', code: `jos-${code}`, reason: `JD ${method} code ${code}: ${text}` }
      : { kind: 'failed', code: `jos-${code}`, reason: `JD ${method} code ${code}: ${text}` };
  }
  return { kind: 'ok', result };
}

/** The verdict of a gateway `error_response`. */
export function classifyJosError(error: JosError, now: number): Exclude<JosVerdict, { kind: 'ok' }> {
  const code = String(error.code ?? '').trim();
  const words = [error.zh_desc, error.en_desc ? `(${error.en_desc})` : ''].filter(Boolean).join(' ');
  const jd = `JD ${code}${words ? ` ${words}` : ''}`;
  if (code === APP_CALL_LIMITED) {
    // JD's remedy for code 2 is "调整程序合理调用API，请隔日再调用": the app's quota is spent, and
    // every call until the next day only adds to the failures. The whole app waits until then.
    return { kind: 'retry', code, reason: `${jd}: the app's JOS call quota is spent; JD says to call again the next day`, afterMs: untilBeijingMidnight(now), pauseTarget: true };
  }
  if (TRANSIENT_CODES.has(code)) return { kind: 'retry', code, reason: `${jd}: JD could not serve the call; it is tried again` };
  if (TOKEN_CODES.has(code)) {
    return { kind: 'failed', code: 'credential', reason: `${jd}: the shop's access_token is missing, expired or revoked; the seller has to authorise the app again and the new token go into hub.yaml` };
  }
  if (APP_KEY_CODES.has(code)) return { kind: 'failed', code: 'credential', reason: `${jd}: the app key is missing or not a production key` };
  if (SIGNATURE_CODES.has(code)) return { kind: 'failed', code: 'credential', reason: `${jd}: JD rejected the signature; check the app secret` };
  if (TIMESTAMP_CODES.has(code)) return { kind: 'failed', code: 'clock', reason: `${jd}: JD accepts timestamps within 6 minutes of its clock; check this host's clock` };
  if (PERMISSION_CODES.has(code)) return { kind: 'failed', code: 'permission', reason: `${jd}: the app or the shop may not call this API` };
  if (TRANSIENT_TEXT.test(words)) return { kind: 'retry', code, reason: jd };
  return { kind: 'failed', code: code ? `jos-${code}` : 'jos', reason: jd };
}

/**
 * A business result's `apiResult` (`{success, englishErrCode, chineseErrCode, numberCode}`):
 * null when it says success or is absent, else the verdict of what it says.
 */
export function classifyApiResult(apiResult: unknown, what: string): Exclude<JosVerdict, { kind: 'ok' }> | null {
  if (!isRecord(apiResult)) return null;
  const success = apiResult.success ?? apiResult.isSuccess;
  if (success === true || String(success).toLowerCase() === 'true') return null;
  const text = [apiResult.chineseErrCode ?? apiResult.ChineseErrCode, apiResult.englishErrCode ?? apiResult.EnglishErrCode].filter((v) => v !== undefined && v !== null && v !== '').join(' / ');
  const code = apiResult.numberCode === undefined ? 'apiResult' : `jos-${String(apiResult.numberCode)}`;
  const reason = `JD ${what}: ${text || 'apiResult.success is false'}`;
  return TRANSIENT_TEXT.test(text) ? { kind: 'retry', code, reason } : { kind: 'failed', code, reason };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(result: Record<string, unknown>): string {
  const parts = [result.zh_desc, result.en_desc, result.msg, result.message, result.errorMessage].filter((v) => typeof v === 'string' && v !== '');
  return parts.length ? parts.join(' / ') : truncate(JSON.stringify(result));
}

