/**
 * What a K/3 Cloud WebAPI answer means for a delivery. Kingdee answers almost everything with
 * HTTP 200 and puts the verdict in `Result.ResponseStatus` (IsSuccess, ErrorCode, MsgCode,
 * Errors[{FieldName, Message, DIndex}], SuccessEntitys[{Id, Number, DIndex}]); a lost session is
 * such a 200 too (`MsgCode: 1`, "会话信息已丢失，请重新登录"). A query (ExecuteBillQuery)
 * answers rows `[[…], …]`, or its error wrapped the same way: `[[{"Result":{"ResponseStatus":…}}]]`.
 *
 * MsgCode (Kingdee's table): 0 默认, 1 上下文丢失, 2 没有权限, 3 操作标识为空, 4 异常, 5 单据标识为空,
 * 6 数据库操作失败, 7 许可错误, 8 参数错误, 9 指定字段/值不存在, 10 未找到对应数据, 11 验证失败,
 * 12 不可操作, 13 网控冲突, 14 调用限制, 15 禁止管理员登录.
 *
 * @example
 * classifyOperation({ status: 200, text: '{"Result":{"ResponseStatus":{"IsSuccess":true,"SuccessEntitys":[{"Id":1,"Number":"SO-1"}]}}}' }, 'SO-1')
 * // { kind: 'ok', status: …, number: 'SO-1', id: '1' }
 */
import { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

export interface KingdeeMessage {
  FieldName?: string | null;
  Message?: string | null;
  DIndex?: number;
}

export interface ResponseStatus {
  ErrorCode?: number | string;
  IsSuccess?: boolean | string;
  Errors?: KingdeeMessage[] | null;
  SuccessEntitys?: Array<{ Id?: number | string; Number?: string; DIndex?: number }> | null;
  SuccessMessages?: KingdeeMessage[] | null;
  MsgCode?: number | string;
}

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter?: string | null;
}

export type Verdict =
  | { kind: 'ok'; status: ResponseStatus; body: unknown; number?: string; id?: string }
  /** The bill number is taken: the document exists already (a repeat of ours). */
  | { kind: 'duplicate'; reason: string; body: unknown }
  /** The session is gone: log in again on the next attempt. */
  | { kind: 'session-lost'; reason: string; body: unknown }
  | { kind: 'retry'; reason: string; afterMs?: number; body?: unknown }
  | { kind: 'failed'; code: string; reason: string; body?: unknown }
  /** The call may have taken effect; only a lookup can tell. */
  | { kind: 'unknown'; reason: string; body?: unknown };

export const SESSION_LOST_TEXT = '会话信息已丢失';
const MSG_SESSION_LOST = 1;
const MSG_NETWORK_CONTROL = 13;
const MSG_CALL_LIMIT = 14;

/** How long to wait after Kingdee's call limit (MsgCode 14) or an HTTP 429 without Retry-After. */
export const THROTTLED_MS = 60_000;

/** The ResponseStatus of an operation answer, or of a query error wrapped in `[[…]]`. */
export function responseStatusOf(body: unknown): ResponseStatus | undefined {
  let node: unknown = body;
  while (Array.isArray(node) && node.length > 0) node = node[0];
  if (!node || typeof node !== 'object') return undefined;
  const result = (node as { Result?: unknown }).Result;
  if (!result || typeof result !== 'object') return undefined;
  const status = (result as { ResponseStatus?: unknown }).ResponseStatus;
  return status && typeof status === 'object' ? (status as ResponseStatus) : undefined;
}

export function isSuccess(status: ResponseStatus): boolean {
  return status.IsSuccess === true || String(status.IsSuccess).toLowerCase() === 'true';
}

export function errorsOf(status: ResponseStatus): KingdeeMessage[] {
  return Array.isArray(status.Errors) ? status.Errors : [];
}

/** Kingdee's session-loss answer: MsgCode 1, or its message. */
export function isSessionLost(status: ResponseStatus): boolean {
  return Number(status.MsgCode) === MSG_SESSION_LOST || errorsOf(status).some((e) => (e.Message ?? '').includes(SESSION_LOST_TEXT));
}

/**
 * The bill number is already used: `{"FieldName":"FBillNo","Message":"违反字段唯一性要求：编码唯一。[X]在当前系统中已经被使用。"}`.
 * Only a complaint about FBillNo (or naming our number) counts, never another unique field.
 */
export function isDuplicateBillNo(status: ResponseStatus, billNo: string): boolean {
  return errorsOf(status).some((e) => {
    const message = e.Message ?? '';
    const aboutBillNo = (e.FieldName ?? '').toLowerCase() === 'fbillno' || message.includes(`[${billNo}]`) || message.includes(`“${billNo}”`);
    return aboutBillNo && /唯一|已经被使用|已被使用|已存在|重复/.test(message);
  });
}

