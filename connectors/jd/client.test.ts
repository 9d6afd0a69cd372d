import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayUrl, JosClient, josLong, paramJson } from './client.ts';

const NOW = Date.parse('2024-06-01T04:00:00Z'); // 12:00 in Beijing
const options = { baseUrl: 'https://api.jd.com/routerjson', appKey: 'APPKEY', appSecret: 'SECRET', accessToken: 'TOKEN' };

function capture(response: () => Response | Promise<Response>) {
  const requests: Array<{ url: URL; init: RequestInit }> = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: new URL(String(url)), init: init ?? {} });
    return response();
  }) as typeof fetch;
  return { requests, fetchFn };
}

describe('JosClient', () => {
  it("posts the system parameters and sign in the query and 360buy_param_json in a form body, as JD's Java SDK does", async () => {
    const { requests, fetchFn } = capture(() => new Response('{"jingdong_pop_order_get_responce":{"code":"0"}}', { status: 200 }));
    const client = new JosClient(options, { fetch: fetchFn, now: () => NOW });
    const call = await client.call('jingdong.pop.order.get', { order_id: josLong('9007199254740993'), optional_fields: 'orderId,modified', order_state: undefined });
    expect(call).toEqual({ kind: 'answer', status: 200, text: '{"jingdong_pop_order_get_responce":{"code":"0"}}', retryAfter: null });

    const [{ url, init }] = requests as [{ url: URL; init: RequestInit }];
    expect(`${url.origin}${url.pathname}`).toBe('https://api.jd.com/routerjson');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const query = Object.fromEntries(url.searchParams);
    expect(query).toEqual({
      access_token: 'TOKEN',
      app_key: 'APPKEY',
      format: 'json',
      method: 'jingdong.pop.order.get',
      sign_method: 'md5',
      timestamp: '2024-06-01 12:00:00',
      v: '2.0',
      sign: expect.stringMatching(/^[0-9A-F]{32}$/),
    });
    const body = new URLSearchParams(String(init.body));
    // Keys sorted, undefined left out, the Long written as bare digits (exact past 2^53).
    expect(body.get('360buy_param_json')).toBe('{"optional_fields":"orderId,modified","order_id":9007199254740993}');

    // The gateway's view: every parameter but sign, sorted, between the secret (node:crypto here).
    const all: Record<string, string> = { ...query, '360buy_param_json': body.get('360buy_param_json')! };
    const names = Object.keys(all).filter((n) => n !== 'sign').sort();
    const source = 'SECRET' + names.map((n) => n + all[n]).join('') + 'SECRET';
    expect(query.sign).toBe(createHash('md5').update(source, 'utf8').digest('hex').toUpperCase());
  });

  it('tells a call that never left from one that may have gone through', async () => {
    const refused = new JosClient(options, {
      fetch: (async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      }) as typeof fetch,
      now: () => NOW,
    });
    expect(await refused.call('m', {})).toMatchObject({ kind: 'not-sent', reason: expect.stringContaining('ECONNREFUSED') });
    const reset = new JosClient(options, {
      fetch: (async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      }) as typeof fetch,
      now: () => NOW,
    });
    expect(await reset.call('m', {})).toMatchObject({ kind: 'maybe-sent' });
    const slow = new JosClient({ ...options, timeoutMs: 5 }, {
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)))) as unknown as typeof fetch,
      now: () => NOW,
    });
    expect(await slow.call('m', {})).toEqual({ kind: 'maybe-sent', reason: 'no answer within 5 ms' });
  });

  it('never puts the secret on the wire', async () => {
    const { requests, fetchFn } = capture(() => new Response('{}'));
    await new JosClient(options, { fetch: fetchFn, now: () => NOW }).call('m', { a: 'b' });
    expect(requests[0]!.url.toString()).not.toContain('SECRET');
    expect(String(requests[0]!.init.body)).not.toContain('SECRET');
  });
});

describe('helpers', () => {
  it('gatewayUrl appends /routerjson to a bare host', () => {
    expect(gatewayUrl('https://api.jd.com')).toBe('https://api.jd.com/routerjson');
    expect(gatewayUrl('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000/routerjson');
    expect(gatewayUrl('https://api.jd.com/routerjson')).toBe('https://api.jd.com/routerjson');
  });

  it('paramJson sorts keys, drops null and undefined, keeps Chinese as is', () => {
    expect(paramJson({ b: 1, a: '京东', c: null, d: undefined, e: false })).toBe('{"a":"京东","b":1,"e":false}');
    expect(() => josLong('12a')).toThrow(/digits only/);
  });
});
