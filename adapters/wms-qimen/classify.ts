/**
 * What a Qimen answer means for a delivery. The WMS (through the Qimen router) answers HTTP 200
 * with `<response><flag>success|failure</flag><code>…</code><message>…</message>…</response>`
 * (the SDK's `QimenResponse.isSuccess()` is `"success".equals(flag)`); the router's own refusals
 * come the same way, a bad signature as `flag failure, code sign-check-failure, message
 * Illegal request`. A TOP-style `<error_response><code/><msg/><sub_code/><sub_msg/></error_response>`
 * (app call limits) is read too.
 *
 * | answer | create | cancel |
 * |---|---|---|
 * | `flag success` | ok | ok |
 * | failure "already exists / duplicate" naming our deliveryOrderCode, or with a duplicate code | duplicate (ours, from an earlier try) | – |
 * | failure "already exists" that names neither | exists-unclear: the adapter queries by our code | – |
 * | failure "already cancelled" | – | ok |
 * | failure "shipped / cannot cancel" | – | failed `not-cancellable` |
 * | `sign-check-failure` / Illegal request | failed `sign-check-failure` | same |
 * | failure "system error / busy / timeout / try later", `isp.*` | retry | retry |
 * | other failure | failed, code and message verbatim | same |
 * | HTTP 429, TOP call limit (code 7) | retry after Retry-After / the ban, target paused | same |
 * | HTTP 5xx | retry | retry |
 * | HTTP 504, unreadable or truncated 200 | unknown | unknown |
 *
 * @example
 * classifyCreate({ status: 200, text: '<response><flag>success</flag><code>0</code><message/><deliveryOrderId>W1</deliveryOrderId></response>' }, 'DO-1')
 * // { kind: 'ok', deliveryOrderId: 'W1', body: { flag: 'success', … } }
 */
import { child, parseXml, text, truncate, XmlError } from './xml.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter?: string | null;
}

export type Verdict =
  | { kind: 'ok'; body: Record<string, unknown>; deliveryOrderId?: string }
  /** The WMS holds this deliveryOrderCode already: ours, from an earlier attempt. */
  | { kind: 'duplicate'; reason: string; body: Record<string, unknown> }
  | { kind: 'retry'; reason: string; afterMs?: number; pauseTarget?: boolean; body?: unknown }
  | { kind: 'failed'; code: string; reason: string; body?: unknown }
  /** The call may have taken effect; only a lookup can tell. */
  | { kind: 'unknown'; reason: string; body?: unknown }
  /** "Already exists" without saying what: a query by deliveryOrderCode decides. */
  | { kind: 'exists-unclear'; reason: string; body: Record<string, unknown> };

export type QueryVerdict =
  | { kind: 'found'; status?: string; deliveryOrderId?: string; totalLines?: number; body: Record<string, unknown> }
  | { kind: 'absent'; reason: string }
  | { kind: 'error'; reason: string };

/** A Qimen `<response>` as read: flag, code and message verbatim, and the whole element. */
export interface QimenAnswer {
  flag: string;
  code: string;
  message: string;
  body: Record<string, unknown>;
}

export const SIGN_CHECK_FAILURE = 'sign-check-failure';
/** Default wait after HTTP 429 or a call limit without a stated ban. */
export const THROTTLED_MS = 60_000;

