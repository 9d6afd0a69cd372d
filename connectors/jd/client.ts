/**
 * One signed JOS call through the injected fetch: no retries, no sleeps.
 *
 * The request is what JD's Java SDK sends (`DefaultJdClient.execute`): a POST to the gateway
 * (`https://api.jd.com/routerjson`) with the system parameters and `sign` in the query string and
 * `360buy_param_json` in an `application/x-www-form-urlencoded` body. The business parameters are
 * one JSON object with its keys sorted (the SDK builds it from a TreeMap), nulls left out.
 *
 * System parameters: method, access_token, app_key, timestamp (Beijing `yyyy-MM-dd HH:mm:ss`;
 * JD allows 6 minutes of skew), format=json, v=2.0, sign_method=md5, sign (sign.ts).
 *
 * @example
 * const client = new JosClient({ baseUrl: 'https://api.jd.com/routerjson', appKey, appSecret, accessToken }, { fetch, now: Date.now });
 * const call = await client.call('jingdong.pop.order.get', { order_id: josLong('301234567890'), optional_fields: 'orderId,modified' });
 * // { kind: 'answer', status: 200, text: '{"jingdong_pop_order_get_responce":{…}}', retryAfter: null }
 */
import { LosslessNumber, stringify } from 'lossless-json';
import { isoToBeijing } from '../../core/order/time.ts';
import { signJos } from './sign.ts';

export interface JosClientOptions {
  /** The gateway: https://api.jd.com/routerjson (production), the JOS test gateway, or the simulator. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** The shop's OAuth access_token. */
  accessToken: string;
  /** A call that has not answered after this long is abandoned (default 30 s). */
  timeoutMs?: number;
}

export type Call =
  | { kind: 'answer'; status: number; text: string; retryAfter: string | null }
  /** Nothing reached JD (connection refused, DNS): safe to send again. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have been processed (timeout after sending, connection lost mid-call). */
  | { kind: 'maybe-sent'; reason: string };

/** A business parameter: JSON scalars, or a Long written as bare digits (josLong). */
export type JosValue = string | number | boolean | LosslessNumber;

const DEFAULT_TIMEOUT_MS = 30_000;
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** A Long parameter (an order or sku id) as bare JSON digits, exact past 2^53. */
export function josLong(digits: string): LosslessNumber {
  if (!/^\d{1,19}$/.test(digits)) throw new TypeError(`"${digits}" is not a JD id (digits only)`);
  return new LosslessNumber(digits);
}

/** Beijing wall-clock time of an epoch-millisecond instant, as JOS wants it. */
export function beijingTime(ms: number): string {
  return isoToBeijing(new Date(ms).toISOString());
}

/** `360buy_param_json`: keys sorted, undefined and null left out, Longs unquoted. */
export function paramJson(params: Record<string, JosValue | null | undefined>): string {
  const sorted: Record<string, JosValue> = {};
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value !== undefined && value !== null) sorted[key] = value;
  }
  return stringify(sorted) ?? '{}';
}

export class JosClient {
  readonly endpoint: string;

  constructor(
    private readonly options: JosClientOptions,
    private readonly deps: { fetch: typeof fetch; now: () => number },
  ) {
    this.endpoint = gatewayUrl(options.baseUrl);
  }

  /** The signed parameters of one call (exported for tests and `hub sign jd`). */
  signedParams(method: string, params: Record<string, JosValue | null | undefined>): Record<string, string> {
    const { params: signed } = signJos(
      {
        method,
        access_token: this.options.accessToken,
        app_key: this.options.appKey,
        timestamp: beijingTime(this.deps.now()),
        format: 'json',
        v: '2.0',
        sign_method: 'md5',
        '360buy_param_json': paramJson(params),
      },
      this.options.appSecret,
    );
    return signed;
  }

  async call(method: string, params: Record<string, JosValue | null | undefined>): Promise<Call> {
    const signed = this.signedParams(method, params);
    const { '360buy_param_json': json = '{}', ...system } = signed;
    const url = `${this.endpoint}${this.endpoint.includes('?') ? '&' : '?'}${new URLSearchParams(system).toString()}`;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
        body: new URLSearchParams({ '360buy_param_json': json }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      return failure(e, timeoutMs);
    }
    try {
      const text = await response.text();
      return { kind: 'answer', status: response.status, text, retryAfter: response.headers.get('retry-after') };
    } catch (e) {
      return { kind: 'maybe-sent', reason: `the answer broke off: ${(e as Error).message}` };
    }
  }
}

/** The gateway URL: the base URL as given when it names `routerjson`, else with it appended. */
export function gatewayUrl(baseUrl: string): string {
  const url = baseUrl.trim();
  if (/\/routerjson(\?|$)/.test(url)) return url;
  return `${url.replace(/\/+$/, '')}/routerjson`;
}

function failure(e: unknown, timeoutMs: number): Call {
  const error = e as Error & { cause?: { code?: string; errors?: Array<{ code?: string }> } };
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return { kind: 'maybe-sent', reason: `no answer within ${timeoutMs} ms` };
  const code = error?.cause?.code ?? error?.cause?.errors?.[0]?.code;
  const reason = `${error?.message ?? String(e)}${code ? ` (${code})` : ''}`;
  return code && NOT_SENT_CODES.has(code) ? { kind: 'not-sent', reason } : { kind: 'maybe-sent', reason };
}
