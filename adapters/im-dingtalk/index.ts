/**
 * DingTalk custom robot (自定义机器人): notifications to a group chat as markdown messages.
 *
 *   POST {baseUrl}/robot/send?access_token=…[&timestamp=<ms>&sign=<urlencoded base64 HmacSHA256>]
 *   {"msgtype":"markdown","markdown":{"title":"…","text":"…"},"at":{"isAtAll":false}}
 *   → {"errcode":0,"errmsg":"ok"}
 *
 * The robot takes 20 messages a minute and blocks for 10 minutes beyond that; it keeps no
 * idempotency key and cannot be asked what it posted, so a call that may have gone out is
 * reported `unknown` and left to a person rather than posted twice.
 *
 * @example
 * const dingtalk = createDingTalkAdapter({ baseUrl: 'https://oapi.dingtalk.com', accessToken, secret: 'SEC…' }, { fetch });
 * await dingtalk.send(delivery); // { outcome: 'delivered', request: { url: 'https://oapi.dingtalk.com/robot/send?timestamp=…', body }, response: { errcode: 0, errmsg: 'ok' } }
 */
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { DIGEST_MAX, digestText } from '../../core/outbox/message-view.ts';
import { classifyDingTalk, classifyFailure } from './classify.ts';
import { signDingTalk } from './sign.ts';
import { compileMessages } from './templates.ts';

export interface DingTalkConfig {
  /** `https://oapi.dingtalk.com`, or the sandbox. */
  baseUrl: string;
  /** The webhook's `access_token`. */
  accessToken: string;
  /** The 加签 secret (`SEC…`), when the robot's security setting is signing. */
  secret?: string;
  /** Markdown templates by delivery kind over the built-in ones; `default` for kinds without one. */
  templates?: Record<string, string>;
  /** Who to @; mobiles are also written at the end of the text, as the robot requires. */
  at?: { atMobiles?: string[]; atUserIds?: string[]; isAtAll?: boolean };
  /** `notify.order` below this paid amount (fen) is not posted; `payload.threshold` wins. */
  minOrderAmount?: number;
  timeoutMs?: number;
  limits?: TargetLimits;
}

export interface DingTalkDeps {
  fetch: typeof fetch;
  /** Epoch ms, for the signature timestamp. */
  now?: () => number;
}

/** 每个机器人每分钟最多发送20条 (robot docs). */
export const DINGTALK_LIMITS: TargetLimits = { calls: 20, perMs: 60_000 };

export function createDingTalkAdapter(config: DingTalkConfig, deps: DingTalkDeps): Adapter {
  const render = compileMessages(config.templates, config.minOrderAmount !== undefined ? { minOrderAmount: config.minOrderAmount } : {});
  const endpoint = `${config.baseUrl.replace(/\/+$/, '')}/robot/send`;
  const at = { isAtAll: false, ...config.at };
  const mentions = (config.at?.atMobiles ?? []).map((m) => `@${m}`).join(' ');
  const now = () => deps.now?.() ?? Date.now();

  async function post(message: { title: string; text: string }, timestamp: number): Promise<SendOutcome> {
    const body = { msgtype: 'markdown', markdown: { title: message.title, text: mentions ? `${message.text}\n\n${mentions}` : message.text }, at };
    const query = new URLSearchParams({ access_token: config.accessToken });
    let sign = '';
    if (config.secret) {
      sign = await signDingTalk(config.secret, timestamp);
      query.set('timestamp', String(timestamp));
      query.set('sign', sign);
    }
    const url = `${endpoint}?${query}`;
    const secrets = [config.accessToken, config.secret, sign, encodeURIComponent(sign)].filter((s): s is string => !!s);
    const request = { method: 'POST', url: withoutCredentials(url), body };

    let response: Response;
    try {
      response = await deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=utf-8' },
        body: JSON.stringify(body),
        // A blocked robot answers 302: keep it as the answer instead of following it.
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
      });
    } catch (e) {
      return scrub({ ...classifyFailure(e), request }, secrets);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (e) {
      // The status came back, the body did not.
      text = '';
      if (response.ok) return scrub({ ...classifyFailure(e), request }, secrets);
    }
    const outcome = classifyDingTalk({ status: response.status, type: response.type, headers: response.headers, body: text }, timestamp);
    return scrub({ ...outcome, request }, secrets);
  }

  return {
    idempotent: false,
    limits: { ...DINGTALK_LIMITS, ...config.limits },
    async send(delivery: Delivery): Promise<SendOutcome> {
      const skip = belowThreshold(delivery, config.minOrderAmount);
      if (skip) return { outcome: 'delivered', response: { skipped: skip } };
      const timestamp = now();
      return post(render(delivery, timestamp), timestamp);
    },
    digest: {
      max: DIGEST_MAX,
      async send(deliveries: Delivery[]): Promise<SendOutcome> {
        const posted = deliveries.filter((d) => !belowThreshold(d, config.minOrderAmount));
        if (posted.length === 0) return { outcome: 'delivered', response: { skipped: 'every message is below its threshold' } };
        const timestamp = now();
        const messages = posted.map((d) => render(d, timestamp));
        if (messages.length === 1) return post(messages[0]!, timestamp);
        return post({ title: `${messages.length} 条通知：${messages[0]!.title}`, text: digestText(messages.map((m) => m.text)) }, timestamp);
      },
    },
  };
}

/** The URL as attempts may keep it: no access_token, no sign (the timestamp stays). */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  for (const name of ['access_token', 'sign', 'key']) parsed.searchParams.delete(name);
  return parsed.toString();
}

function belowThreshold(delivery: Delivery, configured: number | undefined): string | null {
  if (delivery.kind !== 'notify.order' || !delivery.order) return null;
  const threshold = typeof delivery.payload.threshold === 'number' ? delivery.payload.threshold : configured;
  if (threshold === undefined || delivery.order.amounts.paid >= threshold) return null;
  return `paid ${delivery.order.amounts.paid} fen is below the ${threshold} fen threshold`;
}

/** No credential in a reason either (a fetch error can quote the URL). */
function scrub(outcome: SendOutcome, secrets: string[]): SendOutcome {
  if (!('reason' in outcome)) return outcome;
  let reason = outcome.reason;
  for (const s of secrets) reason = reason.split(s).join('***');
  return { ...outcome, reason };
}
