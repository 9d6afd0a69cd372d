import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { THROTTLE_MS } from './classify.ts';
import { createWeComAdapter } from './index.ts';
import { startWeComSandbox, type WeComSandbox } from './sandbox/server.ts';
import { BIG_ORDER, DEAD_LETTER, HELD, ORDER, SHORTFALL } from './test-fixtures.ts';

const KEY = 'b6f0c2a4-sandbox-key-0001';
let robot: WeComSandbox;
const adapter = (extra: { key?: string; timeoutMs?: number; templates?: Record<string, string> } = {}) =>
  createWeComAdapter({ baseUrl: robot.url, key: extra.key ?? KEY, ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}), ...(extra.templates ? { templates: extra.templates } : {}) }, { fetch });

afterEach(async () => robot?.close());

describe('the WeCom sandbox', () => {
  it('posts a message for the right key and answers 93000 for any other', async () => {
    robot = await startWeComSandbox({ key: KEY });
    expect(await adapter().send(HELD)).toMatchObject({ outcome: 'delivered', response: { errcode: 0, errmsg: 'ok' } });
    expect(await adapter({ key: 'nope' }).send(HELD)).toMatchObject({ outcome: 'failed', code: '93000', reason: expect.stringMatching(/^invalid webhook url, hint: \[\d+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=93000$/) });
    expect(robot.received).toHaveLength(1);
    expect(robot.received[0]!.markdown!.content).toContain('订单待审核');
  });

  it('takes 20 messages a minute, then answers 45009', async () => {
    robot = await startWeComSandbox({ key: KEY });
    const wecom = adapter();
    for (let i = 0; i < 20; i++) expect((await wecom.send(HELD)).outcome).toBe('delivered');
    expect(await wecom.send(HELD)).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/^45009 api freq out of limit, hint/), afterMs: THROTTLE_MS });
    expect(robot.received).toHaveLength(20);
  });

  it('rejects content over 4096 bytes as the robot does (the adapter cuts its own to fit)', async () => {
    robot = await startWeComSandbox({ key: KEY });
    const long = { ...HELD, payload: { holds: Array.from({ length: 600 }, (_, i) => `原因 ${i}`) } };
    expect(await adapter().send(long)).toMatchObject({ outcome: 'delivered' });
    const raw = await fetch(`${robot.url}/cgi-bin/webhook/send?key=${KEY}`, { method: 'POST', body: JSON.stringify({ msgtype: 'markdown', markdown: { content: '长'.repeat(1366) } }) });
    expect(await raw.json()).toMatchObject({ errcode: 40058 });
  });

  it('fails on request: 5xx, throttling and a timeout after posting', async () => {
    robot = await startWeComSandbox({ key: KEY });
    robot.failNext('5xx', 'throttle', 'timeout');
    const wecom = adapter({ timeoutMs: 200 });
    expect(await wecom.send(HELD)).toMatchObject({ outcome: 'retry', reason: 'HTTP 502' });
    expect(await wecom.send(HELD)).toMatchObject({ outcome: 'retry', afterMs: THROTTLE_MS });
    expect(await wecom.send(HELD)).toMatchObject({ outcome: 'unknown' });
    expect(robot.received).toHaveLength(1);
  });
});

describe('WeCom deliveries through the real dispatcher', () => {
  let store: Store;
  let clock: number;
  const now = () => new Date(clock);
  const statuses = async () => (await store.query("SELECT kind, status FROM outbox WHERE tenant = 't1' ORDER BY id")).map((r) => `${r.kind}:${r.status}`);

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
        [HELD, SHORTFALL, BIG_ORDER, DEAD_LETTER].map((d, i) => ['t1', `dlv_000${i}`, 'wecom', d.kind, d.idempotencyKey, d.orderId, JSON.stringify(d.payload), 'pending', 0, at, at, at]),
      ),
    );
  });
  afterEach(async () => store.close());

  it('gets each message to the group exactly once through 5xx and throttling, with no key or private data kept', async () => {
    robot = await startWeComSandbox({ key: KEY });
    robot.failNext('5xx', 'throttle');
    const dispatcher = new Dispatcher(store, { wecom: adapter() }, { tenants: ['t1'], now, random: () => 0, limits: { wecom: { calls: 100, perMs: 100 } } });
    expect(await dispatcher.runOnce()).toEqual({ claimed: 4, delivered: 2, retried: 2, dead: 0, unknown: 0 });
    clock += THROTTLE_MS;
    expect(await dispatcher.runOnce()).toEqual({ claimed: 2, delivered: 2, retried: 0, dead: 0, unknown: 0 });
    expect(await statuses()).toEqual(['notify.held:delivered', 'notify.shortfall:delivered', 'notify.order:delivered', 'notify.dead_letter:delivered']);

    const headings = robot.received.map((m) => /^### (?:<font color="\w+">)?([^<\n]+)/.exec(m.markdown!.content)?.[1]);
    expect(headings.sort()).toEqual(['库存不足', '投递失败', '新订单', '订单待审核']);
    const kept = JSON.stringify(await store.query("SELECT outcome, request, response, error FROM delivery_attempts WHERE tenant = 't1'"));
    expect(kept).not.toContain(KEY);
    for (const text of [...robot.received.map((m) => m.markdown!.content), kept]) {
      for (const personal of ['13812345678', '文三路', '西湖区', '张三丰']) expect(text).not.toContain(personal);
    }
  });

  it('gets 40 messages through a robot failing 30% of calls, each exactly once', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    robot = await startWeComSandbox({ key: KEY, failRate: 0.3, failModes: ['5xx', 'throttle'], random, limit: { calls: 1000, perMs: 60_000 } });
    const at = new Date(clock).toISOString();
    await store.batch(
      insertRows(
        'outbox',
        ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'],
        Array.from({ length: 36 }, (_, i) => ['t1', `dlv_1${String(i).padStart(3, '0')}`, 'wecom', 'notify.order', `notify.order/tmall/N${i}`, null, JSON.stringify({ channel: 'tmall', externalId: `N${i}` }), 'pending', 0, at, at, at]),
      ),
    );
    const dispatcher = new Dispatcher(store, { wecom: adapter() }, { tenants: ['t1'], now, random: () => 0.5, limits: { wecom: { calls: 1000, perMs: 1000 } } });
    for (let round = 0; round < 30 && (await statuses()).some((s) => !s.endsWith(':delivered')); round++) {
      await dispatcher.runOnce();
      clock += THROTTLE_MS;
    }
    expect((await statuses()).filter((s) => !s.endsWith(':delivered'))).toEqual([]);
    expect(robot.received).toHaveLength(40);
    const numbers = robot.received.flatMap((m) => /订单号：(N\d+)/.exec(m.markdown!.content)?.[1] ?? []);
    expect(numbers.sort()).toEqual(Array.from({ length: 36 }, (_, i) => `N${i}`).sort());
    expect(robot.calls).toBeGreaterThan(40);
  });

  it('leaves a message whose reply timed out to a person instead of posting it twice', async () => {
    robot = await startWeComSandbox({ key: KEY });
    robot.failNext('timeout');
    const dispatcher = new Dispatcher(store, { wecom: adapter({ timeoutMs: 200 }) }, { tenants: ['t1'], now, random: () => 0, limits: { wecom: { calls: 100, perMs: 100 } } });
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 4, delivered: 3, unknown: 1 });
    clock += 3600_000;
    await dispatcher.runOnce();
    expect(robot.received).toHaveLength(4);
    expect(robot.calls).toBe(4);
  });
});
