import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { CONFIG_RETRY_MS } from './classify.ts';
import { createKuaidi100Adapter, phoneFor, queryKuaidi100Track, querySign, verifyAndParseCallback, type CallbackResult, type Kuaidi100Config } from './index.ts';
import { startKuaidi100Sandbox, type Kuaidi100Sandbox } from './sandbox/server.ts';

const KEY = 'test-key';
const CUSTOMER = 'TESTCUSTOMER';
const SALT = 'salt-9f2c';
const receiver = { name: '张三', phone: '13812345678', province: '浙江省', city: '杭州市', district: '西湖区', address: '文一西路100号' };
const order = { channel: 'tmall', externalId: '2938475610293847561', receiver } as unknown as CanonicalOrder;

function delivery(payload: Record<string, unknown> = { waybillNo: 'SF1440000000001', carrier: 'sf' }, o: CanonicalOrder | null = order): Delivery {
  return { tenant: 't1', id: 'dlv_t1', target: 'kuaidi100', kind: 'tracking.subscribe', idempotencyKey: `tracking.subscribe/tmall/2938475610293847561/1`, orderId: 'ord_1', payload, ...(o ? { order: o } : {}), attempts: 0, createdAt: '2024-05-20T02:17:00Z' };
}

let sim: Kuaidi100Sandbox;
let hook: Server;
let hookUrl: string;
const received: CallbackResult[] = [];
beforeEach(async () => {
  sim = await startKuaidi100Sandbox({ accounts: { [KEY]: CUSTOMER }, slowMs: 600 });
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const result = verifyAndParseCallback(Buffer.concat(chunks).toString('utf8'), { salt: SALT });
      received.push(result);
      res.writeHead(result.reply.status, { 'content-type': result.reply.contentType });
      res.end(result.reply.body);
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/kuaidi100`;
});
afterEach(async () => {
  received.length = 0;
  await sim.close();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

const adapter = (extra: Partial<Kuaidi100Config> = {}) => createKuaidi100Adapter({ baseUrl: sim.url, key: KEY, callbackUrl: hookUrl, salt: SALT, timeoutMs: 250, ...extra }, { fetch });
const subscribes = () => sim.calls.filter((c) => c.path === '/poll');

describe('the Kuaidi100 adapter', () => {
  it('subscribes the waybill with the callback URL and salt, and is delivered', async () => {
    const outcome = await adapter().send(delivery());
    expect(outcome).toEqual({
      outcome: 'delivered',
      request: { company: 'shunfeng', number: 'SF1440000000001', to: '浙江省杭州市西湖区', callbackurl: hookUrl, resultv2: '4', phone: '13812345678' },
      response: { result: true, returnCode: '200', message: '提交成功' },
    });
    expect(subscribes()[0]!.form.schema).toBe('json');
    expect(subscribes()[0]!.param).toEqual({ company: 'shunfeng', number: 'SF1440000000001', to: '浙江省杭州市西湖区', key: KEY, parameters: { callbackurl: hookUrl, salt: SALT, resultv2: '4', phone: '13812345678' } });
    // The attempt log keeps neither the key nor the salt.
    expect(JSON.stringify(outcome)).not.toContain(KEY);
    expect(JSON.stringify(outcome)).not.toContain(SALT);
    expect(sim.subscriptions.get('shunfeng/SF1440000000001')?.status).toBe('polling');
  });

  it('takes 501 重复订阅 as delivered: one subscription, never two', async () => {
    const kd = adapter();
    expect((await kd.send(delivery())).outcome).toBe('delivered');
    expect(await kd.send(delivery())).toMatchObject({ outcome: 'delivered', response: { returnCode: '501', message: '重复订阅' } });
    expect(sim.subscriptions.size).toBe(1);
    expect(kd.idempotent).toBe(true);
    expect(kd.lookup).toBeUndefined();
  });

  it('retries server errors and refused connections; calls a timeout after sending unknown', async () => {
    const kd = adapter();
    sim.failNext('server-error');
    expect(await kd.send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('HTTP 503') });
    sim.failNext('server-busy');
    expect(await kd.send(delivery())).toMatchObject({ outcome: 'retry', reason: 'Kuaidi100 500: 服务器错误' });
    sim.failNext('slow-after-store');
    expect(await kd.send(delivery())).toMatchObject({ outcome: 'unknown', reason: 'subscribe shunfeng SF1440000000001: no answer within 250 ms' });
    expect(sim.subscriptions.size).toBe(1);
    const closed = await closedPort();
    expect(await createKuaidi100Adapter({ baseUrl: `http://127.0.0.1:${closed}`, key: KEY, callbackUrl: hookUrl, salt: SALT }, { fetch }).send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('waits minutes and pauses the target on a wrong key; fails bad data for good', async () => {
    expect(await adapter({ key: 'wrong' }).send(delivery())).toMatchObject({ outcome: 'retry', afterMs: CONFIG_RETRY_MS, pauseTarget: true, reason: 'Kuaidi100 600: 您不是合法的订阅者（即授权Key出错）' });
    expect(await adapter().send(delivery({ waybillNo: 'X1', company: 'nosuchco' }))).toMatchObject({ outcome: 'failed', code: '700' });
    sim.failNext('refused-company');
    expect(await adapter().send(delivery())).toMatchObject({ outcome: 'failed', code: '701', reason: 'Kuaidi100 701: 拒绝订阅的快递公司' });
    expect(sim.subscriptions.size).toBe(0);
  });

  it('fails what it cannot subscribe, before calling: no waybill, an unknown carrier, SF without a phone', async () => {
    const kd = adapter();
    expect(await kd.send({ ...delivery(), kind: 'carrier.waybill' })).toMatchObject({ outcome: 'failed', code: 'kind' });
    expect(await kd.send(delivery({ carrier: 'sf' }))).toMatchObject({ outcome: 'failed', code: 'waybill' });
    expect(await kd.send(delivery({ waybillNo: 'X1', carrier: 'pigeon' }))).toMatchObject({ outcome: 'failed', code: 'company' });
    expect(await kd.send(delivery({ waybillNo: 'SF1', carrier: 'sf' }, null))).toMatchObject({ outcome: 'failed', code: 'phone' });
    expect(subscribes()).toHaveLength(0);
    // Other companies need no phone; a payload company and phone win over the defaults.
    expect((await kd.send(delivery({ waybillNo: 'YT9383342193097', carrier: 'yto' }, null))).outcome).toBe('delivered');
    expect(await kd.send(delivery({ waybillNo: 'SF2', company: 'shunfengkuaiyun', phone: '5678' }))).toMatchObject({ outcome: 'delivered', request: { company: 'shunfengkuaiyun', phone: '5678' } });
  });

  it('passes the last four digits of a masked or virtual phone', () => {
    expect(phoneFor('138****5678')).toBe('5678');
    expect(phoneFor('13800138000-1234')).toBe('1234');
    expect(phoneFor('0769-22123456')).toBe('0769-22123456');
    expect(phoneFor('  ')).toBeUndefined();
  });

  it('receives the pushes, verified with the salt, and answers them the way Kuaidi100 expects', async () => {
    expect((await adapter().send(delivery())).outcome).toBe('delivered');
    expect(await sim.push('SF1440000000001', { context: '顺丰速运 已收取快件', state: '1', time: '2024-05-20 18:00:00' })).toEqual({ status: 200, body: '{"result":true,"returnCode":"200","message":"成功"}' });
    expect(await sim.push('SF1440000000001', { context: '已签收', state: '3', time: '2024-05-22 10:00:00' })).toMatchObject({ status: 200 });
    expect(await sim.push('SF1440000000001', { context: '伪造', state: '3' }, { salt: 'guess' })).toMatchObject({ status: 401, body: expect.stringContaining('"result":false') });
    expect(received.map((r) => (r.ok ? [r.monitor, r.state, r.stage, r.nodes.length, r.nodes[0]!.at] : [r.status, r.reason]))).toEqual([
      ['polling', '1', 'collected', 1, '2024-05-20T18:00:00+08:00'],
      ['shutdown', '3', 'delivered', 2, '2024-05-22T10:00:00+08:00'],
      [401, 'sign does not match MD5(param + salt)'],
    ]);
    // Signed for: the number can be subscribed again.
    expect(sim.subscriptions.get('shunfeng/SF1440000000001')?.status).toBe('shutdown');
  });

  it('queries a track in real time, signed MD5(param + key + customer)', async () => {
    const config = { baseUrl: sim.url, key: KEY, customer: CUSTOMER };
    expect(await queryKuaidi100Track(config, { fetch }, { com: 'shunfeng', num: 'SF1440000000001', phone: '5678' })).toMatchObject({ kind: 'not-found', reason: 'Kuaidi100 500: 查询无结果，请隔段时间再查' });
    await adapter().send(delivery());
    await sim.push('SF1440000000001', { context: '顺丰速运 已收取快件', state: '1', time: '2024-05-20 18:00:00' });
    expect(await queryKuaidi100Track(config, { fetch }, { com: 'shunfeng', num: 'SF1440000000001', phone: '5678' })).toMatchObject({
      kind: 'track',
      track: { com: 'shunfeng', nu: 'SF1440000000001', state: '1', data: [expect.objectContaining({ context: '顺丰速运 已收取快件' })] },
    });
    const call = sim.calls.filter((c) => c.path === '/poll/query.do').at(-1)!;
    expect(Object.keys(call.form)).toEqual(['customer', 'sign', 'param']);
    expect(call.form.sign).toBe(querySign(call.form.param!, KEY, CUSTOMER));
    expect(await queryKuaidi100Track({ ...config, key: 'wrong' }, { fetch }, { com: 'shunfeng', num: 'SF1440000000001' })).toMatchObject({ kind: 'retry', pauseTarget: true, reason: 'Kuaidi100 503: 验证签名失败' });
  });

  it('declares its limits and needs its settings', () => {
    expect(adapter().limits).toEqual({ concurrency: 8 });
    expect(adapter({ limits: { calls: 10, perMs: 1000 } }).limits).toEqual({ concurrency: 8, calls: 10, perMs: 1000 });
    expect(() => adapter({ salt: '' })).toThrow(/salt is required/);
  });
});

