/**
 * Doudian's open API over the injected fetch: one signed POST per call, never a retry.
 *
 *     POST {baseUrl}/order/searchList?app_key=…&method=order.searchList&timestamp=…&v=2&sign=…&sign_method=hmac-sha256&access_token=…
 *     Content-Type: application/json;charset=UTF-8
 *
 *     {"order_asc":true,"order_by":"update_time",…}        ← param_json, the exact signed text
 *
 * This is what the official SDKs send (Go `core/doudian_op_api_client.go`, Java
 * `DefaultDoudianOpClient`, Python `DoudianOpApiClient`, the PHP sample of the 签名算法 guide):
 * the path is the method with `.` → `/`, the common parameters go in the query, param_json is the
 * body. Older clients (laravel-doudian) put param_json in the query or a form instead; the gateway
 * takes both, the body keeps long parameters out of URLs. timestamp is epoch seconds.
 *
 * @example
 * const client = new DoudianClient({ baseUrl: 'https://openapi-fxg.jinritemai.com', appKey, appSecret, accessToken }, { fetch, now: Date.now });
 * const verdict = await client.call('order.orderDetail', { shop_order_id: '6921234567890123456' });
 * // { kind: 'ok', data: { shop_order_detail: {…} } } | { kind: 'retry', … } | { kind: 'failed', … }
 */
import type { ConnectorDeps } from '../../core/connector/types.ts';
import { classifyAnswer, type Verdict } from './classify.ts';
import { signDoudian, type SignMethod } from './sign.ts';

export interface DoudianClientOptions {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  signMethod?: SignMethod;
  /** A call that has not answered after this long is abandoned (default 30 s). */
  timeoutMs?: number;
}

/** What one call came to: the classified answer, or no answer (`sent` says whether it may have arrived). */
export type CallResult = Verdict | { kind: 'no-answer'; sent: boolean; reason: string };

const DEFAULT_TIMEOUT_MS = 30_000;
/** Errors that mean the request never left (undici puts the code on `cause`). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID']);

export class DoudianClient {
  readonly baseUrl: string;
  /** Calls made, by method (for tests and the quota report). */
  readonly calls = new Map<string, number>();

  constructor(
    private readonly options: DoudianClientOptions,
    private readonly deps: Pick<ConnectorDeps, 'fetch' | 'now'>,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** One call of `method` (dotted) with its business parameters. */
  async call(method: string, params: Record<string, unknown>): Promise<CallResult> {
    const timestamp = Math.floor(this.deps.now() / 1000);
    const signMethod = this.options.signMethod ?? 'hmac-sha256';
    const { sign, param_json } = await signDoudian({ app_key: this.options.appKey, method, param_json: params, timestamp, v: '2', sign_method: signMethod }, this.options.appSecret);
    const query = new URLSearchParams({ app_key: this.options.appKey, method, timestamp: String(timestamp), v: '2', sign, sign_method: signMethod, access_token: this.options.accessToken });
    const url = `${this.baseUrl}/${method.replace(/\./g, '/')}?${query.toString()}`;
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json' },
        body: param_json,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      return this.failure(e, timeoutMs);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      return { kind: 'no-answer', sent: true, reason: `${method}: the answer broke off: ${(e as Error).message}` };
    }
    return classifyAnswer({ status: response.status, text, retryAfter: response.headers.get('retry-after') }, this.deps.now());
  }

  private failure(e: unknown, timeoutMs: number): CallResult {
    const error = e as Error & { cause?: { code?: string; errors?: Array<{ code?: string }> } };
    if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return { kind: 'no-answer', sent: true, reason: `no answer within ${timeoutMs} ms` };
    const code = error?.cause?.code ?? error?.cause?.errors?.[0]?.code;
    // The message of a fetch failure names the URL, which carries the access token: keep it out.
    const reason = `${this.redact(error?.message ?? String(e))}${code ? ` (${code})` : ''}`;
    return { kind: 'no-answer', sent: !(code && NOT_SENT_CODES.has(code)), reason };
  }

  /** Removes the credentials from a text that is about to be logged or returned. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.options.appSecret, this.options.accessToken]) if (secret) out = out.split(secret).join('***');
    return out.replace(/([?&](?:access_token|sign)=)[^&\s]+/g, '$1***');
  }
}