/** Kingdee's messages, verbatim, each after its field name. */
export function describeErrors(status: ResponseStatus): string {
  const messages = errorsOf(status).map((e) => (e.FieldName ? `${e.FieldName}: ${e.Message ?? ''}` : (e.Message ?? '')));
  return messages.filter(Boolean).join('; ') || `IsSuccess false (ErrorCode ${status.ErrorCode ?? '-'}, MsgCode ${status.MsgCode ?? '-'})`;
}

/** Messages that say "later" rather than "no": a busy server, a deadlock, a lock timeout. */
const TRANSIENT = /系统繁忙|服务器繁忙|请稍后|死锁|deadlock|超时|timeout|timed out/i;

/** The answer to an operation (Save, Submit, Audit) that carried `billNo`. */
export function classifyOperation(answer: HttpAnswer, billNo: string): Verdict {
  const http = classifyHttp(answer);
  if (http) return http;
  const text = answer.text.trim();
  // The SDKs treat this prefix as a server-side exception (k3cloud_webapi_sdk ValidResult).
  if (text.startsWith('response_error:')) return { kind: 'unknown', reason: `Kingdee answered ${truncate(text)}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'unknown', reason: `Kingdee answered HTTP ${answer.status} with something that is not JSON: ${truncate(text)}` };
  }
  const status = responseStatusOf(body);
  if (!status) return { kind: 'unknown', reason: `Kingdee answered without Result.ResponseStatus: ${truncate(text)}`, body };
  if (isSessionLost(status)) return { kind: 'session-lost', reason: `Kingdee session lost: ${describeErrors(status)}`, body };
  if (isSuccess(status)) {
    const entity = Array.isArray(status.SuccessEntitys) ? status.SuccessEntitys[0] : undefined;
    return {
      kind: 'ok',
      status,
      body,
      ...(entity?.Number !== undefined ? { number: String(entity.Number) } : {}),
      ...(entity?.Id !== undefined ? { id: String(entity.Id) } : {}),
    };
  }
  if (isDuplicateBillNo(status, billNo)) return { kind: 'duplicate', reason: describeErrors(status), body };
  const reason = describeErrors(status);
  const msgCode = Number(status.MsgCode);
  if (msgCode === MSG_CALL_LIMIT) return { kind: 'retry', reason, afterMs: THROTTLED_MS, body };
  // A database failure (MsgCode 6) is retried only when it says deadlock or timeout: a value too
  // long for its column fails the same way every time.
  if (msgCode === MSG_NETWORK_CONTROL || TRANSIENT.test(reason)) {
    return { kind: 'retry', reason, body };
  }
  return { kind: 'failed', code: String(status.MsgCode ?? status.ErrorCode ?? 'kingdee'), reason, body };
}

export type QueryVerdict =
  | { kind: 'rows'; rows: unknown[][] }
  | { kind: 'session-lost'; reason: string }
  | { kind: 'error'; reason: string };

/** The answer to ExecuteBillQuery: rows, or the error Kingdee wrapped in `[[…]]`. */
export function classifyQuery(answer: HttpAnswer): QueryVerdict {
  if (answer.status < 200 || answer.status >= 300) return { kind: 'error', reason: `HTTP ${answer.status}: ${truncate(answer.text)}` };
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return { kind: 'error', reason: `not JSON: ${truncate(answer.text)}` };
  }
  const status = responseStatusOf(body);
  if (status) {
    if (isSessionLost(status)) return { kind: 'session-lost', reason: `Kingdee session lost: ${describeErrors(status)}` };
    return { kind: 'error', reason: describeErrors(status) };
  }
  if (!Array.isArray(body) || !body.every(Array.isArray)) return { kind: 'error', reason: `unexpected answer: ${truncate(answer.text)}` };
  return { kind: 'rows', rows: body as unknown[][] };
}

/** HTTP-level verdicts; undefined when the body has to be read. */
function classifyHttp(answer: HttpAnswer): Verdict | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const what = `HTTP ${status}${answer.text ? `: ${truncate(answer.text)}` : ''}`;
  if (status === 429) return { kind: 'retry', reason: what, afterMs: retryAfterMs(answer.retryAfter) ?? THROTTLED_MS };
  // A gateway that gave up waiting: Kingdee behind it may well have saved.
  if (status === 504) return { kind: 'unknown', reason: what };
  if (status >= 500) {
    const afterMs = retryAfterMs(answer.retryAfter);
    return { kind: 'retry', reason: what, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  if (status === 401 || status === 403) return { kind: 'session-lost', reason: what, body: answer.text };
  return { kind: 'failed', code: `http_${status}`, reason: `${what}${status === 404 ? ' (check baseUrl: it ends in /k3cloud/)' : ''}` };
}

