/**
 * What an SF gateway answer means. Every service answers HTTP 200 with the same envelope:
 *
 *     { "apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": "…",
 *       "apiResultData": "{\"success\":true,\"errorCode\":\"S0000\",\"errorMsg\":null,\"msgData\":{…}}" }
 *
 * `apiResultCode` is the gateway's verdict (A1000: the call reached the service, which says
 * nothing yet about the business result); `apiResultData` is a JSON *string* with the service's
 * own `success`, `errorCode` (S0000 on success) and `errorMsg`.
 *
 * Gateway codes (SF's 公共返回码):
 *
 * | code  | meaning                                  | here |
 * |-------|------------------------------------------|------|
 * | A1000 | passed the gateway; read apiResultData   | by errorCode |
 * | A1001 | a required parameter is empty / bad form | failed |
 * | A1002 | request expired (OAuth2 token)           | retry in 1 min |
 * | A1003 | IP not allowed                           | retry in 5 min, whole target paused (account config) |
 * | A1004 | no permission for the service            | same |
 * | A1005 | rate limited (30/s, 3000/day per API in 丰桥) | retry in 1 min, target paused |
 * | A1006 | invalid msgDigest                        | retry in 5 min, target paused (checkWord) |
 * | A1007 | duplicate (order creation)               | duplicate |
 * | A1008 | decryption failed                        | failed |
 * | A1009 | target service error / unreachable       | retry (a repeat is refused by orderId) |
 * | A1010 | account in sandbox-test state            | retry in 5 min, target paused |
 * | A1099 | system error                             | retry |
 *
 * Business codes inside apiResultData: 8016 重复下单 is a duplicate (the order is ours, from an
 * earlier attempt: the orderId is derived from the delivery); 8018 / 6150 / 8024 mean an
 * order search found nothing; 8177 (capacity peak) is retried in 30 min; other codes fail
 * for good, with SF's code and message verbatim.
 *
 * @example
 * classifyAnswer({ status: 200, text: '{"apiResultCode":"A1000","apiResultData":"{\\"success\\":false,\\"errorCode\\":\\"8016\\",\\"errorMsg\\":\\"重复下单\\"}"}' })
 * // { kind: 'duplicate', code: '8016', reason: 'SF 8016: 重复下单', … }
 */
import { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';
export { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';

export interface SfEnvelope {
  apiResultCode?: string;
  apiErrorMsg?: string | null;
  apiResponseID?: string;
  apiResultData?: string | SfResultData | null;
}

export interface SfResultData {
  success?: boolean | string;
  errorCode?: string | null;
  errorMsg?: string | null;
  msgData?: unknown;
}

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter?: string | null;
}

export type Verdict =
  | { kind: 'ok'; envelope: SfEnvelope; data: SfResultData }
  /** SF already holds an order with this orderId. */
  | { kind: 'duplicate'; code: string; reason: string; envelope: SfEnvelope }
  /** An order search that found nothing. */
  | { kind: 'not-found'; code: string; reason: string; envelope: SfEnvelope }
  | { kind: 'retry'; reason: string; afterMs?: number; pauseTarget?: boolean; envelope?: SfEnvelope }
  | { kind: 'failed'; code: string; reason: string; envelope?: SfEnvelope }
  /** The call may have taken effect; only a lookup can tell. */
  | { kind: 'unknown'; reason: string; envelope?: SfEnvelope };

/** Account-level problems (IP, permission, checkWord, account state): someone must fix the config. */
export const CONFIG_RETRY_MS = 5 * 60_000;
/** After the gateway's rate limit or an HTTP 429 without Retry-After. */
export const THROTTLED_MS = 60_000;
/** After 8177 (正值运力高峰期, capacity peak). */
export const PEAK_RETRY_MS = 30 * 60_000;

export const DUPLICATE_ORDER = '8016';
/** Codes an order search answers when there is no such order. */
export const NOT_FOUND_CODES = new Set(['8018', '6150', '8024']);

const API_CODES: Record<string, { what: string; verdict: 'failed' | 'retry' | 'config' | 'throttled' | 'duplicate'; afterMs?: number }> = {
  A1001: { what: '必传参数不可为空 (a required parameter is empty, or the form is not application/x-www-form-urlencoded)', verdict: 'failed' },
  A1002: { what: '请求已过期 (request expired)', verdict: 'retry', afterMs: 60_000 },
  A1003: { what: 'IP无效 (this IP is not allowed for the partnerID)', verdict: 'config' },
  A1004: { what: '无对应服务权限 (the partnerID is not linked to this API, or sandbox/production mix-up)', verdict: 'config' },
  A1005: { what: '流量受控 (rate limited)', verdict: 'throttled' },
  A1006: { what: '数字签名无效 (invalid msgDigest: check the checkWord)', verdict: 'config' },
  A1007: { what: '重复请求 (duplicate)', verdict: 'duplicate' },
  A1008: { what: '数据解密失败 (decryption failed)', verdict: 'failed' },
  A1009: { what: '目标服务异常或不可达 (the service behind the gateway failed)', verdict: 'retry' },
  A1010: { what: '状态为沙箱测试 (the account is in sandbox-test state)', verdict: 'config' },
  A1099: { what: '系统异常 (system error)', verdict: 'retry' },
};

/** Messages that say "later" rather than "no". */
const TRANSIENT = /系统繁忙|服务繁忙|请稍后|稍后再试|系统异常|超时|timeout|timed out/i;

/** The envelope and its apiResultData, or why they cannot be read. */
export function readEnvelope(text: string): { envelope: SfEnvelope; data: SfResultData | undefined } | { error: string } {
  let envelope: SfEnvelope;
  try {
    envelope = JSON.parse(text) as SfEnvelope;
  } catch {
    return { error: `not JSON: ${truncate(text)}` };
  }
  if (!envelope || typeof envelope !== 'object' || typeof envelope.apiResultCode !== 'string') return { error: `no apiResultCode: ${truncate(text)}` };
  const raw = envelope.apiResultData;
  if (raw === undefined || raw === null || raw === '') return { envelope, data: undefined };
  if (typeof raw === 'object') return { envelope, data: raw };
  try {
    const data = JSON.parse(raw) as unknown;
    return { envelope, data: data && typeof data === 'object' ? (data as SfResultData) : undefined };
  } catch {
    return { error: `apiResultData is not JSON: ${truncate(String(raw))}` };
  }
}

export function isSuccess(data: SfResultData): boolean {
  return data.success === true || String(data.success).toLowerCase() === 'true';
}

/** SF's code and message, verbatim. */
export function describe(code: string, message: string | null | undefined): string {
  return `SF ${code}: ${message ?? ''}`.trim();
}

/** Any SF answer. */
export function classifyAnswer(answer: HttpAnswer): Verdict {
  const http = classifyHttp(answer);
  if (http) return http;
  const read = readEnvelope(answer.text);
  if ('error' in read) return { kind: 'unknown', reason: `SF answered HTTP ${answer.status} with something unreadable: ${read.error}` };
  const { envelope, data } = read;
  const code = envelope.apiResultCode!;
  const innerCode = data?.errorCode ? String(data.errorCode) : undefined;
  // A business code is the more precise one, whatever gateway code wraps it.
  if (innerCode === DUPLICATE_ORDER) return { kind: 'duplicate', code: innerCode, reason: describe(innerCode, data?.errorMsg), envelope };
  if (innerCode && NOT_FOUND_CODES.has(innerCode)) return { kind: 'not-found', code: innerCode, reason: describe(innerCode, data?.errorMsg), envelope };
  if (code === 'A1000') {
    if (!data) return { kind: 'unknown', reason: 'SF answered A1000 without apiResultData', envelope };
    if (isSuccess(data)) return { kind: 'ok', envelope, data };
    const business = innerCode ?? 'unknown';
    const reason = describe(business, data.errorMsg);
    if (business === '8177') return { kind: 'retry', reason, afterMs: PEAK_RETRY_MS, envelope };
    // S-codes other than S0000 are system-side; a busy or timed-out service says so in words.
    if ((/^S\d+$/.test(business) && business !== 'S0000') || TRANSIENT.test(data.errorMsg ?? '')) return { kind: 'retry', reason, envelope };
    return { kind: 'failed', code: business, reason, envelope };
  }
  const known = API_CODES[code];
  const reason = `SF ${code}: ${envelope.apiErrorMsg || known?.what || 'unknown gateway code'}`;
  if (!known) return { kind: 'unknown', reason, envelope };
  switch (known.verdict) {
    case 'duplicate':
      return { kind: 'duplicate', code, reason, envelope };
    case 'failed':
      return { kind: 'failed', code, reason: `${reason}${innerCode ? ` (${describe(innerCode, data?.errorMsg)})` : ''}`, envelope };
    case 'config':
      return { kind: 'retry', reason, afterMs: CONFIG_RETRY_MS, pauseTarget: true, envelope };
    case 'throttled':
      return { kind: 'retry', reason, afterMs: THROTTLED_MS, pauseTarget: true, envelope };
    case 'retry':
      return { kind: 'retry', reason, ...(known.afterMs ? { afterMs: known.afterMs } : {}), envelope };
  }
}

export interface WaybillInfo {
  /** The main waybill (waybillType 1, 母单), or the first one. */
  waybillNo?: string;
  waybillNos: string[];
}

/** The waybill numbers of a create-order or search-order msgData (`waybillNoInfoList`). */
export function waybillsOf(msgData: unknown): WaybillInfo {
  const list = (msgData as { waybillNoInfoList?: unknown } | null | undefined)?.waybillNoInfoList;
  const items = Array.isArray(list) ? (list as Array<{ waybillNo?: unknown; waybillType?: unknown }>) : [];
  const numbers = items.filter((i) => typeof i?.waybillNo === 'string' && i.waybillNo).map((i) => ({ no: String(i.waybillNo), type: Number(i.waybillType ?? 1) }));
  const main = numbers.find((n) => n.type === 1) ?? numbers[0];
  return { ...(main ? { waybillNo: main.no } : {}), waybillNos: numbers.map((n) => n.no) };
}

/** HTTP-level verdicts; undefined when the body has to be read. */
function classifyHttp(answer: HttpAnswer): Verdict | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const what = `HTTP ${status}${answer.text ? `: ${truncate(answer.text)}` : ''}`;
  if (status === 429) return { kind: 'retry', reason: what, afterMs: retryAfterMs(answer.retryAfter) ?? THROTTLED_MS, pauseTarget: true };
  // A gateway that gave up waiting: SF behind it may well have taken the order.
  if (status === 504) return { kind: 'unknown', reason: what };
  if (status >= 500) {
    const afterMs = retryAfterMs(answer.retryAfter);
    return { kind: 'retry', reason: what, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  if (status === 401 || status === 403) return { kind: 'retry', reason: what, afterMs: CONFIG_RETRY_MS, pauseTarget: true };
  return { kind: 'failed', code: `http_${status}`, reason: `${what}${status === 404 ? ' (check baseUrl: the gateway is {baseUrl}/std/service)' : ''}` };
}

