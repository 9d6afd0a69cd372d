/**
 * Kuaidi100 (快递100) as a delivery target: subscribe a waybill number to Kuaidi100's tracking
 * push (订阅推送), delivery kind `tracking.subscribe`. Kuaidi100 then POSTs every change of the
 * track to `callbackUrl`, signed with `salt` (callback.ts, `verifyAndParseCallback`).
 *
 * Safe to repeat: Kuaidi100 answers a second subscription of a number it is still tracking with
 * 501 重复订阅 and ignores it, which counts as delivered; so the adapter is `idempotent` and has no
 * lookup (Kuaidi100 has no "is this subscribed" call).
 *
 * The delivery's payload names the parcel: `waybillNo`, and `company` (Kuaidi100's code, e.g.
 * `shunfeng`) or `carrier` (the hub's code, mapped through `companies`), optionally `phone`
 * (SF requires one: 顺丰速运、顺丰快运必填); the phone defaults to the order's receiver.
 *
 * `queryKuaidi100Track` is the real-time query (`poll/query.do`, signed MD5(param + key + customer)),
 * for a read when a push is late.
 *
 * @example
 * const kd100 = createKuaidi100Adapter({ key: '…', callbackUrl: 'https://hub.example.com/hooks/kuaidi100?token=…', salt: '…' }, { fetch });
 * await kd100.send({ …, kind: 'tracking.subscribe', payload: { waybillNo: 'SF1440000000001', carrier: 'sf' } });
 */
import type { Adapter, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { classifyQuery, classifySubscribe, type QueryVerdict } from './classify.ts';
import { Kuaidi100Client } from './client.ts';
import { querySign } from './sign.ts';

export { callbackReply, STATES, verifyAndParseCallback, type CallbackResult } from './callback.ts';
export { classifyQuery, classifySubscribe } from './classify.ts';
export { DEFAULT_BASE_URL } from './client.ts';
export { callbackSign, md5Upper, querySign } from './sign.ts';

export interface Kuaidi100Config {
  /** https://poll.kuaidi100.com (default). */
  baseUrl?: string;
  /** 授权key (enterprise edition). */
  key: string;
  /** Where Kuaidi100 pushes (callbackurl); put a secret of your own in it too if you like. */
  callbackUrl: string;
  /** Signs every push: sign = MD5(param + salt). */
  salt: string;
  /** The delivery kind (default tracking.subscribe). */
  kind?: string;
  /** The hub's carrier codes → Kuaidi100 company codes, over DEFAULT_COMPANIES. */
  companies?: Record<string, string>;
  /** resultv2: '1' area parsing, '4' area parsing and advanced states (default '4'). */
  resultv2?: string;
  /** A call without an answer after this long is abandoned (default 30 s). */
  timeoutMs?: number;
  /** Over the default { concurrency: 8 }. */
  limits?: TargetLimits;
}

export interface Kuaidi100Deps {
  fetch: typeof fetch;
}

/** Kuaidi100's company codes (always lower case) of the carriers the hub routes to. */
export const DEFAULT_COMPANIES: Record<string, string> = {
  sf: 'shunfeng',
  yto: 'yuantong',
  zto: 'zhongtong',
  sto: 'shentong',
  yunda: 'yunda',
  ems: 'ems',
  jd: 'jd',
};
/** Companies for which Kuaidi100 needs a phone number. */
const PHONE_REQUIRED = new Set(['shunfeng', 'shunfengkuaiyun']);
export const DEFAULT_LIMITS: TargetLimits = { concurrency: 8 };
export const DEFAULT_KIND = 'tracking.subscribe';

export function createKuaidi100Adapter(config: Kuaidi100Config, deps: Kuaidi100Deps): Adapter {
  for (const key of ['key', 'callbackUrl', 'salt'] as const) if (!config[key]) throw new Error(`Kuaidi100: ${key} is required`);
  const kind = config.kind ?? DEFAULT_KIND;
  const companies = { ...DEFAULT_COMPANIES, ...config.companies };
  const client = new Kuaidi100Client({ ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}), ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) }, deps.fetch);

  return {
    idempotent: true,
    limits: { ...DEFAULT_LIMITS, ...config.limits },

    async send(delivery) {
      if (delivery.kind !== kind) return { outcome: 'failed', code: 'kind', reason: `the Kuaidi100 adapter sends "${kind}", not "${delivery.kind}"` };
      const payload = delivery.payload as { waybillNo?: unknown; company?: unknown; carrier?: unknown; phone?: unknown };
      const number = typeof payload.waybillNo === 'string' ? payload.waybillNo.trim() : '';
      if (!number) return { outcome: 'failed', code: 'waybill', reason: `delivery ${delivery.id} has no payload.waybillNo to track` };
      const company = typeof payload.company === 'string' && payload.company ? payload.company : companies[String(payload.carrier ?? '')];
      if (!company) return { outcome: 'failed', code: 'company', reason: `no Kuaidi100 company code for carrier "${String(payload.carrier ?? '-')}" (give payload.company, or map it in companies)` };
      const phone = phoneFor(typeof payload.phone === 'string' ? payload.phone : delivery.order?.receiver?.phone);
      if (!phone && PHONE_REQUIRED.has(company)) return { outcome: 'failed', code: 'phone', reason: `Kuaidi100 needs the sender's or receiver's phone to track ${company} waybills (payload.phone or the order's receiver)` };
      const receiver = delivery.order?.receiver;
      const to = receiver ? [receiver.province, receiver.city, receiver.district].filter(Boolean).join('') : '';
      const parameters = { callbackurl: config.callbackUrl, salt: config.salt, resultv2: config.resultv2 ?? '4', ...(phone ? { phone } : {}) };
      const param = { company, number, ...(to ? { to } : {}), key: config.key, parameters };
      // What the attempt log keeps: no key, no salt.
      const request = { company, number, ...(to ? { to } : {}), callbackurl: config.callbackUrl, resultv2: parameters.resultv2, ...(phone ? { phone } : {}) };

      const call = await client.post('/poll', { schema: 'json', param: JSON.stringify(param) });
      if (call.kind === 'not-sent') return { outcome: 'retry', reason: `subscribe: ${call.reason}`, request };
      if (call.kind === 'maybe-sent') return { outcome: 'unknown', reason: `subscribe ${company} ${number}: ${call.reason}`, request };
      const verdict = classifySubscribe(call);
      return outcomeOf(verdict, request);
    },
  };
}

