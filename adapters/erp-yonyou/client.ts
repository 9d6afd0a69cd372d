/**
 * YonBIP open API calls: a self-built app's access token, fetched with a signed request and kept
 * until shortly before it expires (2 hours), and JSON POSTs to the gateway with it.
 *
 *   GET  {authUrl}/open-auth/selfAppAuth/base/v1/getAccessToken?appKey=…&timestamp=<ms>&signature=…
 *        → {"code":"00000","message":"成功！","data":{"access_token":"…","expire":7200}}
 *   POST {baseUrl}/yonbip/…?access_token=…   (application/json) → {"code":"200","message":…,"data":…}
 *
 * The gateway and auth hosts are the tenant's data centre's (open-auth/dataCenter/getGatewayAddress
 * tells them: `gatewayUrl`, `tokenUrl`); the sandbox serves both.
 */
import { callFailure, truncate } from '../../core/outbox/http-answer.ts';
import { signYonyouToken } from './sign.ts';

export const TOKEN_PATH = '/open-auth/selfAppAuth/base/v1/getAccessToken';
const DEFAULT_TIMEOUT_MS = 30_000;
/** A token is renewed this long before Yonyou says it expires. */
const RENEW_AHEAD_MS = 5 * 60_000;

export type Call = { kind: 'answer'; status: number; text: string } | { kind: 'not-sent'; reason: string } | { kind: 'maybe-sent'; reason: string };

export interface YonyouClientOptions {
  baseUrl: string;
  authUrl: string;
  appKey: string;
  appSecret: string;
  timeoutMs?: number;
}

export class YonyouClient {
  private token: { value: string; renewAt: number } | null = null;
  private pending: Promise<{ ok: true; token: string } | { ok: false; reason: string }> | null = null;

  constructor(
    private readonly options: YonyouClientOptions,
    private readonly fetchFn: typeof fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current token, fetched once for concurrent callers. */
  async accessToken(): Promise<{ ok: true; token: string } | { ok: false; reason: string }> {
    if (this.token && this.now() < this.token.renewAt) return { ok: true, token: this.token.value };
    this.pending ??= this.fetchToken().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Yonyou refused the token (310036): the next call fetches a new one. */
  dropToken(): void {
    this.token = null;
  }

  async post(path: string, body: unknown, token: string): Promise<Call> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams({ access_token: token })}`;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json;charset=utf-8' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      return scrubbed(callFailure(e, timeoutMs), token);
    }
    try {
      return { kind: 'answer', status: response.status, text: await response.text() };
    } catch (e) {
      return { kind: 'maybe-sent', reason: `the answer broke off: ${(e as Error).message}` };
    }
  }

  private async fetchToken(): Promise<{ ok: true; token: string } | { ok: false; reason: string }> {
    const timestamp = String(this.now());
    const { sign } = await signYonyouToken(this.options.appSecret, { appKey: this.options.appKey, timestamp });
    const url = `${this.options.authUrl.replace(/\/+$/, '')}${TOKEN_PATH}?${new URLSearchParams({ appKey: this.options.appKey, timestamp, signature: sign })}`;
    let text: string;
    try {
      const response = await this.fetchFn(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
      text = await response.text();
      if (!response.ok) return { ok: false, reason: `Yonyou token: HTTP ${response.status} ${truncate(text)}`.trim() };
    } catch (e) {
      return { ok: false, reason: `Yonyou token: ${callFailure(e, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS).reason}` };
    }
    let body: { code?: unknown; message?: unknown; data?: { access_token?: unknown; expire?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { ok: false, reason: `Yonyou token: the answer is not JSON: ${truncate(text)}` };
    }
    const token = body.data?.access_token;
    if (String(body.code) !== '00000' || typeof token !== 'string' || !token) return { ok: false, reason: `Yonyou token refused: ${String(body.code ?? '-')} ${String(body.message ?? '')}`.trim() };
    const expireSeconds = Number(body.data?.expire) || 7200;
    this.token = { value: token, renewAt: this.now() + Math.max(expireSeconds * 1000 - RENEW_AHEAD_MS, 60_000) };
    return { ok: true, token };
  }
}

/** A fetch error may quote the URL, and the URL holds the token. */
function scrubbed(call: { kind: 'not-sent' | 'maybe-sent'; reason: string }, token: string): Call {
  return { kind: call.kind, reason: call.reason.split(token).join('***').split(encodeURIComponent(token)).join('***') } as Call;
}
