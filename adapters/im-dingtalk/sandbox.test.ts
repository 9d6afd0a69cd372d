import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { BAN_MS } from './classify.ts';
import { createDingTalkAdapter } from './index.ts';
import { startDingTalkSandbox, type DingTalkSandbox } from './sandbox/server.ts';
import { BIG_ORDER, DEAD_LETTER, HELD, ORDER, SHORTFALL } from './test-fixtures.ts';

const TOKEN = 'sandbox-token-0123456789';
const SECRET = 'SECsandbox0123456789abcdef';
let robot: DingTalkSandbox;
const adapter = (extra: { accessToken?: string; secret?: string; now?: () => number; timeoutMs?: number } = {}) =>
  createDingTalkAdapter(
    { baseUrl: robot.url, accessToken: extra.accessToken ?? TOKEN, secret: extra.secret ?? SECRET, ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}) },
    { fetch, ...(extra.now ? { now: extra.now } : {}) },
  );

afterEach(async () => robot?.close());

describe('the DingTalk sandbox', () => {
  it('posts a correctly signed message and rejects a bad token, sign or stale timestamp as the robot does', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET });
    expect(await adapter().send(HELD)).toMatchObject({ outcome: 'delivered', response: { errcode: 0, errmsg: 'ok' } });
    expect(await adapter({ secret: 'SECwrong' }).send(HELD)).toMatchObject({ outcome: 'failed', code: '310000', reason: 'sign not match' });
    expect(await adapter({ now: () => Date.now() - 2 * 3600_000 }).send(HELD)).toMatchObject({ outcome: 'failed', code: '310000', reason: 'invalid timestamp' });
    expect(await adapter({ accessToken: 'nope' }).send(HELD)).toMatchObject({ outcome: 'failed', code: '300001', reason: 'token is not exist' });
    expect(robot.received).toHaveLength(1);
    expect(robot.received[0]).toMatchObject({ msgtype: 'markdown', markdown: { title: '订单待审核' } });
  });

  it('checks the keyword security setting', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, keywords: ['订单'] });
    expect(await adapter({ secret: '' }).send(HELD)).toMatchObject({ outcome: 'delivered' });
    await robot.close();
    robot = await startDingTalkSandbox({ accessToken: TOKEN, keywords: ['告警'] });
    expect(await adapter({ secret: '' }).send(HELD)).toMatchObject({ outcome: 'failed', code: '310000', reason: 'keywords not in content' });
  });

  it('takes 20 messages a minute, then answers 130101 and blocks with 302s', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET });
    const dingtalk = adapter();
    for (let i = 0; i < 20; i++) expect((await dingtalk.send(HELD)).outcome).toBe('delivered');
    expect(await dingtalk.send(HELD)).toMatchObject({ outcome: 'retry', reason: '130101 send too fast, exceed 20 times per minute', afterMs: BAN_MS });
    expect(await dingtalk.send(HELD)).toMatchObject({ outcome: 'retry', reason: 'HTTP 302: the robot is blocked for sending too fast', afterMs: BAN_MS });
    expect(robot.received).toHaveLength(20);
  });

  it('fails on request: 5xx, throttling and a timeout after posting', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET });
    robot.failNext('5xx', 'throttle', 'timeout');
    const dingtalk = adapter({ timeoutMs: 200 });
    expect(await dingtalk.send(HELD)).toMatchObject({ outcome: 'retry', reason: 'HTTP 502' });
    expect(await dingtalk.send(HELD)).toMatchObject({ outcome: 'retry', afterMs: BAN_MS });
    expect(await dingtalk.send(HELD)).toMatchObject({ outcome: 'unknown' });
    expect(robot.received).toHaveLength(1);
  });
});

