import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BAN_MS, QUOTA_MS } from './classify.ts';
import { createDingTalkAdapter, DINGTALK_LIMITS } from './index.ts';
import { BIG_ORDER, HELD } from './test-fixtures.ts';

const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const SECRET = 'SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f';
const NOW = 1714528800000;

/** A stand-in fetch: records the call, answers from a script. */
function robot(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return answer(String(url), init ?? {});
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const adapterWith = (answer: (url: string, init: RequestInit) => Response | Promise<Response>, extra: Record<string, unknown> = {}) => {
  const r = robot(answer);
  return { ...r, adapter: createDingTalkAdapter({ baseUrl: 'https://oapi.dingtalk.com/', accessToken: TOKEN, secret: SECRET, ...extra }, { fetch: r.fetch, now: () => NOW }) };
};

describe('the DingTalk robot adapter', () => {
  it('posts a signed markdown message and reports it delivered', async () => {
    const { adapter, calls } = adapterWith(() => json({ errcode: 0, errmsg: 'ok' }));
    const outcome = await adapter.send(HELD);
    expect(outcome).toMatchObject({ outcome: 'delivered', response: { errcode: 0, errmsg: 'ok' } });
    const [call] = calls;
    const url = new URL(call!.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://oapi.dingtalk.com/robot/send');
    expect(url.searchParams.get('access_token')).toBe(TOKEN);
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', SECRET).update(`${NOW}\n${SECRET}`).digest('base64'));
    expect(call!.url).toContain(`&sign=${encodeURIComponent(url.searchParams.get('sign')!)}`);
    expect(call!.init).toMatchObject({ method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json;charset=utf-8' } });
    const body = JSON.parse(String(call!.init.body));
    expect(body).toMatchObject({ msgtype: 'markdown', markdown: { title: '订单待审核' }, at: { isAtAll: false } });
    expect(body.markdown.text).toContain('- 金额超过 1000 元');
    expect(adapter.idempotent).toBe(false);
    expect(adapter.lookup).toBeUndefined();
    expect(adapter.limits).toEqual(DINGTALK_LIMITS);
    expect(DINGTALK_LIMITS).toEqual({ calls: 20, perMs: 60_000 });
  });

  it('sends no sign without a secret, and @s the configured mobiles in the text as the robot requires', async () => {
    const r = robot(() => json({ errcode: 0, errmsg: 'ok' }));
    const adapter = createDingTalkAdapter({ baseUrl: 'https://oapi.dingtalk.com', accessToken: TOKEN, at: { atMobiles: ['13900001111'] } }, { fetch: r.fetch });
    await adapter.send(HELD);
    expect(r.calls[0]!.url).toBe(`https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`);
    const body = JSON.parse(String(r.calls[0]!.init.body));
    expect(body.at).toEqual({ isAtAll: false, atMobiles: ['13900001111'] });
    expect(body.markdown.text).toMatch(/\n\n@13900001111$/);
  });

  it('never lets the access token, the secret or the sign into the outcome', async () => {
    const answers: Array<() => Response | Promise<Response>> = [
      () => json({ errcode: 0, errmsg: 'ok' }),
      () => json({ errcode: 310000, errmsg: 'sign not match' }),
      () => {
        throw new TypeError(`Failed to parse URL from https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}&sign=x`);
      },
    ];
    for (const answer of answers) {
      const { adapter, calls } = adapterWith(answer);
      const outcome = await adapter.send(HELD);
      const sign = new URL(calls[0]!.url).searchParams.get('sign')!;
      const recorded = JSON.stringify(outcome);
      for (const secret of [TOKEN, SECRET, sign, encodeURIComponent(sign)]) expect(recorded).not.toContain(secret);
      expect(outcome).toMatchObject({ request: { method: 'POST', url: `https://oapi.dingtalk.com/robot/send?timestamp=${NOW}` } });
    }
  });

  it('retries throttling after the 10-minute block: 130101, 410100 and the bare 302', async () => {
    const cases: Array<[Response, string]> = [
      [json({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }), '130101 send too fast, exceed 20 times per minute'],
      [json({ errcode: 410100, errmsg: '发送速度太快而限流' }), '410100 发送速度太快而限流'],
      [new Response(null, { status: 302, headers: { location: 'https://www.dingtalk.com/' } }), 'HTTP 302: the robot is blocked for sending too fast'],
    ];
    for (const [response, reason] of cases) {
      expect(await adapterWith(() => response).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason, afterMs: BAN_MS });
    }
    expect(BAN_MS).toBe(600_000);
    expect(await adapterWith(() => json({ errcode: 90030, errmsg: 'webhook over limit' })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', afterMs: QUOTA_MS });
  });

  it('retries a busy robot, 5xx (with Retry-After) and 429, and connections that never opened', async () => {
    expect(await adapterWith(() => json({ errcode: -1, errmsg: '系统繁忙' })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason: '-1 系统繁忙' });
    expect(await adapterWith(() => new Response('<h1>502</h1>', { status: 502 })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason: 'HTTP 502', response: { status: 502, body: '<h1>502</h1>' } });
    expect(await adapterWith(() => new Response('', { status: 503, headers: { 'retry-after': '30' } })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', afterMs: 30_000 });
    expect(await adapterWith(() => new Response('', { status: 429 })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason: 'HTTP 429', afterMs: BAN_MS });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(
      await adapterWith(() => {
        throw refused;
      }).adapter.send(HELD),
    ).toMatchObject({ outcome: 'retry', reason: 'network: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)' });
  });

  it('fails for good on token, sign, keyword, IP and content errors, keeping the robot\'s code and message', async () => {
    const cases: Array<[number, string]> = [
      [310000, 'keywords not in content'],
      [310000, 'sign not match'],
      [310000, 'invalid timestamp'],
      [310000, 'ip 1.2.3.4 not in whitelist'],
      [300001, 'token is not exist'],
      [400101, 'access_token不存在'],
      [400102, '机器人已停用'],
      [400013, '群已被解散'],
      [400105, '不支持的消息类型'],
      [400106, '机器人不存在'],
      [430102, '含有不合适的文本'],
      [40035, '缺少参数 json'],
    ];
    for (const [errcode, errmsg] of cases) {
      expect(await adapterWith(() => json({ errcode, errmsg })).adapter.send(HELD)).toMatchObject({ outcome: 'failed', code: String(errcode), reason: errmsg, response: { errcode, errmsg } });
    }
    expect(await adapterWith(() => new Response('not found', { status: 404 })).adapter.send(HELD)).toMatchObject({ outcome: 'failed', code: 'HTTP 404', reason: 'not found' });
  });

  it('calls a timeout, a lost connection or a 200 without the robot\'s reply unknown: the message may be in the group', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(
      await adapterWith(() => {
        throw timeout;
      }).adapter.send(HELD),
    ).toMatchObject({ outcome: 'unknown', reason: expect.stringMatching(/^no reply in time/) });
    const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(
      await adapterWith(() => {
        throw reset;
      }).adapter.send(HELD),
    ).toMatchObject({ outcome: 'unknown', reason: 'the connection failed during the call: other side closed' });
    expect(await adapterWith(() => new Response('<html>gateway</html>', { status: 200 })).adapter.send(HELD)).toMatchObject({ outcome: 'unknown' });
  });

  it('times out on its own and skips an order under the threshold without posting', async () => {
    // A robot that never answers; the stand-in honours the abort signal as fetch does.
    const hanging = (_: string, init: RequestInit) => new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    expect(await adapterWith(hanging, { timeoutMs: 20 }).adapter.send(HELD)).toMatchObject({ outcome: 'unknown', reason: expect.stringMatching(/^no reply in time/) });
    const { adapter, calls } = adapterWith(() => json({ errcode: 0, errmsg: 'ok' }));
    const small = { ...BIG_ORDER, payload: { ...BIG_ORDER.payload, threshold: 200000 } };
    expect(await adapter.send(small)).toEqual({ outcome: 'delivered', response: { skipped: 'paid 123700 fen is below the 200000 fen threshold' } });
    expect(calls).toHaveLength(0);
    expect(await adapter.send(BIG_ORDER)).toMatchObject({ outcome: 'delivered', response: { errcode: 0 } });
  });
});
