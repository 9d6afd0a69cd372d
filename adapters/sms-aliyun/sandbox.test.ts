import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../core/outbox/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createAliyunSmsAdapter, outIdFor, type AliyunSmsConfig } from './index.ts';
import { startAliyunSmsSandbox, type AliyunSmsSandbox, type AliyunSmsSandboxOptions } from './sandbox/server.ts';
import { ALL, APPROVED, CONFIRMED, MESSAGES, NAME, ORDER, PHONE, SHIPPED } from './test-fixtures.ts';

const KEY_ID = 'LTAI5tSandboxKey';
const SECRET = 'sandboxSecret0123456789abcdef';
let aliyun: AliyunSmsSandbox;
let clock = Date.parse('2024-05-01T02:00:00Z');
const start = (extra: Partial<AliyunSmsSandboxOptions> = {}) =>
  startAliyunSmsSandbox({ accessKeys: { [KEY_ID]: SECRET }, signNames: ['茶小铺'], templates: APPROVED, now: () => clock, ...extra });
const adapter = (extra: Partial<AliyunSmsConfig> = {}, now: () => number = () => clock) =>
  createAliyunSmsAdapter({ baseUrl: aliyun.url, accessKeyId: KEY_ID, accessKeySecret: SECRET, signName: '茶小铺', messages: MESSAGES, timeoutMs: 300, ...extra }, { fetch, now });

afterEach(async () => aliyun?.close());

describe('the Aliyun SMS sandbox', () => {
  beforeEach(() => {
    clock = Date.parse('2024-05-01T02:00:00Z');
  });

  it('sends a correctly signed message by POST or GET, and rejects what the gateway rejects', async () => {
    const lines: string[] = [];
    aliyun = await start({ print: (line) => lines.push(line) });
    expect(await adapter().send(SHIPPED)).toMatchObject({ outcome: 'delivered', response: { Code: 'OK', Message: 'OK', BizId: expect.stringMatching(/^\d+\^0$/), RequestId: expect.any(String) } });
    clock += 60_000;
    expect(await adapter({ method: 'GET' }).send(CONFIRMED)).toMatchObject({ outcome: 'delivered' });
    expect(aliyun.received).toHaveLength(2);
    expect(aliyun.received[0]).toMatchObject({ phone: '138****5678', templateCode: 'SMS_460002', outId: await outIdFor(SHIPPED.idempotencyKey), content: '【茶小铺】您的订单3791827364510已由顺丰速运发出，运单号SF1402918273645。' });

    const wrong = await adapter({ accessKeySecret: 'not-the-secret' }).send(CONFIRMED);
    expect(wrong).toMatchObject({ outcome: 'failed', code: 'SignatureDoesNotMatch', reason: expect.stringContaining('server string to sign is:POST&%2F&') });
    expect(JSON.stringify(wrong)).not.toContain(PHONE);
    expect(JSON.stringify(wrong)).toContain('138****5678');
    expect(await adapter({ accessKeyId: 'LTAInobody' }).send(CONFIRMED)).toMatchObject({ outcome: 'failed', code: 'InvalidAccessKeyId.NotFound', reason: 'Specified access key is not found.' });
    expect(await adapter({}, () => clock - 3600_000).send(CONFIRMED)).toMatchObject({ outcome: 'failed', code: 'InvalidTimeStamp.Expired' });
    expect(await adapter({ signName: '别家' }).send(CONFIRMED)).toMatchObject({ outcome: 'failed', code: 'isv.SMS_SIGNATURE_ILLEGAL' });
    expect(await adapter({ messages: { 'sms.order_confirmed': { templateCode: 'SMS_999' } } }).send(CONFIRMED)).toMatchObject({ outcome: 'failed', code: 'isv.SMS_TEMPLATE_ILLEGAL' });
    expect(await adapter({ messages: { 'sms.order_confirmed': { templateCode: 'SMS_460001', params: { order: '{{externalId}}' } } } }).send(CONFIRMED)).toMatchObject({
      outcome: 'failed',
      code: 'isv.TEMPLATE_MISSING_PARAMETERS',
    });
    expect(aliyun.received).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(PHONE);
    expect(lines[0]).toBe('SendSms 138****5678 SMS_460002 → OK');
  });

  it('enforces per-phone flow control as Aliyun does: 1 a minute, 5 an hour, 10 a day', async () => {
    aliyun = await start();
    const sms = adapter();
    const send = (i: number) => sms.send({ ...CONFIRMED, idempotencyKey: `k${i}` });
    expect((await send(0)).outcome).toBe('delivered');
    expect(await send(1)).toMatchObject({ outcome: 'retry', reason: 'isv.BUSINESS_LIMIT_CONTROL 触发分钟级流控Permits:1', afterMs: 60_000 });
    // Another number is not held back.
    const other = { ...CONFIRMED, idempotencyKey: 'other', order: { ...ORDER, receiver: { ...ORDER.receiver!, phone: '13900001111' } } };
    expect((await sms.send(other)).outcome).toBe('delivered');
    for (let i = 2; i <= 5; i++) {
      clock += 61_000;
      expect((await send(i)).outcome).toBe('delivered');
    }
    clock += 61_000;
    expect(await send(6)).toMatchObject({ outcome: 'retry', reason: 'isv.BUSINESS_LIMIT_CONTROL 触发小时级流控Permits:5', afterMs: 3600_000 });
    expect(aliyun.received.filter((m) => m.phone === '138****5678')).toHaveLength(5);
  });

  it('fails on request: 5xx, throttling, a system error, a reply lost after sending, a call dropped before it', async () => {
    aliyun = await start({ phoneLimits: [] });
    aliyun.failNext('5xx', 'throttle', 'system', 'timeout', 'drop');
    const sms = adapter();
    expect(await sms.send(CONFIRMED)).toMatchObject({ outcome: 'retry', reason: 'ServiceUnavailable The request has failed due to a temporary failure of the server.' });
    expect(await sms.send(CONFIRMED)).toMatchObject({ outcome: 'retry', reason: 'Throttling.User Request was denied due to user flow control.', pauseTarget: true });
    expect(await sms.send(CONFIRMED)).toMatchObject({ outcome: 'retry', reason: 'isp.SYSTEM_ERROR isp.SYSTEM_ERROR' });
    expect(await sms.send(CONFIRMED)).toMatchObject({ outcome: 'unknown' });
    expect(aliyun.received).toHaveLength(1);
    expect(await sms.lookup!(CONFIRMED)).toBe('exists');
    expect(await sms.send(SHIPPED)).toMatchObject({ outcome: 'unknown' });
    expect(aliyun.received).toHaveLength(1);
    expect(await sms.lookup!(SHIPPED)).toBe('absent');
    expect(aliyun.calls).toBe(5);
  });
});

