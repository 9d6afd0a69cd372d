/**
 * WeCom group robot (企业微信群机器人): notifications to a group chat as markdown messages.
 *
 *   POST {baseUrl}/cgi-bin/webhook/send?key=…
 *   {"msgtype":"markdown","markdown":{"content":"…"}}
 *   → {"errcode":0,"errmsg":"ok"}
 *
 * The robot takes 20 messages a minute; it keeps no idempotency key and cannot be asked what it
 * posted, so a call that may have gone out is reported `unknown` and left to a person rather
 * than posted twice.
 *
 * @example
 * const wecom = createWeComAdapter({ baseUrl: 'https://qyapi.weixin.qq.com', key }, { fetch });
 * await wecom.send(delivery); // { outcome: 'delivered', request: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send', body }, response: { errcode: 0, errmsg: 'ok' } }
 */
import type { Adapter, Delivery, SendOutcome, TargetLimits } from '../../core/outbox/types.ts';
import { DIGEST_MAX, digestText } from '../../core/outbox/message-view.ts';
import { classifyFailure, classifyWeCom } from './classify.ts';
import { compileMessages, fit } from './templates.ts';

export interface WeComConfig {
  /** `https://qyapi.weixin.qq.com`, or the sandbox. */
  baseUrl: string;
  /** The webhook's `key`. */
  key: string;
  /** Markdown templates by delivery kind over the built-in ones; `default` for kinds without one. */
  templates?: Record<string, string>;
  /** Members to @ (userids), written as `<@userid>` in the content. */
  mentionUserIds?: string[];
  /** `notify.order` below this paid amount (fen) is not posted; `payload.threshold` wins. */
  minOrderAmount?: number;
  timeoutMs?: number;
  limits?: TargetLimits;
}

export interface WeComDeps {
  fetch: typeof fetch;
  now?: () => number;
}

/** 每个机器人发送的消息不能超过20条/分钟 (群机器人配置说明). */
export const WECOM_LIMITS: TargetLimits = { calls: 20, perMs: 60_000 };

export function createWeComAdapter(config: WeComConfig, deps: WeComDeps): Adapter {
  const render = compileMessages(config.templates, config.minOrderAmount !== undefined ? { minOrderAmount: config.minOrderAmount } : {});
  const endpoint = `${config.baseUrl.replace(/\/+$/, '')}/cgi-bin/webhook/send`;
  const mentions = (config.mentionUserIds ?? []).map((id) => `<@${id}>`).join(' ');
  const now = () => deps.now?.() ?? Date.now();

  async function post(text: string, at: number): Promise<SendOutcome> {
    const body = { msgtype: 'markdown', markdown: { content: mentions ? fit(`${text}\n${mentions}`) : fit(text) } };
    const url = `${endpoint}?${new URLSearchParams({ key: config.key })}`;
    const secrets = [config.key, encodeURIComponent(config.key)];
    const request = { method: 'POST', url: endpoint, body };

    let response: Response;
    try {
      response = await deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
      });
    } catch (e) {
      return scrub({ ...classifyFailure(e), request }, secrets);
    }
    let reply: string;
    try {
      reply = await response.text();
    } catch (e) {
      reply = '';
      if (response.ok) return scrub({ ...classifyFailure(e), request }, secrets);
    }
    return scrub({ ...classifyWeCom({ status: response.status, headers: response.headers, body: reply }, at), request }, secrets);
  }

  return {
    idempotent: false,
    limits: { ...WECOM_LIMITS, ...config.limits },
    async send(delivery: Delivery): Promise<SendOutcome> {
      const skip = belowThreshold(delivery, config.minOrderAmount);
      if (skip) return { outcome: 'delivered', response: { skipped: skip } };
      const at = now();
      return post(render(delivery, at), at);
    },
    digest: {
      max: DIGEST_MAX,
      async send(deliveries: Delivery[]): Promise<SendOutcome> {
        const posted = deliveries.filter((d) => !belowThreshold(d, config.minOrderAmount));
        if (posted.length === 0) return { outcome: 'delivered', response: { skipped: 'every message is below its threshold' } };
        const at = now();
        const texts = posted.map((d) => render(d, at));
        return post(texts.length === 1 ? texts[0]! : digestText(texts), at);
      },
    },
  };
}

function belowThreshold(delivery: Delivery, configured: number | undefined): string | null {
  if (delivery.kind !== 'notify.order' || !delivery.order) return null;
  const threshold = typeof delivery.payload.threshold === 'number' ? delivery.payload.threshold : configured;
  if (threshold === undefined || delivery.order.amounts.paid >= threshold) return null;
  return `paid ${delivery.order.amounts.paid} fen is below the ${threshold} fen threshold`;
}

/** No key in a reason either (a fetch error can quote the URL). */
function scrub(outcome: SendOutcome, secrets: string[]): SendOutcome {
  if (!('reason' in outcome)) return outcome;
  let reason = outcome.reason;
  for (const s of secrets) if (s) reason = reason.split(s).join('***');
  return { ...outcome, reason };
}
