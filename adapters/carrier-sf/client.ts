/**
 * SF's 丰桥 / open platform gateway over the injected fetch: one form POST per call to
 * `{baseUrl}/std/service`, never a retry.
 *
 * The form is `partnerID, requestID (a UUID), serviceCode, timestamp (ms), msgDigest, msgData`,
 * as `application/x-www-form-urlencoded;charset=UTF-8`. msgData is the JSON text that was signed,
 * sent as it is.
 *
 * @example
 * const client = new SfClient({ baseUrl: 'https://sfapi-sbox.sf-express.com', partnerId: 'Y7hHmkqf', checkWord: '…' }, fetch);
 * const call = await client.call('EXP_RECE_SEARCH_ORDER_RESP', JSON.stringify({ orderId: 'OH…', searchType: '1', language: 'zh-CN' }));
 */
import { callFailure } from '../../core/outbox/http-answer.ts';
import { msgDigest } from './sign.ts';

export const SERVICE_CODES = {
  createOrder: 'EXP_RECE_CREATE_ORDER',
  searchOrder: 'EXP_RECE_SEARCH_ORDER_RESP',
  searchRoutes: 'EXP_RECE_SEARCH_ROUTES',
} as const;

export interface SfClientOptions {
  /** https://bspgw.sf-express.com (production), https://sfapi-sbox.sf-express.com (sandbox) … */
  baseUrl: string;
  /** 顾客编码 (partnerID). */
  partnerId: string;
  /** 校验码 (checkWord), the signing secret; never sent. */
  checkWord: string;
  /** A call that has not answered after this long is abandoned (default 30 s). */
  timeoutMs?: number;
}

export interface SfClientDeps {
  /** Milliseconds since the epoch, for `timestamp` (default Date.now). */
  now?: () => number;
  /** requestID (default crypto.randomUUID). */
  uuid?: () => string;
}

/** What became of one POST. */
export type Call =
  | { kind: 'answer'; status: number; text: string; retryAfter: string | null }
  /** Nothing reached SF (connection refused, DNS): safe to send again. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have been processed (timeout after sending, connection lost mid-call). */
  | { kind: 'maybe-sent'; reason: string };

const DEFAULT_TIMEOUT_MS = 30_000;
/** Errors that mean the request never left (undici puts the code on `cause`). */
export class SfClient {
  readonly url: string;

  constructor(
    private readonly options: SfClientOptions,
    private readonly fetchFn: typeof fetch,
    private readonly deps: SfClientDeps = {},
  ) {
    const base = options.baseUrl.replace(/\/+$/, '');
    this.url = base.endsWith('/std/service') ? base : `${base}/std/service`;
  }

  /** The form of one call: what is sent, signed. */
  form(serviceCode: string, msgData: string): URLSearchParams {
    const timestamp = String((this.deps.now ?? Date.now)());
    return new URLSearchParams({
      partnerID: this.options.partnerId,
      requestID: (this.deps.uuid ?? (() => crypto.randomUUID()))(),
      serviceCode,
      timestamp,
      msgDigest: msgDigest(msgData, timestamp, this.options.checkWord),
      msgData,
    });
  }

  async call(serviceCode: string, msgData: string): Promise<Call> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.fetchFn(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
        body: this.form(serviceCode, msgData).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      return callFailure(e, timeoutMs);
    }
    try {
      const text = await response.text();
      return { kind: 'answer', status: response.status, text, retryAfter: response.headers.get('retry-after') };
    } catch (e) {
      // The headers came, the body did not: SF had the request.
      return { kind: 'maybe-sent', reason: `the answer broke off: ${(e as Error).message}` };
    }
  }
}
