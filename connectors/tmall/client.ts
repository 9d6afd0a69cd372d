/**
 * One TOP API call over the injected fetch, never a retry: the system parameters (method,
 * app_key, session, timestamp in Beijing time, format=json, v=2.0, sign_method, sign) go in the
 * query string and the business parameters in an `application/x-www-form-urlencoded` body, as
 * the official SDKs send them; the signature covers both.
 *
 * @example
 * const top = new TopClient({ baseUrl: 'https://eco.taobao.com/router/rest', appKey, appSecret, session }, { fetch, now: Date.now });
 * await top.call('taobao.trade.fullinfo.get', { tid: '2938475610293847561', fields: 'tid,status' });
 * // { kind: 'ok', body: { trade: { … } } } | { kind: 'retry', … } | { kind: 'failed', … }
 */
import type { ConnectorDeps } from '../../core/connector/types.ts';
import { classifyTop, type TopVerdict } from './classify.ts';
import { beijingTime, signTop, type SignMethod } from './sign.ts';

export interface TopClientOptions {
  /** The gateway: https://eco.taobao.com/router/rest (production), the sandbox's, or the simulator's. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** The merchant's access token (session key) from OAuth. */
  session?: string;
  /** Default hmac-sha256, what the current official SDKs use. */
  signMethod?: SignMethod;
  /** A call with no answer after this long is abandoned (default 15 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** The gateway URL: a bare host gets TOP's `/router/rest`. */
export function gatewayUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/router/rest';
  return url.toString();
}

export class TopClient {
  readonly gateway: string;

  constructor(
    private readonly options: TopClientOptions,
    private readonly deps: Pick<ConnectorDeps, 'fetch' | 'now'>,
  ) {
    this.gateway = gatewayUrl(options.baseUrl);
  }

  /** One signed call. Network failures are `retry`: every call made here is safe to repeat. */
  async call(method: string, params: Record<string, string>): Promise<TopVerdict> {
    const system: Record<string, string> = {
      method,
      app_key: this.options.appKey,
      timestamp: beijingTime(this.deps.now()),
      format: 'json',
      v: '2.0',
      sign_method: this.options.signMethod ?? 'hmac-sha256',
    };
    if (this.options.session) system.session = this.options.session;
    const { sign } = await signTop({ ...params, ...system }, this.options.appSecret);
    const url = new URL(this.gateway);
    for (const [k, v] of Object.entries({ ...system, sign })) url.searchParams.set(k, v);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const error = e as Error & { cause?: { code?: string } };
      const what = error?.name === 'TimeoutError' || error?.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : `${error?.message ?? String(e)}${error?.cause?.code ? ` (${error.cause.code})` : ''}`;
      return { kind: 'retry', reason: `${method}: ${what}`, code: 'network' };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      return { kind: 'retry', reason: `${method}: the answer broke off: ${(e as Error).message}`, code: 'network' };
    }
    const verdict = classifyTop({ status: response.status, text, retryAfter: response.headers.get('retry-after') }, this.deps.now());
    return verdict.kind === 'ok' ? verdict : { ...verdict, reason: `${method}: ${verdict.reason}` };
  }
}
