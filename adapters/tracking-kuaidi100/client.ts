/**
 * Kuaidi100 over the injected fetch: one form POST per call, never a retry.
 *
 * - subscribe: `POST {baseUrl}/poll`, form `schema=json&param=<json>` (the key is inside param);
 * - real-time query: `POST {baseUrl}/poll/query.do`, form `customer, sign, param`.
 *
 * @example
 * const client = new Kuaidi100Client({ baseUrl: 'https://poll.kuaidi100.com' }, fetch);
 * await client.post('/poll', { schema: 'json', param: JSON.stringify({ company: 'shunfeng', number: 'SF…', key, parameters: { callbackurl, salt } }) });
 */
import { callFailure } from '../../core/outbox/http-answer.ts';

export const DEFAULT_BASE_URL = 'https://poll.kuaidi100.com';

export type Call =
  | { kind: 'answer'; status: number; text: string; retryAfter: string | null }
  /** Nothing reached Kuaidi100 (connection refused, DNS): safe to send again. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have been processed (timeout after sending, connection lost mid-call). */
  | { kind: 'maybe-sent'; reason: string };

const DEFAULT_TIMEOUT_MS = 30_000;
export class Kuaidi100Client {
  readonly baseUrl: string;

  constructor(
    private readonly options: { baseUrl?: string; timeoutMs?: number },
    private readonly fetchFn: typeof fetch,
  ) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  }

  async post(path: '/poll' | '/poll/query.do', form: Record<string, string>): Promise<Call> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.fetchFn(this.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      return callFailure(e, timeoutMs);
    }
    try {
      return { kind: 'answer', status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
    } catch (e) {
      return { kind: 'maybe-sent', reason: `the answer broke off: ${(e as Error).message}` };
    }
  }
}