describe('deliveries through the real dispatcher', () => {
  let store: Store;
  const now = () => new Date(clock);

  const orderRow = (id: string, doc: typeof ORDER) => {
    const at = new Date(clock).toISOString();
    return ['t1', id, doc.channel, doc.externalId, 'paid', 'none', doc.updatedAt, Date.parse(doc.updatedAt), 1, JSON.stringify(doc), 'allocated', at, 'inb_1'];
  };
  const outboxRow = (id: string, d: Delivery) => {
    const at = new Date(clock).toISOString();
    return ['t1', id, 'sms', d.kind, d.idempotencyKey, d.orderId, JSON.stringify(d.payload), 'pending', 0, at, at, at];
  };
  const insert = async (orders: unknown[][], deliveries: unknown[][]) => {
    await store.batch(insertRows('orders', ['tenant', 'id', 'channel', 'external_id', 'status', 'after_sale', 'updated_at', 'updated_ms', 'version', 'doc', 'stage', 'created_at', 'last_inbox'], orders as never));
    await store.batch(insertRows('outbox', ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'order_id', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'], deliveries as never));
  };
  const statuses = async () => (await store.query("SELECT kind, status FROM outbox WHERE tenant = 't1' ORDER BY id")).map((r) => `${r.kind}:${r.status}`);
  /** What the hub keeps about deliveries (the order itself holds the phone, as it must). */
  const kept = async () => JSON.stringify([await store.query("SELECT * FROM outbox WHERE tenant = 't1'"), await store.query("SELECT * FROM delivery_attempts WHERE tenant = 't1'")]);
  const sentOnce = async (deliveries: Delivery[]) => {
    const outIds = aliyun.received.map((m) => m.outId);
    expect(outIds).toHaveLength(deliveries.length);
    expect(new Set(outIds)).toEqual(new Set(await Promise.all(deliveries.map((d) => outIdFor(d.idempotencyKey)))));
  };

  beforeEach(async () => {
    store = await openLibsqlStore({ url: ':memory:' });
    clock = Date.parse('2024-05-01T02:00:00Z');
  });
  afterEach(async () => store.close());

  it("sends an order's four messages once each, paced by Aliyun's per-phone limit, with no phone kept in clear", async () => {
    aliyun = await start();
    await insert([orderRow('ord_1', ORDER)], ALL.map((d, i) => outboxRow(`dlv_000${i}`, d)));
    const dispatcher = new Dispatcher(store, { sms: adapter() }, { tenants: ['t1'], now, random: () => 0 });
    expect(await dispatcher.runOnce()).toEqual({ claimed: 4, delivered: 1, retried: 3, dead: 0, unknown: 0 });
    // Nothing is due until the phone's minute has passed.
    expect((await dispatcher.runOnce()).claimed).toBe(0);
    for (const expected of [2, 1, 0]) {
      clock += 60_000;
      const report = await dispatcher.runOnce();
      expect(report).toMatchObject({ delivered: 1, retried: expected, dead: 0 });
    }
    expect(await statuses()).toEqual(['sms.order_confirmed:delivered', 'sms.shipped:delivered', 'sms.delivered:delivered', 'sms.refund_done:delivered']);
    await sentOnce(ALL);
    expect(aliyun.received.map((m) => m.templateCode).sort()).toEqual(['SMS_460001', 'SMS_460002', 'SMS_460003', 'SMS_460004']);
    expect(aliyun.received.find((m) => m.templateCode === 'SMS_460004')!.content).toBe('【茶小铺】您的订单3791827364510退款39.00元已原路退回。');

    const attempts = await store.query("SELECT outcome, error FROM delivery_attempts WHERE tenant = 't1' ORDER BY started_at");
    expect(attempts.filter((a) => a.outcome === 'retry').map((a) => a.error)).toEqual(Array(6).fill('isv.BUSINESS_LIMIT_CONTROL 触发分钟级流控Permits:1'));
    const record = await kept();
    for (const personal of [PHONE, NAME, SECRET]) expect(record).not.toContain(personal);
    expect(record).toContain('138****5678');
  });

  it('asks QuerySendDetails after a lost reply instead of texting twice', async () => {
    aliyun = await start({ phoneLimits: [] });
    await insert([orderRow('ord_1', ORDER)], ALL.map((d, i) => outboxRow(`dlv_000${i}`, d)));
    aliyun.failNext('5xx', 'throttle', 'system', 'timeout');
    const dispatcher = new Dispatcher(store, { sms: adapter() }, { tenants: ['t1'], now, random: () => 0 });
    expect(await dispatcher.runOnce()).toEqual({ claimed: 4, delivered: 0, retried: 3, dead: 0, unknown: 1 });
    expect(aliyun.received).toHaveLength(1);
    clock += 60_000;
    expect(await dispatcher.runOnce()).toEqual({ claimed: 4, delivered: 4, retried: 0, dead: 0, unknown: 0 });
    expect(aliyun.calls).toBe(7);
    expect(aliyun.queries).toBe(1);
    await sentOnce(ALL);
    const found = await store.query("SELECT outcome FROM delivery_attempts WHERE tenant = 't1' AND outcome = 'found'");
    expect(found).toHaveLength(1);
  });

  it('resends a message whose call was dropped before Aliyun took it', async () => {
    aliyun = await start({ phoneLimits: [] });
    await insert([orderRow('ord_1', ORDER)], [outboxRow('dlv_0000', SHIPPED)]);
    aliyun.failNext('drop');
    const dispatcher = new Dispatcher(store, { sms: adapter() }, { tenants: ['t1'], now, random: () => 0 });
    expect(await dispatcher.runOnce()).toMatchObject({ unknown: 1 });
    clock += 60_000;
    expect(await dispatcher.runOnce()).toMatchObject({ delivered: 1 });
    expect(aliyun.queries).toBe(1);
    expect(aliyun.calls).toBe(2);
    await sentOnce([SHIPPED]);
  });

  it('gets 40 messages to 10 customers through an Aliyun failing 30% of calls and limiting each phone, each exactly once', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    aliyun = await start({ failRate: 0.3, failModes: ['5xx', 'throttle', 'system', 'timeout'], random });
    const orders = Array.from({ length: 10 }, (_, i) => ({ ...ORDER, externalId: `37918273645${String(i).padStart(2, '0')}`, receiver: { ...ORDER.receiver!, phone: `1381234560${i}` } }));
    const deliveries = orders.flatMap((order, i) =>
      ALL.map((d) => ({ ...d, orderId: `ord_${i}`, idempotencyKey: `${d.kind}/tmall/${order.externalId}`, payload: { ...d.payload, orderId: `ord_${i}`, externalId: order.externalId } })),
    );
    await insert(orders.map((o, i) => orderRow(`ord_${i}`, o)), deliveries.map((d, i) => outboxRow(`dlv_${String(i).padStart(4, '0')}`, d)));
    const dispatcher = new Dispatcher(store, { sms: adapter() }, { tenants: ['t1'], now, random: () => 0.5 });
    for (let round = 0; round < 80 && (await statuses()).some((s) => !s.endsWith(':delivered')); round++) {
      await dispatcher.runOnce();
      clock += 61_000;
    }
    expect((await statuses()).filter((s) => !s.endsWith(':delivered'))).toEqual([]);
    await sentOnce(deliveries);
    expect(aliyun.calls).toBeGreaterThan(40);
    const outcomes = (await store.query("SELECT outcome FROM delivery_attempts WHERE tenant = 't1'")).map((a) => String(a.outcome));
    const count = (o: string) => outcomes.filter((x) => x === o).length;
    // Every lost reply was asked about and found, none texted twice.
    expect(count('unknown')).toBeGreaterThan(0);
    expect(count('found')).toBe(count('unknown'));
    expect(count('delivered') + count('found')).toBe(40);
    expect(outcomes.filter((o) => o === 'retry').length).toBeGreaterThan(0);
    const record = await kept();
    for (let i = 0; i < 10; i++) expect(record).not.toContain(`1381234560${i}`);
  });
});
