/**
 * WeCom group robot replies → outcomes. The robot answers HTTP 200 with `{"errcode":0,"errmsg":"ok"}`
 * on success and the same shape with a non-zero errcode on failure; its errmsg carries a hint and
 * the caller's IP (`api freq out of limit, hint: [...], from ip: …, more info at …?e=45009`).
 *
 * | errcode | meaning (WeCom global error codes)             | outcome                 |
 * |---------|------------------------------------------------|-------------------------|
 * | 0       | ok                                             | delivered               |
 * | -1      | 系统繁忙                                         | retry                   |
 * | 45009   | api freq out of limit (20 messages a minute)    | retry after a minute    |
 * | 45033   | 接口并发调用超过限制                               | retry                   |
 * | 93000   | invalid webhook url (bad key, robot removed)    | failed                  |
 * | 93004   | 机器人被停用                                      | failed                  |
 * | 93008   | 不在群里                                          | failed                  |
 * | 40008   | 不合法的msgtype                                   | failed                  |
 * | 40035, 40058 | 不合法的参数 (e.g. content over 4096 bytes)  | failed                  |
 * | 44004   | 文本内容为空                                      | failed                  |
 * | other   |                                                | failed, code kept       |
 *
 * HTTP 429, 408 and 5xx are retried; other HTTP errors fail. An HTTP 200 whose body is not the
 * robot's JSON is `unknown`: the message may have been posted.
 */
import type { SendOutcome } from '../../core/outbox/types.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

/** The robot counts 20 messages in a rolling minute. */
export const THROTTLE_MS = 60_000;

type Rule = { outcome: 'retry'; afterMs?: number } | { outcome: 'failed' };

export const WECOM_ERRCODES: Record<number, Rule & { meaning: string }> = {
  [-1]: { outcome: 'retry', meaning: '系统繁忙' },
  45009: { outcome: 'retry', afterMs: THROTTLE_MS, meaning: 'api freq out of limit' },
  45033: { outcome: 'retry', meaning: '接口并发调用超过限制' },
  93000: { outcome: 'failed', meaning: 'invalid webhook url' },
  93004: { outcome: 'failed', meaning: '机器人被停用' },
  93008: { outcome: 'failed', meaning: '不在群里' },
  40008: { outcome: 'failed', meaning: '不合法的msgtype' },
  40035: { outcome: 'failed', meaning: '不合法的参数' },
  40058: { outcome: 'failed', meaning: '不合法的参数' },
  44004: { outcome: 'failed', meaning: '文本内容为空' },
};

export interface RobotReply {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * @example
 * classifyWeCom({ status: 200, headers: new Headers(), body: '{"errcode":45009,"errmsg":"api freq out of limit"}' }, Date.now())
 * // { outcome: 'retry', reason: '45009 api freq out of limit', afterMs: 60000, response: { errcode: 45009, … } }
 */
export function classifyWeCom(reply: RobotReply, now: number): SendOutcome {
  const parsed = parseReply(reply.body);
  const response = parsed ?? { status: reply.status, body: reply.body.slice(0, 500) };
  if (parsed) {
    if (parsed.errcode === 0 && reply.status >= 200 && reply.status < 300) return { outcome: 'delivered', response };
    if (parsed.errcode !== 0) {
      const message = parsed.errmsg || WECOM_ERRCODES[parsed.errcode]?.meaning || '';
      const rule = WECOM_ERRCODES[parsed.errcode];
      // A frequency limit is the robot's, not the message's: the whole robot waits it out.
      if (rule?.outcome === 'retry') return { outcome: 'retry', reason: `${parsed.errcode} ${message}`.trim(), ...(rule.afterMs ? { afterMs: rule.afterMs, pauseTarget: true } : {}), response };
      if (rule || reply.status < 500) return { outcome: 'failed', code: String(parsed.errcode), reason: message || 'rejected', response };
    }
  }
  const { status } = reply;
  if (status === 429) return { outcome: 'retry', reason: 'HTTP 429', afterMs: retryAfterMs(reply.headers.get('retry-after'), now) ?? THROTTLE_MS, response };
  if (status === 408 || status >= 500) {
    const afterMs = retryAfterMs(reply.headers.get('retry-after'), now);
    return { outcome: 'retry', reason: `HTTP ${status}`, ...(afterMs !== undefined ? { afterMs } : {}), response };
  }
  if (status >= 200 && status < 300) return { outcome: 'unknown', reason: `HTTP ${status} without the robot's reply: the message may have been posted` };
  return { outcome: 'failed', code: `HTTP ${status}`, reason: reply.body.slice(0, 200) || `HTTP ${status}`, response };
}

/** Network codes that mean the request never reached the robot, so sending again cannot double it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * A fetch that threw. Failures before the request went out are retried; a timeout or a connection
 * lost mid-call is `unknown`, because the robot may have posted the message and keeps no key to
 * drop a repeat.
 */
export function classifyFailure(error: unknown): SendOutcome {
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  const message = e?.cause?.message ?? e?.message ?? String(error);
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { outcome: 'unknown', reason: `no reply in time: the message may have been posted (${e.message ?? e.name})` };
  const code = e?.code ?? e?.cause?.code ?? e?.cause?.errors?.[0]?.code;
  if (code && NOT_SENT.has(code)) return { outcome: 'retry', reason: `network: ${code} (${message})` };
  if (e?.name === 'TypeError' && /parse URL|Invalid URL/i.test(e.message ?? '')) return { outcome: 'failed', code: 'config', reason: e.message ?? 'invalid URL' };
  return { outcome: 'unknown', reason: `the connection failed during the call: ${message}` };
}

function parseReply(body: string): { errcode: number; errmsg: string } | null {
  try {
    const value = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown };
    if (value && typeof value === 'object' && typeof value.errcode === 'number') return { ...value, errcode: value.errcode, errmsg: typeof value.errmsg === 'string' ? value.errmsg : '' };
  } catch {
    // Not the robot's JSON (a proxy's page, an empty body).
  }
  return null;
}
