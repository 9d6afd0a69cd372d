/**
 * Aliyun SMS (阿里云短信服务, Dysmsapi 2017-05-25) as a delivery target: customer messages per
 * delivery kind (`sms.order_confirmed`, `sms.shipped`, `sms.delivered`, `sms.refund_done` …), each
 * an approved template filled from a Handlebars template per variable.
 *
 *   POST {baseUrl}/   (application/x-www-form-urlencoded, RPC signature V1, see sign.ts)
 *   Action=SendSms&PhoneNumbers=…&SignName=…&TemplateCode=SMS_…&TemplateParam={"order":"…"}&OutId=<from the key>
 *   → {"Message":"OK","RequestId":"…","Code":"OK","BizId":"…^0"}
 *
 * SendSms has no idempotency ("国内短信…目前均不支持幂等的能力"), so `idempotent` is false. After a
 * call that may have gone out, `lookup` lists what was sent to the phone on each day since the
 * delivery was queued (QuerySendDetails by PhoneNumber + SendDate; it cannot search by OutId,
 * but returns each record's OutId) and looks for this delivery's OutId.
 *
 * Nothing is sent, and the delivery counts as delivered with `response.skipped`, when the order's
 * channel is not in `allowedChannels`, the order has no receiver phone, or the phone opted out.
 * The receiver's phone and name never appear in clear in a request, response or reason.
 *
 * Pacing per phone is Aliyun's and the engine's, not the adapter's: Aliyun enforces the per-phone
 * limits (console 发送频率设置) and answers isv.BUSINESS_LIMIT_CONTROL, which comes back as a retry
 * after the window its message names, without pausing the other phones.
 *
 * @example
 * const sms = createAliyunSmsAdapter({ baseUrl: 'https://dysmsapi.aliyuncs.com', accessKeyId, accessKeySecret, signName: '茶小铺',
 *   messages: { 'sms.shipped': { templateCode: 'SMS_46280001' } } }, { fetch });
 * await sms.send(delivery); // { outcome: 'delivered', request: { … PhoneNumbers: '138****5678' … }, response: { Code: 'OK', BizId: '…' } }
 */
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { classifyFailure, classifySendSms, parseAliyunBody } from './classify.ts';
import { outIdFor } from './out-id.ts';
import { maskMobile, normalizeMobile, redactOutcome, redactorFor, type Redact } from './phone.ts';
import { buildRpcCall, type RpcCall } from './rpc.ts';
import type { RpcMethod } from './sign.ts';
import { compileMessages, MissingValueError, type MessageConfig, type RenderedMessage } from './templates.ts';

export { signAliyunRpc, percentEncode, stringToSign, aliyunTimestamp } from './sign.ts';
export { classifySendSms, flowControlWaitMs, ALIYUN_CODES } from './classify.ts';
export { outIdFor } from './out-id.ts';
export { DEFAULT_PARAMS, CARRIER_NAMES, TemplateConfigError, type MessageConfig } from './templates.ts';

export interface AliyunSmsConfig {
  /** `https://dysmsapi.aliyuncs.com`, or the sandbox. */
  baseUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** The approved signature (签名), e.g. 茶小铺. */
  signName: string;
  /** Delivery kind → template code and variables. A kind without an entry fails (code `config`). */
  messages: Record<string, MessageConfig>;
  /** Carrier id → the name customers read, over the built-in ones (sf → 顺丰速运 …). */
  carrierNames?: Record<string, string>;
  /** Order channels whose buyers may be texted; absent: every channel. */
  allowedChannels?: string[];
  /** Numbers that opted out (any spelling: +86, spaces). */
  optedOut?: string[];
  /** Asked before each message with the 11-digit number; true skips it. */
  isOptedOut?: (phone: string, delivery: Delivery) => boolean | Promise<boolean>;
  /** Default `cn-hangzhou`. */
  regionId?: string;
  /** Default POST (form body); GET puts the parameters in the URL. */
  method?: RpcMethod;
  /** A call without an answer after this long is `unknown` (default 10 s; Aliyun advises ≥ 1 s). */
  timeoutMs?: number;
  /** Over the default `{ calls: 5000, perMs: 1000 }` (SendSms' documented QPS per account). */
  limits?: TargetLimits;
}

export interface AliyunSmsDeps {
  fetch: typeof fetch;
  /** Epoch ms, for `Timestamp` and the lookup's dates. */
  now?: () => number;
  /** `SignatureNonce`; default crypto.randomUUID(). */
  nonce?: () => string;
}