describe('deliveries through the real dispatcher', () => {
  let store: Store;
  let clock: number;
  const now = () => new Date(clock);

  beforeEach(async () => {
    store = await openLibsqlStore({ url: ':memory:' });
    clock = Date.parse('2024-05-01T02:00:00Z');
    const at = new Date(clock).toISOString();
    await store.batch(
      insertRows(
        'orders',
        ['tenant', 'id', 'channel', 'external_id', 'status', 'after_sale', 'updated_at', 'updated_ms', 'version', 'doc', 'stage', 'created_at', 'last_inbox'],
        [['t1', 'ord_1', 'tmall', ORDER.externalId, 'paid', 'none', ORDER.updatedAt, Date.parse(ORDER.updatedAt), 1, JSON.stringify(ORDER), 'allocated', at, 'inb_1']],
      ),
    );
    await store.batch(
      insertRows(
        'outbox',
        ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'],
        [HELD, SHORTFALL, BIG_ORDER, DEAD_LETTER].map((d, i) => ['t1', `dlv_000${i}`, 'dingtalk', d.kind, d.idempotencyKey, d.orderId, JSON.stringify(d.payload), 'pending', 0, at, at, at]),
      ),
    );
  });
  afterEach(async () => store.close());

  /** `count` more new-order notices (N0, N1 …) for the robot, due now. */
  const queueOrderNotices = async (count: number) => {
    const at = new Date(clock).toISOString();
    await store.batch(
      insertRows(
        'outbox',
        ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'],
        Array.from({ length: count }, (_, i) => ['t1', `dlv_1${String(i).padStart(3, '0')}`, 'dingtalk', 'notify.order', `notify.order/tmall/N${i}`, null, JSON.stringify({ channel: 'tmall', externalId: `N${i}` }), 'pending', 0, at, at, at]),
      ),
    );
  };
  const statuses = async () => (await store.query("SELECT kind, status FROM outbox WHERE tenant = 't1' ORDER BY id")).map((r) => `${r.kind}:${r.status}`);

  it('gets each message to the group exactly once through 5xx and throttling, with no credential or private data kept', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET });
    robot.failNext('5xx', 'throttle');
    // Tests do not wait out the robot's 3 s spacing: hub.yaml-style limits over the adapter's.
    const dispatcher = new Dispatcher(store, { dingtalk: adapter() }, { tenants: ['t1'], now, random: () => 0, limits: { dingtalk: { calls: 100, perMs: 100 } } });
    expect(await dispatcher.runOnce()).toEqual({ claimed: 4, delivered: 2, retried: 2, dead: 0, unknown: 0 });
    clock += BAN_MS;
    expect(await dispatcher.runOnce()).toEqual({ claimed: 2, delivered: 2, retried: 0, dead: 0, unknown: 0 });
    expect(await statuses()).toEqual(['notify.held:delivered', 'notify.shortfall:delivered', 'notify.order:delivered', 'notify.dead_letter:delivered']);

    expect(robot.received.map((m) => m.markdown!.title).sort()).toEqual(['库存不足', '投递失败', '新订单', '订单待审核']);
    const attempts = await store.query("SELECT outcome, request, response, error FROM delivery_attempts WHERE tenant = 't1'");
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'retry', 'retry']);
    const kept = JSON.stringify(attempts);
    for (const secret of [TOKEN, SECRET, 'sign=']) expect(kept).not.toContain(secret);
    for (const text of [...robot.received.map((m) => m.markdown!.text), kept]) {
      for (const personal of ['13812345678', '文三路', '西湖区', '张三丰']) expect(text).not.toContain(personal);
    }
    expect(kept).toContain('138****5678');
  });

  it('gets 40 messages through a robot failing 30% of calls (5xx, throttling), each exactly once', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET, failRate: 0.3, failModes: ['5xx', 'throttle'], random, limit: { calls: 1000, perMs: 60_000 } });
    await queueOrderNotices(36);
    const dispatcher = new Dispatcher(store, { dingtalk: adapter() }, { tenants: ['t1'], now, random: () => 0.5, limits: { dingtalk: { calls: 1000, perMs: 1000 } } });
    for (let round = 0; round < 30 && (await statuses()).some((s) => !s.endsWith(':delivered')); round++) {
      await dispatcher.runOnce();
      clock += BAN_MS;
    }
    expect((await statuses()).filter((s) => !s.endsWith(':delivered'))).toEqual([]);
    expect(robot.received).toHaveLength(40);
    const numbers = robot.received.flatMap((m) => /订单号：(N\d+)/.exec(m.markdown!.text)?.[1] ?? []);
    expect(numbers.sort()).toEqual(Array.from({ length: 36 }, (_, i) => `N${i}`).sort());
    expect(robot.calls).toBeGreaterThan(40);
  });

  it('sends a backlog beyond the robot\'s pace as digests, dropping none', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET });
    await queueOrderNotices(16);
    // The window lets two calls out this round for twenty messages: two digests of ten, none left waiting.
    const dispatcher = new Dispatcher(store, { dingtalk: adapter() }, { tenants: ['t1'], now, limits: { dingtalk: { calls: 2, perMs: 1_000 } } });
    expect(await dispatcher.runOnce()).toEqual({ claimed: 20, delivered: 20, retried: 0, dead: 0, unknown: 0 });
    expect(robot.received).toHaveLength(2);
    expect(robot.received.map((m) => m.markdown!.title.split('：')[0])).toEqual(['10 条通知', '10 条通知']);
    const texts = robot.received.map((m) => m.markdown!.text).join('\n');
    expect(texts.match(/订单号：N\d+/g)!.sort()).toEqual(Array.from({ length: 16 }, (_, i) => `订单号：N${i}`).sort());
    for (const title of ['订单待审核', '库存不足', '新订单', '投递失败']) expect(texts).toContain(title);
    // Each delivery keeps the digest's attempt as its own.
    const attempts = await store.query("SELECT count(DISTINCT delivery_id) AS n, count(*) AS total FROM delivery_attempts WHERE tenant = 't1' AND outcome = 'delivered'");
    expect(attempts).toEqual([{ n: 20, total: 20 }]);
  });

  it('leaves a message whose reply timed out to a person instead of posting it twice', async () => {
    robot = await startDingTalkSandbox({ accessToken: TOKEN, secret: SECRET });
    robot.failNext('timeout');
    const dispatcher = new Dispatcher(store, { dingtalk: adapter({ timeoutMs: 200 }) }, { tenants: ['t1'], now, random: () => 0, limits: { dingtalk: { calls: 100, perMs: 100 } } });
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 4, delivered: 3, unknown: 1 });
    clock += 3600_000;
    await dispatcher.runOnce();
    expect(robot.received).toHaveLength(4);
    expect(robot.calls).toBe(4);
    // The four go out side by side: whichever reached the robot first is the one that timed out.
    const dead = await store.query("SELECT last_error FROM outbox WHERE tenant = 't1' AND status = 'dead'");
    expect(dead).toEqual([{ last_error: 'outcome unknown and the target cannot be asked: check it, then replay it or mark it delivered' }]);
    expect(await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND status = 'delivered'")).toEqual([{ n: 3 }]);
  });
});
