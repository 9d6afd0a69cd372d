/**
 * DingTalk robot replies → outcomes. The robot answers HTTP 200 with `{"errcode":0,"errmsg":"ok"}`
 * on success and the same shape with a non-zero errcode on failure; throttling comes as an
 * errcode first (130101 / 410100) and then as a bare 302 while the robot is blocked.
 *
 * | errcode | errmsg (verbatim as seen)                      | outcome                   |
 * |---------|------------------------------------------------|---------------------------|
 * | 0       | ok                                             | delivered                 |
 * | -1      | 系统繁忙                                        | retry                     |
 * | 130101  | send too fast, exceed 20 times per minute      | retry after the 10 min ban |
 * | 410100  | 发送速度太快而限流 (also 410101, as one SDK has it) | retry after the 10 min ban |
 * | 90030   | webhook over limit (call quota used up)        | retry in an hour          |
 * | 310000  | keywords not in content / invalid timestamp / sign not match / ip … not in whitelist | failed |
 * | 300001, 300005 | token is not exist                      | failed                    |
 * | 400101  | access_token不存在                              | failed                    |
 * | 400102  | 机器人已停用                                     | failed                    |
 * | 400013  | 群已被解散                                       | failed                    |
 * | 400105  | 不支持的消息类型                                  | failed                    |
 * | 400106  | 机器人不存在                                     | failed                    |
 * | 430101–430104 | 含有不安全的外链 / 不合适的文本 / 图片 / 内容 | failed                  |
 * | other   |                                                | failed, code kept         |
 *
 * HTTP 3xx (the block), 429, 408 and 5xx are retried; other HTTP errors fail. An HTTP 200 whose
 * body is not the robot's JSON is `unknown`: the message may have been posted.
 */
import type { SendOutcome } from '../../core/outbox/types.ts';
import { retryAfterMs } from '../../core/outbox/http-answer.ts';
export { retryAfterMs } from '../../core/outbox/http-answer.ts';

/** Exceeding 20 messages a minute blocks the robot for 10 minutes. */
export const BAN_MS = 10 * 60_000;
/** 90030 is a call quota, not a per-minute limit; an hour keeps the retries sparse. */
export const QUOTA_MS = 60 * 60_000;

type Rule = { outcome: 'retry'; afterMs?: number } | { outcome: 'failed' };

export const DINGTALK_ERRCODES: Record<number, Rule & { meaning: string }> = {
  [-1]: { outcome: 'retry', meaning: '系统繁忙' },
  130101: { outcome: 'retry', afterMs: BAN_MS, meaning: 'send too fast, exceed 20 times per minute' },
  410100: { outcome: 'retry', afterMs: BAN_MS, meaning: '发送速度太快而限流' },
  // One SDK lists the robot's codes shifted by one (410101 for throttling); a throttle must not
  // become a dead letter, so it is taken as one too.
  410101: { outcome: 'retry', afterMs: BAN_MS, meaning: '发送速度太快而限流' },
  90030: { outcome: 'retry', afterMs: QUOTA_MS, meaning: 'webhook over limit' },
  310000: { outcome: 'failed', meaning: 'security check failed: keyword, signature, timestamp or IP whitelist' },
  300001: { outcome: 'failed', meaning: 'token is not exist' },
  300005: { outcome: 'failed', meaning: 'token is not exist' },
  400101: { outcome: 'failed', meaning: 'access_token不存在' },
  400102: { outcome: 'failed', meaning: '机器人已停用' },
  400013: { outcome: 'failed', meaning: '群已被解散' },
  400105: { outcome: 'failed', meaning: '不支持的消息类型' },
  400106: { outcome: 'failed', meaning: '机器人不存在' },
  430101: { outcome: 'failed', meaning: '含有不安全的外链' },
  430102: { outcome: 'failed', meaning: '含有不合适的文本' },
  430103: { outcome: 'failed', meaning: '含有不合适的图片' },
  430104: { outcome: 'failed', meaning: '含有不合适的内容' },
};

export interface RobotReply {
  status: number;
  /** `opaqueredirect` where the runtime hides a manual redirect (browsers). */
  type?: ResponseType;
  headers: Headers;
  body: string;
}

/**
 * @example
 * classifyDingTalk({ status: 200, headers: new Headers(), body: '{"errcode":410100,"errmsg":"发送速度太快而限流"}' }, Date.now())
 * // { outcome: 'retry', reason: '410100 发送速度太快而限流', afterMs: 600000, response: { errcode: 410100, … } }
 */
export function classifyDingTalk(reply: RobotReply, now: number): SendOutcome {
  const parsed = parseReply(reply.body);
  const response = parsed ?? { status: reply.status, body: reply.body.slice(0, 500) };
  if (reply.type === 'opaqueredirect' || (reply.status >= 300 && reply.status < 400)) {
    return { outcome: 'retry', reason: `HTTP ${reply.status || 302}: the robot is blocked for sending too fast`, afterMs: BAN_MS, pauseTarget: true, response };
  }
  if (parsed) {
    if (parsed.errcode === 0 && reply.status >= 200 && reply.status < 300) return { outcome: 'delivered', response };
    if (parsed.errcode !== 0) {
      const reason = `${parsed.errcode} ${parsed.errmsg || DINGTALK_ERRCODES[parsed.errcode]?.meaning || ''}`.trim();
      const rule = DINGTALK_ERRCODES[parsed.errcode];
      // A ban or a quota is the robot's, not the message's: the whole robot waits it out.
      if (rule?.outcome === 'retry') return { outcome: 'retry', reason, ...(rule.afterMs ? { afterMs: rule.afterMs, pauseTarget: true } : {}), response };
      if (rule || reply.status < 500) return { outcome: 'failed', code: String(parsed.errcode), reason: parsed.errmsg || rule?.meaning || 'rejected', response };
    }
  }
  return classifyStatus(reply, now, response, BAN_MS);
}

/** What an HTTP status alone says, for bodies that are not the robot's reply. */
export function classifyStatus(reply: RobotReply, now: number, response: unknown, throttleMs: number): SendOutcome {
  const { status } = reply;
  if (status === 429) return { outcome: 'retry', reason: 'HTTP 429', afterMs: retryAfterMs(reply.headers.get('retry-after'), now) ?? throttleMs, response };
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
 * lost mid-call is `unknown`, because the robot may have posted the message already and it keeps
 * no key to drop a repeat.
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