/** SendSms and QuerySendDetails: 单用户 QPS 限制 5000/秒. */
export const ALIYUN_SMS_LIMITS: TargetLimits = { calls: 5000, perMs: 1000 };

/** QuerySendDetails pages hold at most 50 records and reach back 30 days. */
const PAGE_SIZE = 50;
const MAX_PAGES = 20;
const LOOKBACK_DAYS = 30;
const DAY_MS = 24 * 3600_000;
const BEIJING_MS = 8 * 3600_000;

export function createAliyunSmsAdapter(config: AliyunSmsConfig, deps: AliyunSmsDeps): Adapter {
  const messages = compileMessages(config.messages, config.carrierNames);
  const method: RpcMethod = config.method ?? 'POST';
  const now = () => deps.now?.() ?? Date.now();
  const nonce = () => deps.nonce?.() ?? crypto.randomUUID();
  const optedOut = new Set((config.optedOut ?? []).map((p) => normalizeMobile(p) ?? p.trim()));
  const allowed = config.allowedChannels ? new Set(config.allowedChannels) : null;
  const timeoutMs = config.timeoutMs ?? 10_000;

  const call = (action: string, params: Record<string, string>): Promise<RpcCall> =>
    buildRpcCall(config.baseUrl, action, params, { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret, method, now: now(), nonce: nonce(), regionId: config.regionId ?? 'cn-hangzhou' });

  /** The recorded request: no signature, the template variables as an object, the endpoint without query. */
  const recorded = (rpc: RpcCall) => {
    const { Signature: _signature, TemplateParam, ...params } = rpc.params;
    return { method, url: config.baseUrl, action: params.Action, params: { ...params, ...(TemplateParam !== undefined ? { TemplateParam: parseJson(TemplateParam) } : {}) } };
  };

  /** No credential in a reason either (a fetch error can quote a GET URL). */
  const withoutSecrets = (outcome: SendOutcome, rpc: RpcCall): SendOutcome => {
    if (!('reason' in outcome)) return outcome;
    const secrets = [config.accessKeySecret, rpc.params.Signature, rpc.params.Signature && encodeURIComponent(rpc.params.Signature)].filter((s): s is string => !!s);
    return { ...outcome, reason: secrets.reduce((r, s) => r.split(s).join('***'), outcome.reason) };
  };

  return {
    idempotent: false,
    limits: { ...ALIYUN_SMS_LIMITS, ...config.limits },

    async send(delivery: Delivery): Promise<SendOutcome> {
      const target = await recipient(delivery);
      if ('outcome' in target) return target;
      const { phone, redact } = target;

      let rendered: RenderedMessage | null;
      try {
        rendered = messages.render(delivery);
      } catch (e) {
        if (e instanceof MissingValueError) return redactOutcome({ outcome: 'failed', code: 'template', reason: e.message }, redact);
        throw e;
      }
      if (!rendered) return { outcome: 'failed', code: 'config', reason: `no SMS template configured for ${delivery.kind} (configured: ${messages.kinds.join(', ') || 'none'})` };

      const params: Record<string, string> = {
        PhoneNumbers: phone,
        SignName: config.signName,
        TemplateCode: rendered.templateCode,
        OutId: await outIdFor(delivery.idempotencyKey),
        ...(Object.keys(rendered.params).length ? { TemplateParam: JSON.stringify(rendered.params) } : {}),
      };
      let rpc: RpcCall;
      try {
        rpc = await call('SendSms', params);
      } catch (e) {
        // Nothing went out: a value that cannot be encoded (a lone surrogate) or signed.
        return redactOutcome({ outcome: 'failed', code: 'request', reason: `the request could not be built: ${(e as Error).message}` }, redact);
      }
      const request = recorded(rpc);
      const finish = (outcome: SendOutcome) => redactOutcome(withoutSecrets({ ...outcome, request }, rpc), redact);

      let response: Response;
      try {
        response = await deps.fetch(rpc.url, { ...rpc.init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (e) {
        return finish(classifyFailure(e));
      }
      let text: string;
      try {
        text = await response.text();
      } catch (e) {
        // The status came back, the body did not.
        if (response.ok) return finish(classifyFailure(e));
        text = '';
      }
      return finish(classifySendSms({ status: response.status, headers: response.headers, body: text }, now()));
    },

    async lookup(delivery: Delivery): Promise<'exists' | 'absent'> {
      const target = await recipient(delivery, false);
      // Nothing could have been sent: sending again skips or fails the same way.
      if ('outcome' in target) return 'absent';
      const { phone, redact } = target;
      const outId = await outIdFor(delivery.idempotencyKey);
      const end = now();
      const queued = Date.parse(delivery.createdAt);
      const start = Number.isNaN(queued) ? end - DAY_MS : Math.min(queued, end);
      if (beijingDay(start) < beijingDay(end - (LOOKBACK_DAYS - 1) * DAY_MS)) {
        throw new Error(`QuerySendDetails reaches back ${LOOKBACK_DAYS} days; this delivery was queued ${delivery.createdAt}: check the console and replay or mark it delivered`);
      }
      for (let day = beijingDay(end); day >= beijingDay(start); day--) {
        const sendDate = yyyymmdd(day);
        for (let page = 1; page <= MAX_PAGES; page++) {
          const rpc = await call('QuerySendDetails', { PhoneNumber: phone, SendDate: sendDate, PageSize: String(PAGE_SIZE), CurrentPage: String(page) });
          const body = await queryOnce(rpc, redact);
          const records = body.SmsSendDetailDTOs?.SmsSendDetailDTO ?? [];
          if (records.some((r) => r.OutId === outId)) return 'exists';
          const total = Number(body.TotalCount ?? records.length);
          if (records.length < PAGE_SIZE || page * PAGE_SIZE >= total) break;
          if (page === MAX_PAGES) throw new Error(`more than ${MAX_PAGES * PAGE_SIZE} messages to ${maskMobile(phone)} on ${sendDate}: check the console`);
        }
      }
      return 'absent';
    },
  };

  /** The number to text, or the outcome that says why not. */
  async function recipient(delivery: Delivery, askOptOut = true): Promise<{ phone: string; redact: Redact } | SendOutcome> {
    const order = delivery.order;
    if (!order) return { outcome: 'failed', code: 'order', reason: `${delivery.kind} needs its order: the delivery has none (order ${delivery.orderId ?? '-'} not found)` };
    if (allowed && !allowed.has(order.channel)) return { outcome: 'delivered', response: { skipped: `channel ${order.channel} does not allow texting its buyers (allowedChannels: ${[...allowed].join(', ')})` } };
    const raw = order.receiver?.phone?.trim();
    if (!raw) return { outcome: 'delivered', response: { skipped: 'the order has no receiver phone' } };
    const redact = redactorFor(raw, order.receiver?.name);
    const phone = normalizeMobile(raw);
    if (!phone) return redactOutcome({ outcome: 'failed', code: 'phone', reason: `the receiver phone ${raw} is not a mainland mobile number` }, redact);
    if (optedOut.has(phone)) return { outcome: 'delivered', response: { skipped: `${maskMobile(phone)} opted out of SMS` } };
    if (askOptOut && config.isOptedOut) {
      let out: boolean;
      try {
        out = await config.isOptedOut(phone, delivery);
      } catch (e) {
        return redactOutcome({ outcome: 'retry', reason: `the opt-out check failed: ${(e as Error).message}` }, redact);
      }
      if (out) return { outcome: 'delivered', response: { skipped: `${maskMobile(phone)} opted out of SMS` } };
    }
    return { phone, redact };
  }

  async function queryOnce(rpc: RpcCall, redact: Redact): Promise<QueryBody> {
    let text: string;
    let status: number;
    try {
      const response = await deps.fetch(rpc.url, { ...rpc.init, signal: AbortSignal.timeout(timeoutMs) });
      status = response.status;
      text = await response.text();
    } catch (e) {
      throw new Error(redact(`QuerySendDetails: ${(e as Error).message}`).split(config.accessKeySecret).join('***'));
    }
    const body = parseAliyunBody(text) as QueryBody | null;
    if (!body) throw new Error(`QuerySendDetails: HTTP ${status} without Aliyun's reply`);
    if (body.Code !== 'OK') throw new Error(redact(`QuerySendDetails: ${body.Code} ${body.Message ?? ''}`.trim()));
    return body;
  }
}

interface QueryBody {
  Code: string;
  Message?: string;
  TotalCount?: number | string;
  SmsSendDetailDTOs?: { SmsSendDetailDTO?: Array<{ OutId?: string; SendStatus?: number; TemplateCode?: string }> };
}

/** Days since the epoch, in Beijing time (QuerySendDetails' SendDate is a Beijing date). */
function beijingDay(epochMs: number): number {
  return Math.floor((epochMs + BEIJING_MS) / DAY_MS);
}

function yyyymmdd(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
