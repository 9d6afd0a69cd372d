/**
 * The Youzan Cloud access token of one shop: fetched from `POST {baseUrl}/auth/token`, cached,
 * refreshed before it expires, dropped when an API call says it is no good. Concurrent callers
 * share one token request. Never retries, never sleeps, never returns or logs a secret.
 *
 * Self-built apps (自用型, the default): `{client_id, client_secret, authorize_type: "silent",
 * grant_id: <kdt_id>, refresh: true}`. `refresh: true` asks for a new token; with false Youzan
 * hands back the current one without extending it, which is useless both before expiry and after
 * an early rejection (youzan/open-sdk-node README and `src/token.js`; TsangJx/YouZanYunSDK
 * `API/YouZanYunAPIClient.cs` sends the same body).
 *
 * Tool apps (工具型): `{client_id, client_secret, authorize_type: "refresh_token", refresh_token}`.
 * Youzan rotates the refresh token on every refresh (overtrue/youzan#1): the new one is kept and
 * handed to `onRefreshToken`, so the runtime can store it.
 *
 * Answer: `{"success":true,"code":200,"data":{"access_token":"…","expires":1583720718116,"scope":"…",
 * "authority_id":"42583152"},"message":null}`. `expires` is the expiry instant in epoch
 * milliseconds (tokens live 7 days); an epoch in seconds is read as such too. Failures keep the
 * envelope: `{"success":false,"code":1103,"data":null,"message":"Client 不存在"}` (1000 应用信息错误,
 * 1004 授权关系已过期, 1103 Client/授权关系不存在, 1105 不支持的应用类型).
 *
 * A cached token can be refused before it expires (Hanson/youzan-sdk#19): the client calls
 * `reject(token)` and the next `get()` fetches a new one.
 */
import { parsePayloadJson } from '../../core/payload/json.ts';
import { retryAfterMs, truncate } from './classify.ts';

export interface TokenOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The shop's kdt_id (grant_id), for silent tokens. */
  grantId: string;
  authorizeType: 'silent' | 'refresh_token';
  /** Tool apps: the refresh token to start from. */
  refreshToken?: string;
  /** Refresh this long before expiry (default 24 h), capped at a quarter of the token's lifetime. */
  refreshAheadMs?: number;
  timeoutMs: number;
  /** Called with every new refresh token (tool apps rotate it): store it. */
  onRefreshToken?: (refreshToken: string) => void;
}

export type TokenResult = { ok: true; token: string } | { ok: false; reason: string; code?: string; afterMs?: number; pauseTarget?: boolean };

/** What `health()` tells about the token; never the token itself. */
export interface TokenHealth {
  /** none: never fetched; valid; refresh-due: inside the refresh margin; expired. */
  state: 'none' | 'valid' | 'refresh-due' | 'expired';
  expiresAt: string | null;
  lastRefreshAt: string | null;
  lastRefreshError: string | null;
  /** Successful token requests. */
  refreshes: number;
  /** Failed token requests, in all and in a row. */
  refreshFailures: number;
  consecutiveRefreshFailures: number;
  /** Tokens an API call refused before their expiry. */
  rejections: number;
  lastRejectionAt: string | null;
  lastRejection: string | null;
}

interface Cached {
  token: string;
  expiresAt: number;
  obtainedAt: number;
}

export const DEFAULT_REFRESH_AHEAD_MS = 24 * 60 * 60_000;
/** Youzan's documented lifetime, for an answer without `expires`. */
export const DEFAULT_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60_000;
/** After Youzan refused the credentials or the authorisation: someone has to fix the config. */
export const CREDENTIALS_REFUSED_RETRY_MS = 5 * 60_000;
/** Between attempts to refresh ahead of expiry, while the old token still works. */
export const REFRESH_RETRY_MS = 60_000;
const REFUSED_CODES = new Set(['1000', '1004', '1005', '1103', '1105']);

export class TokenKeeper {
  private cached: Cached | null = null;
  private pending: Promise<TokenResult> | null = null;
  private refreshToken: string | undefined;
  /** After a failed refresh ahead of expiry, the old token serves until then before the next try. */
  private retryRefreshAt = 0;
  private readonly stats = {
    lastRefreshAt: null as number | null,
    lastRefreshError: null as string | null,
    refreshes: 0,
    refreshFailures: 0,
    consecutiveRefreshFailures: 0,
    rejections: 0,
    lastRejectionAt: null as number | null,
    lastRejection: null as string | null,
  };

  constructor(
    private readonly options: TokenOptions,
    private readonly fetchFn: typeof fetch,
    private readonly now: () => number,
  ) {
    this.refreshToken = options.refreshToken;
  }

  /** The cached token, or one token request shared by every caller waiting for it. */
  async get(): Promise<TokenResult> {
    const cached = this.cached;
    const now = this.now();
    if (cached && now < cached.expiresAt && (now < cached.expiresAt - this.margin(cached) || now < this.retryRefreshAt)) return { ok: true, token: cached.token };
    if (!this.pending) {
      const request = this.request().finally(() => {
        if (this.pending === request) this.pending = null;
      });
      this.pending = request;
    }
    const result = await this.pending;
    // A refresh ahead of expiry that failed leaves the old token, which still works until it expires.
    if (!result.ok && cached && this.cached === cached && this.now() < cached.expiresAt) return { ok: true, token: cached.token };
    return result;
  }