/** The phone Kuaidi100 can use: a masked or virtual number (138****5678, 138…-1234) gives its last 4 digits. */
export function phoneFor(value: string | null | undefined): string | undefined {
  const text = (value ?? '').trim();
  if (!text) return undefined;
  const virtual = /^1\d{10}-(\d{4})$/.exec(text);
  if (virtual) return virtual[1];
  if (text.includes('*')) return /(\d{4})$/.exec(text)?.[1];
  return text;
}

function outcomeOf(verdict: ReturnType<typeof classifySubscribe>, request: unknown): SendOutcome {
  switch (verdict.kind) {
    case 'ok':
      return { outcome: 'delivered', request, response: verdict.body };
    case 'retry':
      return { outcome: 'retry', reason: verdict.reason, request, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.pauseTarget ? { pauseTarget: true } : {}), ...(verdict.body ? { response: verdict.body } : {}) };
    case 'failed':
      return { outcome: 'failed', code: verdict.code, reason: verdict.reason, request, ...(verdict.body ? { response: verdict.body } : {}) };
    case 'unknown':
      return { outcome: 'unknown', reason: verdict.reason, request };
  }
}

export interface QueryConfig {
  baseUrl?: string;
  key: string;
  /** customer (公司编号) of the enterprise account. */
  customer: string;
  timeoutMs?: number;
}

export interface QueryParam {
  com: string;
  num: string;
  phone?: string;
  from?: string;
  to?: string;
  resultv2?: string;
}

/**
 * Kuaidi100's real-time query: POST `{baseUrl}/poll/query.do` with `customer`, `param` (JSON)
 * and `sign = MD5(param + key + customer)` in upper-case hex. One call; never retried here.
 */
export async function queryKuaidi100Track(config: QueryConfig, deps: Kuaidi100Deps, query: QueryParam): Promise<QueryVerdict> {
  const client = new Kuaidi100Client({ ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}), ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) }, deps.fetch);
  const param = JSON.stringify({ com: query.com, num: query.num, ...(query.phone ? { phone: query.phone } : {}), ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}), resultv2: query.resultv2 ?? '4', show: '0', order: 'desc' });
  const call = await client.post('/poll/query.do', { customer: config.customer, sign: querySign(param, config.key, config.customer), param });
  if (call.kind !== 'answer') return { kind: 'retry', reason: `query: ${call.reason}` };
  return classifyQuery(call);
}

