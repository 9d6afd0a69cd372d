/**
 * One signed Qimen call through the injected `fetch`: no retries, no sleeps. The request is what
 * the official SDK's `DefaultQimenClient` sends:
 *
 *   POST {baseUrl}?method=…&v=2.0&app_key=…&timestamp=yyyy-MM-dd HH:mm:ss (Beijing)
 *        &format=xml&sign_method=md5&customerId=…&sign=…
 *   Content-Type: text/xml;charset=utf-8
 *   <?xml version="1.0" encoding="utf-8"?><request>…</request>
 *
 * The query values are percent-encoded (space as %20); the sign is over the decoded values and
 * the body text exactly as sent (sign.ts).
 *
 * @example
 * const client = new QimenClient({ baseUrl: 'https://qimen.api.taobao.com/router/qimen/service', appKey, appSecret, customerId }, fetch);
 * const call = await client.call('taobao.qimen.deliveryorder.query', '<?xml …?><request>…</request>');
 * // { kind: 'answer', status: 200, text: '<response>…' } | { kind: 'not-sent', … } | { kind: 'maybe-sent', … }
 */
import { callFailure } from '../../core/outbox/http-answer.ts';
import { beijingTimestamp, qimenSign } from './sign.ts';

export interface QimenClientOptions {
  /** The Qimen router (or the WMS's own Qimen-style endpoint, or the simulator). */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** Routes the call to the WMS (奇门 customerId). */
  customerId: string;
  /** Version parameter `v` (default 2.0, as the SDK's QimenRequest). */
  version?: string;
  timeoutMs?: number;
  /** The clock for `timestamp` (default Date.now). */
  now?: () => number;
}

export type Call =
  | { kind: 'answer'; status: number; text: string; retryAfter: string | null }
  /** The request never left (connection refused, DNS): safe to send again. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have arrived (timeout after sending, connection lost mid-call). */
  | { kind: 'maybe-sent'; reason: string };

export const DEFAULT_TIMEOUT_MS = 30_000;
export const CONTENT_TYPE = 'text/xml;charset=utf-8';
/** Errors that mean the request never left (undici puts the code on `cause`). */
export class QimenClient {
  constructor(
    private readonly options: QimenClientOptions,
    private readonly fetchFn: typeof fetch,
  ) {}

  /** The system parameters of a call, in the order the SDK puts them on the URL (sign last). */
  params(method: string, body: string): Record<string, string> {
    const { appKey, appSecret, customerId } = this.options;
    const params: Record<string, string> = {
      method,
      v: this.options.version ?? '2.0',
      app_key: appKey,
      timestamp: beijingTimestamp((this.options.now ?? Date.now)()),
      format: 'xml',
      sign_method: 'md5',
      customerId,
    };
    return { ...params, sign: qimenSign(params, body, appSecret) };
  }

  url(params: Record<string, string>): string {
    const query = Object.entries(params)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    return `${this.options.baseUrl}${this.options.baseUrl.includes('?') ? '&' : '?'}${query}`;
  }

  /** One POST of an XML body for `method`. */
  async call(method: string, body: string): Promise<Call> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.fetchFn(this.url(this.params(method, body)), {
        method: 'POST',
        headers: { 'content-type': CONTENT_TYPE, accept: 'text/xml, application/xml' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      return callFailure(e, timeoutMs);
    }
    try {
      return { kind: 'answer', status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
    } catch (e) {
      // The headers came, the body did not: the WMS has answered, but we cannot read what.
      return { kind: 'maybe-sent', reason: `the answer broke off: ${(e as Error).message}` };
    }
  }
}