const NOT_FOUND = /不存在|未找到|找不到|查无|无此|没有找到|not[\s_-]*found|not[\s_-]*exists?|does\s*n[o']t\s*exist|no\s+such/i;
const DUPLICATE = /已存在|已经存在|重复(创建|下发|推送|提交|请求|的?单|订单|出库单|发货单)|(单据|单号|订单|出库单|发货单)(号)?重复|exists?|duplicat/i;
const DUPLICATE_CODE = /dup|exist|repeat|重复|已存在/i;
const TRANSIENT = /系统(异常|错误|繁忙|忙)|服务(器)?(繁忙|异常|不可用|超时)|稍后|超时|time(d)?\s*out|busy|system[\s_-]*error|isp\.|网络(异常|错误)/i;
const SIGN_FAILURE = /sign-check-failure|invalid[\s_-]*sign|签名(错误|不正确|校验失败|无效|验证失败)|验签失败|illegal request/i;
const ALREADY_CANCELLED = /已取消|已经取消|已被取消|取消成功|already\s*(been\s*)?cancel|\bcancel(l)?ed\b/i;
const NOT_CANCELLABLE = /已发货|已出库|已打包|已拣货|已经发货|已揽收|不能取消|无法取消|不允许取消|取消失败|shipped|cannot\s*(be\s*)?cancel/i;

/** A verdict reached before (or without) reading a Qimen response. */
type Early = Extract<Verdict, { kind: 'retry' | 'failed' | 'unknown' }>;
type Read = { kind: 'answer'; answer: QimenAnswer } | { kind: 'verdict'; verdict: Early };

/** Reads an HTTP answer into a Qimen response, or decides from the HTTP status and shape alone. */
export function readAnswer(http: HttpAnswer): Read {
  const byStatus = classifyHttp(http);
  if (byStatus) return { kind: 'verdict', verdict: byStatus };
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(http.text);
  } catch (e) {
    const why = e instanceof XmlError ? e.message : String(e);
    return { kind: 'verdict', verdict: { kind: 'unknown', reason: `the answer (HTTP ${http.status}) cannot be read: ${why}` } };
  }
  const topError = child(doc, 'error_response');
  if (topError) return { kind: 'verdict', verdict: classifyTopError(topError) };
  const response = child(doc, 'response');
  const flag = text(response, 'flag');
  if (!response || !flag) return { kind: 'verdict', verdict: { kind: 'unknown', reason: `the answer has no <response><flag>: ${truncate(http.text)}`, body: doc } };
  return { kind: 'answer', answer: { flag: flag.toLowerCase(), code: text(response, 'code') ?? '', message: text(response, 'message') ?? '', body: response } };
}

/** The WMS's words, verbatim: `code: message`. */
export function describe(answer: QimenAnswer): string {
  return [answer.code, answer.message].filter(Boolean).join(': ') || `flag ${answer.flag} without code or message`;
}

/** The answer to `taobao.qimen.deliveryorder.create` that carried `deliveryOrderCode`. */
export function classifyCreate(http: HttpAnswer, deliveryOrderCode: string): Verdict {
  const read = readAnswer(http);
  if (read.kind === 'verdict') return read.verdict;
  const { answer } = read;
  if (answer.flag === 'success') {
    const id = text(answer.body, 'deliveryOrderId');
    return { kind: 'ok', body: answer.body, ...(id ? { deliveryOrderId: id } : {}) };
  }
  const common = classifyFailure(answer);
  if (common) return common;
  const words = `${answer.code} ${answer.message}`;
  if (DUPLICATE.test(words) && !NOT_FOUND.test(words)) {
    const namesOurs = answer.message.includes(deliveryOrderCode) || answer.code.includes(deliveryOrderCode);
    if (namesOurs || DUPLICATE_CODE.test(answer.code)) return { kind: 'duplicate', reason: describe(answer), body: answer.body };
    // "Something already exists" without saying what: perhaps our order, perhaps a line or a
    // waybill number. The query by deliveryOrderCode decides.
    return { kind: 'exists-unclear', reason: describe(answer), body: answer.body };
  }
  return failedAsSaid(answer);
}

/** The answer to `taobao.qimen.order.cancel`. */
export function classifyCancel(http: HttpAnswer): Verdict {
  const read = readAnswer(http);
  if (read.kind === 'verdict') return read.verdict;
  const { answer } = read;
  if (answer.flag === 'success') return { kind: 'ok', body: answer.body };
  const common = classifyFailure(answer);
  if (common) return common;
  const words = `${answer.code} ${answer.message}`;
  if (ALREADY_CANCELLED.test(words) && !/不能|无法|不允许|失败|cannot/i.test(words)) return { kind: 'ok', body: answer.body };
  if (NOT_CANCELLABLE.test(words)) return { kind: 'failed', code: 'not-cancellable', reason: describe(answer), body: answer.body };
  if (NOT_FOUND.test(words)) return { kind: 'failed', code: 'not-found', reason: describe(answer), body: answer.body };
  return failedAsSaid(answer);
}

