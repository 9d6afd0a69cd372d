/**
 * Youzan Cloud API calls over the injected fetch: `POST {baseUrl}/api/{name}/{version}?access_token=…`
 * with a JSON body, one call, never a retry. The token goes in the query string only (the gateway
 * ignores it in a header or in the body and answers 4201). A refused token (4201/4202/4203) is
 * dropped and the call answers `retry`: the engine's next attempt fetches a fresh token.
 *
 * @example
 * const client = new YouzanClient(config, tokens, fetch);
 * const call = await client.call('youzan.trade.get', '4.0.2', { tid: 'E2024…' });
 * // { ok: true, data: { full_order_info: … } } | { ok: false, outcome: { outcome: 'retry' | 'failed', … } }
 */
import type { SendOutcome } from '../../core/outbox/types.ts';
import { classifyAnswer, type Verdict } from './classify.ts';
import { describeError, type TokenKeeper } from './token.ts';

export type CallResult =
  | { ok: true; data: Record<string, unknown>; body: unknown }
  | { ok: false; outcome: Extract<SendOutcome, { outcome: 'retry' | 'failed' }>; verdict?: Verdict };

/** After a refused token: soon, with a fresh one. */
export const TOKEN_REFUSED_RETRY_MS = 1_000;
/** After a fresh token was refused too: the authorisation itself is likely gone (4201). */
export const TOKEN_REFUSED_AGAIN_RETRY_MS = 5 * 60_000;

export class YouzanClient {
  /** Token refusals since the last accepted call. */
  private refusalsInARow = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenKeeper,
    private readonly fetchFn: typeof fetch,
    private readonly timeoutMs: number,
  ) {}

  async call(api: string, version: string, params: Record<string, unknown>): Promise<CallResult> {
    // What the attempt log keeps: never the token.
    const request = { api: `${api}/${version}`, params };
    const token = await this.tokens.get();
    if (!token.ok) {
      return { ok: false, outcome: { outcome: 'retry', reason: token.reason, request, ...(token.afterMs !== undefined ? { afterMs: token.afterMs } : {}), ...(token.pauseTarget ? { pauseTarget: true } : {}) } };
    }
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await this.fetchFn(`${this.baseUrl}/api/${api}/${version}?access_token=${encodeURIComponent(token.token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json' },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (e) {
      // Reads are safe to repeat, and so is the one write (stock is set, not added): retry either way.
      return { ok: false, outcome: { outcome: 'retry', reason: `${api}: ${describeError(e)}`, request } };
    }
    const verdict = classifyAnswer({ status, text, retryAfter });
    // Any answer but a refused token means the token got through.
    if (verdict.kind !== 'token') this.refusalsInARow = 0;
    switch (verdict.kind) {
      case 'ok':
        return { ok: true, data: verdict.data, body: verdict.body };
      case 'token': {
        this.tokens.reject(token.token, verdict.reason);
        this.refusalsInARow++;
        const afterMs = this.refusalsInARow > 1 ? TOKEN_REFUSED_AGAIN_RETRY_MS : TOKEN_REFUSED_RETRY_MS;
        return { ok: false, verdict, outcome: { outcome: 'retry', reason: `${api}: access token refused (${verdict.reason}); a new one is fetched next time`, afterMs, request, response: verdict.body } };
      }
      case 'retry':
        return { ok: false, verdict, outcome: { outcome: 'retry', reason: `${api}: ${verdict.reason}`, request, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.pauseTarget ? { pauseTarget: true } : {}), ...(verdict.body !== undefined ? { response: verdict.body } : {}) } };
      case 'failed':
        return { ok: false, verdict, outcome: { outcome: 'failed', code: verdict.code, reason: `${api}: ${verdict.reason}`, request, ...(verdict.body !== undefined ? { response: verdict.body } : {}) } };
    }
  }
}
