/**
 * The K/3 Cloud WebAPI over the injected fetch: one POST per call, never a retry. Logs in with
 * AuthService.ValidateUser (user + password) or AuthService.LoginByAppSecret (third-party app),
 * keeps the session cookies (kdservice-sessionid, ASP.NET_SessionId) and sends them back with
 * the `kdservice-sessionid` header, as Kingdee's SDKs do. Concurrent sends share one login.
 *
 * @example
 * const client = new KingdeeClient({ baseUrl: 'https://erp.example.com/k3cloud/', acctId: '6871…', auth: { kind: 'password', username: 'api', password: '…' } }, fetch);
 * const session = await client.session();                 // { ok: true, session } or { ok: false, reason }
 * const call = await client.post(SERVICES.save, { formid: 'SAL_SaleOrder', data: '{"Model":{…}}' }, session.session);
 */
import { callFailure } from '../../core/outbox/http-answer.ts';
import { retryAfterMs } from './classify.ts';

export const SERVICES = {
  validateUser: 'Kingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser.common.kdsvc',
  loginByAppSecret: 'Kingdee.BOS.WebApi.ServicesStub.AuthService.LoginByAppSecret.common.kdsvc',
  save: 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Save.common.kdsvc',
  submit: 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Submit.common.kdsvc',
  audit: 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Audit.common.kdsvc',
  executeBillQuery: 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc',
} as const;

export type KingdeeAuth =
  | { kind: 'password'; username: string; password: string }
  /** 第三方系统登录授权: the app id and secret issued in the account set's admin console. */
  | { kind: 'app-secret'; username: string; appId: string; appSecret: string };

export interface KingdeeClientOptions {
  /** The site, ending in /k3cloud/ (a missing trailing slash is added). */
  baseUrl: string;
  /** 数据中心 (account set) id. */
  acctId: string;
  auth: KingdeeAuth;
  /** Language: 2052 simplified Chinese (default), 1033 English, 3076 traditional Chinese. */
  lcid?: number;
  /** A call that has not answered after this long is abandoned (default 30 s). */
  timeoutMs?: number;
}

export interface Session {
  /** The Cookie header to send back. */
  cookie: string;
  /** The kdservice-sessionid value. */
  id: string;
}

/** What became of one POST: an answer, or a failure before or after the request went out. */
export type Call =
  | { kind: 'answer'; status: number; text: string; headers: Headers; retryAfter: string | null }
  /** Nothing reached Kingdee (connection refused, DNS): safe to send again. */
  | { kind: 'not-sent'; reason: string }
  /** The request may have been processed (timeout after sending, connection lost mid-call). */
  | { kind: 'maybe-sent'; reason: string };

export type SessionResult = { ok: true; session: Session } | { ok: false; reason: string; afterMs?: number };

/** Between logins that were refused (bad password, app not authorised): someone has to fix the config. */
export const LOGIN_REFUSED_RETRY_MS = 5 * 60_000;

const DEFAULT_TIMEOUT_MS = 30_000;
/** Errors that mean the request never left (undici puts the code on `cause`). */
export class KingdeeClient {
  readonly baseUrl: string;
  private current: Promise<SessionResult> | null = null;
  private currentId: string | null = null;

  constructor(
    private readonly options: KingdeeClientOptions,
    private readonly fetchFn: typeof fetch,
  ) {
    this.baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  }

  /** The cached session, or one login shared by every caller waiting for it. */
  session(): Promise<SessionResult> {
    if (!this.current) {
      const login: Promise<SessionResult> = this.login().then((r) => {
        if (this.current === login) {
          // A failed login is not kept: the next attempt tries again.
          if (r.ok) this.currentId = r.session.id;
          else this.current = null;
        }
        return r;
      });
      this.current = login;
    }
    return this.current;
  }

  /** Forgets a session Kingdee said is gone, unless a newer login already replaced it. */
  dropSession(session: Session): void {
    if (this.currentId === session.id) {
      this.current = null;
      this.currentId = null;
    }
  }

  /** One POST of a JSON body to a service, with the session when given. */
  async post(service: string, body: unknown, session?: Session): Promise<Call> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (session) {
      headers.cookie = session.cookie;
      headers['kdservice-sessionid'] = session.id;
    }
    let response: Response;
    try {
      response = await this.fetchFn(this.baseUrl + service, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (e) {
      return callFailure(e, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    }
    try {
      const text = await response.text();
      return { kind: 'answer', status: response.status, text, headers: response.headers, retryAfter: response.headers.get('retry-after') };
    } catch (e) {
      // The headers came, the body did not: Kingdee has answered, but we cannot read what.
      return { kind: 'maybe-sent', reason: `the answer broke off: ${(e as Error).message}` };
    }
  }

  private async login(): Promise<SessionResult> {
    const { acctId, auth } = this.options;
    const lcid = this.options.lcid ?? 2052;
    const [service, body] =
      auth.kind === 'password'
        ? [SERVICES.validateUser, { acctID: acctId, username: auth.username, password: auth.password, lcid }]
        : [SERVICES.loginByAppSecret, { acctID: acctId, username: auth.username, appId: auth.appId, appSecret: auth.appSecret, lcid }];
    const call = await this.post(service, body);
    if (call.kind !== 'answer') return { ok: false, reason: `Kingdee login: ${call.reason}` };
    if (call.status < 200 || call.status >= 300) {
      const afterMs = call.status === 429 ? retryAfterMs(call.retryAfter) : undefined;
      return { ok: false, reason: `Kingdee login: HTTP ${call.status}`, ...(afterMs !== undefined ? { afterMs } : {}) };
    }
    let result: { LoginResultType?: number; Message?: string | null; KDSVCSessionId?: string | null };
    try {
      result = JSON.parse(call.text) as typeof result;
    } catch {
      return { ok: false, reason: `Kingdee login: the answer is not JSON: ${call.text.slice(0, 200)}` };
    }
    if (result.LoginResultType !== 1) {
      return { ok: false, reason: `Kingdee login refused (LoginResultType ${result.LoginResultType ?? '-'}): ${result.Message ?? ''}`.trim(), afterMs: LOGIN_REFUSED_RETRY_MS };
    }
    const cookies = setCookies(call.headers);
    const id = result.KDSVCSessionId || cookies.get('kdservice-sessionid');
    if (!id) return { ok: false, reason: 'Kingdee login: success without a session id or cookie' };
    if (!cookies.has('kdservice-sessionid')) cookies.set('kdservice-sessionid', id);
    return { ok: true, session: { id, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } };
  }
}

/** name → value of every Set-Cookie header. */
function setCookies(headers: Headers): Map<string, string> {
  const lines = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : (headers.get('set-cookie')?.split(/,(?=\s*[^;,=\s]+=)/) ?? []);
  const cookies = new Map<string, string>();
  for (const line of lines) {
    const pair = line.split(';', 1)[0]!;
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}