/** Failed with the WMS's own code, and its message as the reason (the code is kept beside it). */
function failedAsSaid(answer: QimenAnswer): Verdict {
  return answer.code ? { kind: 'failed', code: answer.code, reason: answer.message || describe(answer), body: answer.body } : { kind: 'failed', code: 'failure', reason: describe(answer), body: answer.body };
}

/** The answer to `taobao.qimen.deliveryorder.query` for `deliveryOrderCode`. */
export function classifyQuery(http: HttpAnswer, deliveryOrderCode: string): QueryVerdict {
  const read = readAnswer(http);
  if (read.kind === 'verdict') return { kind: 'error', reason: read.verdict.reason };
  const { answer } = read;
  if (answer.flag !== 'success') {
    const words = `${answer.code} ${answer.message}`;
    if (NOT_FOUND.test(words) && !SIGN_FAILURE.test(words)) return { kind: 'absent', reason: describe(answer) };
    return { kind: 'error', reason: describe(answer) };
  }
  const order = child(answer.body, 'deliveryOrder');
  const code = text(order, 'deliveryOrderCode');
  if (!order || (code !== undefined && code !== deliveryOrderCode)) {
    return { kind: 'absent', reason: order ? `the WMS answered for ${code}, not ${deliveryOrderCode}` : 'success without a deliveryOrder' };
  }
  const status = text(order, 'status');
  const id = text(order, 'deliveryOrderId');
  const total = Number(text(answer.body, 'totalLines'));
  return { kind: 'found', body: answer.body, ...(status ? { status } : {}), ...(id ? { deliveryOrderId: id } : {}), ...(Number.isFinite(total) && text(answer.body, 'totalLines') ? { totalLines: total } : {}) };
}

/** Verdicts every failure shares: the signature, and "try again later". */
function classifyFailure(answer: QimenAnswer): Early | undefined {
  const words = `${answer.code} ${answer.message}`;
  if (answer.code === SIGN_CHECK_FAILURE || SIGN_FAILURE.test(words)) {
    return { kind: 'failed', code: SIGN_CHECK_FAILURE, reason: `${describe(answer)} (check appKey, appSecret and the server clock)`, body: answer.body };
  }
  if (TRANSIENT.test(words)) return { kind: 'retry', reason: describe(answer), body: answer.body };
  return undefined;
}

/** TOP's `error_response` (the router refusing before any WMS saw the call). */
function classifyTopError(node: Record<string, unknown>): Early {
  const code = text(node, 'code') ?? '';
  const subCode = text(node, 'sub_code') ?? '';
  const reason = [code, text(node, 'msg'), subCode, text(node, 'sub_msg')].filter(Boolean).join(': ');
  if (code === '7' || /limit/i.test(subCode)) {
    const ban = /(\d+)\s*more\s*seconds?/i.exec(text(node, 'sub_msg') ?? text(node, 'msg') ?? '');
    return { kind: 'retry', reason, afterMs: ban ? Number(ban[1]) * 1000 : THROTTLED_MS, pauseTarget: true, body: node };
  }
  if (code === '25' || SIGN_FAILURE.test(subCode)) return { kind: 'failed', code: SIGN_CHECK_FAILURE, reason, body: node };
  if (subCode.startsWith('isp.') || TRANSIENT.test(reason)) return { kind: 'retry', reason, body: node };
  return { kind: 'failed', code: subCode || code || 'error_response', reason, body: node };
}

/** HTTP-level verdicts; undefined when the body has to be read. */
function classifyHttp(answer: HttpAnswer): Early | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const what = `HTTP ${status}${answer.text ? `: ${truncate(answer.text)}` : ''}`;
  if (status === 429) return { kind: 'retry', reason: what, afterMs: retryAfterMs(answer.retryAfter) ?? THROTTLED_MS, pauseTarget: true };
  // A gateway that gave up waiting: the WMS behind it may well have acted.
  if (status === 504) return { kind: 'unknown', reason: what };
  if (status >= 500) {
    const afterMs = retryAfterMs(answer.retryAfter);
    return { kind: 'retry', reason: what, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  return { kind: 'failed', code: `http_${status}`, reason: `${what}${status === 404 ? ' (check baseUrl)' : ''}` };
}