  /** An API call refused this token: forget it, unless a newer one already replaced it. */
  reject(token: string, reason: string): void {
    this.stats.rejections++;
    this.stats.lastRejectionAt = this.now();
    this.stats.lastRejection = reason;
    if (this.cached?.token === token) this.cached = null;
  }

  health(): TokenHealth {
    const now = this.now();
    const c = this.cached;
    const state = !c ? 'none' : now >= c.expiresAt ? 'expired' : now >= c.expiresAt - this.margin(c) ? 'refresh-due' : 'valid';
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      state,
      expiresAt: c ? iso(c.expiresAt) : null,
      lastRefreshAt: iso(this.stats.lastRefreshAt),
      lastRefreshError: this.stats.lastRefreshError,
      refreshes: this.stats.refreshes,
      refreshFailures: this.stats.refreshFailures,
      consecutiveRefreshFailures: this.stats.consecutiveRefreshFailures,
      rejections: this.stats.rejections,
      lastRejectionAt: iso(this.stats.lastRejectionAt),
      lastRejection: this.stats.lastRejection,
    };
  }

  private margin(cached: Cached): number {
    const ahead = this.options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
    return Math.min(ahead, Math.max(0, (cached.expiresAt - cached.obtainedAt) / 4));
  }

  private async request(): Promise<TokenResult> {
    const result = await this.fetchToken();
    if (result.ok) {
      this.stats.refreshes++;
      this.stats.lastRefreshAt = this.now();
      this.stats.lastRefreshError = null;
      this.stats.consecutiveRefreshFailures = 0;
      this.retryRefreshAt = 0;
    } else {
      this.stats.refreshFailures++;
      this.stats.consecutiveRefreshFailures++;
      this.stats.lastRefreshError = result.reason;
      this.retryRefreshAt = this.now() + (result.afterMs ?? REFRESH_RETRY_MS);
    }
    return result;
  }

  private async fetchToken(): Promise<TokenResult> {
    const o = this.options;
    let body: Record<string, unknown>;
    if (o.authorizeType === 'refresh_token') {
      if (!this.refreshToken) return { ok: false, reason: 'Youzan token: no refresh token for a tool app (shop config refreshToken)', afterMs: CREDENTIALS_REFUSED_RETRY_MS, pauseTarget: true };
      body = { client_id: o.clientId, client_secret: o.clientSecret, authorize_type: 'refresh_token', refresh_token: this.refreshToken };
    } else {
      body = { client_id: o.clientId, client_secret: o.clientSecret, authorize_type: 'silent', grant_id: o.grantId, refresh: true };
    }
    const startedAt = this.now();
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(`${o.baseUrl}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=UTF-8', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      return { ok: false, reason: `Youzan token request failed: ${describeError(e)}` };
    }
    if (response.status === 429 || response.status >= 500) {
      return { ok: false, reason: `Youzan token request: HTTP ${response.status}`, ...(response.status === 429 ? { afterMs: retryAfterMs(response.headers.get('retry-after')) ?? 60_000 } : {}) };
    }
    let answer: { success?: unknown; code?: unknown; message?: unknown; data?: Record<string, unknown> | null };
    try {
      answer = parsePayloadJson(text) as typeof answer;
    } catch {
      return { ok: false, reason: `Youzan token request: HTTP ${response.status}, not JSON: ${truncate(text)}` };
    }
    const data = answer?.data;
    const token = data && typeof data.access_token === 'string' ? data.access_token : '';
    if (answer?.success !== true || !token) {
      const code = answer?.code === undefined || answer?.code === null ? '' : String(answer.code);
      const reason = `Youzan token refused (${code || `HTTP ${response.status}`}): ${String(answer?.message ?? '')}`.trim();
      return REFUSED_CODES.has(code) ? { ok: false, code, reason, afterMs: CREDENTIALS_REFUSED_RETRY_MS, pauseTarget: true } : { ok: false, ...(code ? { code } : {}), reason };
    }
    const rotated = data && typeof data.refresh_token === 'string' && data.refresh_token ? data.refresh_token : undefined;
    if (rotated && rotated !== this.refreshToken) {
      this.refreshToken = rotated;
      o.onRefreshToken?.(rotated);
    }
    this.cached = { token, expiresAt: expiresAtOf(data?.expires, startedAt), obtainedAt: startedAt };
    return { ok: true, token };
  }
}

/** `expires`: epoch ms (documented), epoch seconds, or seconds from now. */
export function expiresAtOf(value: unknown, now: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return now + DEFAULT_TOKEN_LIFETIME_MS;
  if (n >= 1e12) return n;
  if (n >= 1e9) return n * 1000;
  return now + n * 1000;
}

export function describeError(e: unknown): string {
  const error = e as Error & { cause?: { code?: string } };
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return 'no answer in time';
  return `${error?.message ?? String(e)}${error?.cause?.code ? ` (${error.cause.code})` : ''}`;
}