describe('the Kuaidi100 adapter over an injected fetch', () => {
  it('cannot tell after a 504 or an unreadable answer', async () => {
    const kd = (answer: Response) => createKuaidi100Adapter({ key: KEY, callbackUrl: 'https://hub.example.com/k', salt: SALT }, { fetch: (async () => answer) as typeof fetch });
    expect(await kd(new Response('', { status: 504 })).send(delivery())).toMatchObject({ outcome: 'unknown' });
    expect(await kd(new Response('<html/>', { status: 200 })).send(delivery())).toMatchObject({ outcome: 'unknown' });
    expect(await kd(new Response('', { status: 429, headers: { 'retry-after': '7' } })).send(delivery())).toMatchObject({ outcome: 'retry', afterMs: 7000, pauseTarget: true });
  });

  it('posts to https://poll.kuaidi100.com/poll by default', async () => {
    let url = '';
    const kd = createKuaidi100Adapter({ key: KEY, callbackUrl: 'https://hub.example.com/k', salt: SALT }, { fetch: (async (u: string | URL | Request) => ((url = String(u)), new Response('{"result":true,"returnCode":"200","message":"提交成功"}'))) as typeof fetch });
    expect((await kd.send(delivery())).outcome).toBe('delivered');
    expect(url).toBe('https://poll.kuaidi100.com/poll');
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
