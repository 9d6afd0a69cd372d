import { describe, expect, it } from 'vitest';
import { THROTTLE_MS } from './classify.ts';
import { createWeComAdapter, WECOM_LIMITS } from './index.ts';
import { BIG_ORDER, HELD } from './test-fixtures.ts';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const NOW = 1714528800000;

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
  return { ...r, adapter: createWeComAdapter({ baseUrl: 'https://qyapi.weixin.qq.com', key: KEY, ...extra }, { fetch: r.fetch, now: () => NOW }) };
};
const hinted = (errcode: number, errmsg: string) => json({ errcode, errmsg: `${errmsg}, hint: [1714528800123456], from ip: 1.2.3.4, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}` });

describe('the WeCom robot adapter', () => {
  it('posts a markdown message to the webhook and reports it delivered', async () => {
    const { adapter, calls } = adapterWith(() => json({ errcode: 0, errmsg: 'ok' }));
    expect(await adapter.send(HELD)).toMatchObject({ outcome: 'delivered', response: { errcode: 0, errmsg: 'ok' } });
    expect(calls[0]!.url).toBe(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`);
    expect(calls[0]!.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
    const body = JSON.parse(String(calls[0]!.init.body));
    expect(Object.keys(body)).toEqual(['msgtype', 'markdown']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toMatch(/^### <font color="warning">订单待审核<\/font>\n/);
    expect(adapter).toMatchObject({ idempotent: false, limits: { calls: 20, perMs: 60_000 } });
    expect(adapter.lookup).toBeUndefined();
    expect(WECOM_LIMITS).toEqual({ calls: 20, perMs: 60_000 });
  });

  it('posts several messages as one digest, leaving out an order below its threshold, within the 4096-byte limit', async () => {
    const { adapter, calls } = adapterWith(() => json({ errcode: 0, errmsg: 'ok' }));
    const small = { ...BIG_ORDER, id: 'dlv_small', payload: { ...BIG_ORDER.payload, threshold: 99_999_999 } };
    expect(await adapter.digest!.send([HELD, BIG_ORDER, small])).toMatchObject({ outcome: 'delivered' });
    expect(calls).toHaveLength(1);
    const content: string = JSON.parse(String(calls[0]!.init.body)).markdown.content;
    expect(content.split('\n---\n')).toHaveLength(3);
    expect(content).toMatch(/^#### 共 2 条通知（合并发送）/);
    expect(content).toContain('订单待审核');
    expect(content).toContain('新订单');
    const many = Array.from({ length: 10 }, (_, i) => ({ ...HELD, id: `dlv_${i}` }));
    await adapter.digest!.send(many);
    expect(new TextEncoder().encode(JSON.parse(String(calls[1]!.init.body)).markdown.content).length).toBeLessThanOrEqual(4096);
  });

  it('@s the configured members with <@userid>', async () => {
    const { adapter, calls } = adapterWith(() => json({ errcode: 0, errmsg: 'ok' }), { mentionUserIds: ['wangqing'] });
    await adapter.send(HELD);
    expect(JSON.parse(String(calls[0]!.init.body)).markdown.content).toMatch(/\n<@wangqing>$/);
  });

  it('never lets the key into the outcome', async () => {
    const answers: Array<() => Response> = [
      () => json({ errcode: 0, errmsg: 'ok' }),
      () => hinted(93000, 'invalid webhook url'),
      () => {
        throw new TypeError(`Failed to parse URL from https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`);
      },
    ];
    for (const answer of answers) {
      const outcome = await adapterWith(answer).adapter.send(HELD);
      expect(JSON.stringify(outcome)).not.toContain(KEY);
      expect(outcome).toMatchObject({ request: { method: 'POST', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' } });
    }
  });

  it('retries 45009 after the rolling minute, a busy robot, 5xx and 429, and connections that never opened', async () => {
    expect(await adapterWith(() => hinted(45009, 'api freq out of limit')).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/^45009 api freq out of limit, hint: /), afterMs: THROTTLE_MS });
    expect(await adapterWith(() => json({ errcode: -1, errmsg: 'system busy' })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason: '-1 system busy' });
    expect(await adapterWith(() => hinted(45033, 'api concurrent out of limit')).adapter.send(HELD)).toMatchObject({ outcome: 'retry' });
    expect(await adapterWith(() => new Response('<h1>503</h1>', { status: 503, headers: { 'retry-after': '5' } })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', reason: 'HTTP 503', afterMs: 5000 });
    expect(await adapterWith(() => new Response('', { status: 429 })).adapter.send(HELD)).toMatchObject({ outcome: 'retry', afterMs: THROTTLE_MS });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND qyapi.weixin.qq.com'), { code: 'ENOTFOUND' }) });
    expect(
      await adapterWith(() => {
        throw refused;
      }).adapter.send(HELD),
    ).toMatchObject({ outcome: 'retry', reason: 'network: ENOTFOUND (getaddrinfo ENOTFOUND qyapi.weixin.qq.com)' });
  });

  it('fails for good on a bad key, a stopped robot and bad content, keeping the robot\'s code and message', async () => {
    for (const [errcode, errmsg] of [
      [93000, 'invalid webhook url'],
      [93004, 'webhook robot is disabled'],
      [40008, 'invalid message type'],
      [40058, 'markdown.content exceed max length 4096'],
      [44004, 'empty content'],
      [12345, 'something new'],
    ] as const) {
      expect(await adapterWith(() => hinted(errcode, errmsg)).adapter.send(HELD)).toMatchObject({ outcome: 'failed', code: String(errcode), reason: expect.stringMatching(new RegExp(`^${errmsg}, hint`)), response: { errcode } });
    }
    expect(await adapterWith(() => new Response('forbidden', { status: 403 })).adapter.send(HELD)).toMatchObject({ outcome: 'failed', code: 'HTTP 403' });
  });

  it('calls a timeout, a lost connection or a 200 without the robot\'s reply unknown', async () => {
    const hanging = (_: string, init: RequestInit) => new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    expect(await adapterWith(hanging, { timeoutMs: 20 }).adapter.send(HELD)).toMatchObject({ outcome: 'unknown', reason: expect.stringMatching(/^no reply in time/) });
    const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    expect(
      await adapterWith(() => {
        throw reset;
      }).adapter.send(HELD),
    ).toMatchObject({ outcome: 'unknown' });
    expect(await adapterWith(() => new Response('ok', { status: 200 })).adapter.send(HELD)).toMatchObject({ outcome: 'unknown' });
  });

  it('skips an order under the threshold without posting', async () => {
    const { adapter, calls } = adapterWith(() => json({ errcode: 0, errmsg: 'ok' }), { minOrderAmount: 500000 });
    expect(await adapter.send({ ...BIG_ORDER, payload: { externalId: 'x' } })).toMatchObject({ outcome: 'delivered', response: { skipped: 'paid 123700 fen is below the 500000 fen threshold' } });
    expect(calls).toHaveLength(0);
  });
});
