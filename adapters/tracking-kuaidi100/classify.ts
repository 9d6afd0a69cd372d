/**
 * What Kuaidi100's answers mean.
 *
 * Subscribe (`/poll`) answers `{"result": true|false, "returnCode": "200", "message": "提交成功"}`:
 *
 * | returnCode | meaning (Kuaidi100's table)                                   | here |
 * |------------|----------------------------------------------------------------|------|
 * | 200        | 提交成功                                                       | delivered |
 * | 501        | 重复订阅: the number is already being tracked (status polling) | delivered |
 * | 500        | 服务器错误 (a pause in service, sometimes a malformed request) | retry |
 * | 600        | 您不是合法的订阅者 (the key is wrong)                           | retry in 5 min, target paused |
 * | 601        | POLL:KEY已过期                                                  | same |
 * | 700        | 订阅方的订阅数据存在错误 (unsupported company, bad number or callback URL) | failed |
 * | 701        | 拒绝订阅的快递公司                                              | failed |
 * | 702        | POLL:识别不到该单号对应的快递公司                               | failed |
 *
 * Real-time query (`/poll/query.do`) answers the track (`message: "ok"`, `state`, `data` …) or
 * `{"result": false, "returnCode": …, "message": …}`: 400 incomplete data or not authorised,
 * 500 no result (yet), 501 server error, 502 server busy, 503 signature check failed,
 * 601 key expired or no query quota left.
 *
 * @example
 * classifySubscribe({ status: 200, text: '{"result":false,"returnCode":"501","message":"重复订阅"}' }) // { kind: 'ok', duplicate: true, … }
 */
import { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';
export { retryAfterMs, truncate } from '../../core/outbox/http-answer.ts';

export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter?: string | null;
}

export interface Kuaidi100Result {
  result?: boolean | string;
  returnCode?: string | number;
  message?: string;
}

export type SubscribeVerdict =
  | { kind: 'ok'; duplicate: boolean; body: Kuaidi100Result }
  | { kind: 'retry'; reason: string; afterMs?: number; pauseTarget?: boolean; body?: Kuaidi100Result }
  | { kind: 'failed'; code: string; reason: string; body?: Kuaidi100Result }
  | { kind: 'unknown'; reason: string };

export interface TrackNode {
  time: string;
  ftime?: string;
  context: string;
  status?: string;
  statusCode?: string;
  areaCode?: string;
  areaName?: string;
}

export interface Track {
  com: string;
  nu: string;
  /** 0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回, 7 转投, 8 清关, 14 拒签 … */
  state: string;
  ischeck?: string;
  data: TrackNode[];
}

export type QueryVerdict =
  | { kind: 'track'; track: Track }
  /** 500: nothing found (yet). */
  | { kind: 'not-found'; reason: string }
  | { kind: 'retry'; reason: string; afterMs?: number; pauseTarget?: boolean }
  | { kind: 'failed'; code: string; reason: string };

export const CONFIG_RETRY_MS = 5 * 60_000;
export const THROTTLED_MS = 60_000;

export function classifySubscribe(answer: HttpAnswer): SubscribeVerdict {
  const http = classifyHttp(answer);
  if (http) return http.kind === 'not-found' ? { kind: 'failed', code: `http_${answer.status}`, reason: http.reason } : http;
  const body = readJson(answer.text);
  if (!body || (body.result === undefined && body.returnCode === undefined)) return { kind: 'unknown', reason: `Kuaidi100 answered something unreadable: ${truncate(answer.text)}` };
  const code = String(body.returnCode ?? '');
  const reason = `Kuaidi100 ${code || '-'}: ${body.message ?? ''}`.trim();
  if (code === '200' || (isTrue(body.result) && !code)) return { kind: 'ok', duplicate: false, body };
  switch (code) {
    case '501':
      // Already tracked: Kuaidi100 ignores the repeat, and the callbacks keep coming.
      return { kind: 'ok', duplicate: true, body };
    case '500':
      return { kind: 'retry', reason, body };
    case '600':
    case '601':
      return { kind: 'retry', reason, afterMs: CONFIG_RETRY_MS, pauseTarget: true, body };
    default:
      return { kind: 'failed', code: code || 'kuaidi100', reason, body };
  }
}

export function classifyQuery(answer: HttpAnswer): QueryVerdict {
  const http = classifyHttp(answer);
  if (http) return http.kind === 'unknown' ? { kind: 'retry', reason: http.reason } : http.kind === 'not-found' ? { kind: 'failed', code: `http_${answer.status}`, reason: http.reason } : http;
  const body = readJson(answer.text) as (Kuaidi100Result & Partial<Track> & { status?: string }) | undefined;
  if (!body) return { kind: 'retry', reason: `Kuaidi100 answered something unreadable: ${truncate(answer.text)}` };
  if (typeof body.nu === 'string' && Array.isArray(body.data)) {
    return { kind: 'track', track: { com: String(body.com ?? ''), nu: body.nu, state: String(body.state ?? ''), ...(body.ischeck !== undefined ? { ischeck: String(body.ischeck) } : {}), data: body.data as TrackNode[] } };
  }
  const code = String(body.returnCode ?? '');
  const reason = `Kuaidi100 ${code || '-'}: ${body.message ?? ''}`.trim();
  switch (code) {
    case '500':
      return { kind: 'not-found', reason };
    case '501':
    case '502':
      return { kind: 'retry', reason };
    case '503':
    case '601':
      return { kind: 'retry', reason, afterMs: CONFIG_RETRY_MS, pauseTarget: true };
    default:
      return { kind: 'failed', code: code || 'kuaidi100', reason };
  }
}

type HttpVerdict = { kind: 'retry'; reason: string; afterMs?: number; pauseTarget?: boolean } | { kind: 'unknown'; reason: string } | { kind: 'failed'; code: string; reason: string } | { kind: 'not-found'; reason: string };

function classifyHttp(answer: HttpAnswer): HttpVerdict | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const what = `HTTP ${status}${answer.text ? `: ${truncate(answer.text)}` : ''}`;
  if (status === 429) return { kind: 'retry', reason: what, afterMs: retryAfterMs(answer.retryAfter) ?? THROTTLED_MS, pauseTarget: true };
  if (status === 504) return { kind: 'unknown', reason: what };
  if (status >= 500) {
    const afterMs = retryAfterMs(answer.retryAfter);
    return { kind: 'retry', reason: what, ...(afterMs !== undefined ? { afterMs } : {}) };
  }
  if (status === 404) return { kind: 'not-found', reason: `${what} (check baseUrl)` };
  return { kind: 'failed', code: `http_${status}`, reason: what };
}

function readJson(text: string): Kuaidi100Result | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Kuaidi100Result) : undefined;
  } catch {
    return undefined;
  }
}

function isTrue(value: unknown): boolean {
  return value === true || String(value).toLowerCase() === 'true';
}

