import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Delivery } from '../../core/outbox/types.ts';
import { createQimenAdapter, type QimenConfig } from './index.ts';
import { startQimenSandbox, type QimenSandbox, type QimenSandboxOptions } from './sandbox/server.ts';
import { parseXml } from './xml.ts';

const here = (file: string) => new URL(file, import.meta.url);
const MAPPING = readFileSync(here('./delivery-order.yaml'), 'utf8');
const tmallCase = JSON.parse(readFileSync(here('./delivery-order.cases/01-tmall-one-shipment.input.json'), 'utf8')) as { order: CanonicalOrder };
const expectedModel = JSON.parse(readFileSync(here('./delivery-order.cases/01-tmall-one-shipment.expected.json'), 'utf8')) as { deliveryOrder: Record<string, unknown>; orderLines: unknown };
const tmallOrder = tmallCase.order;
const CODE = 'DO-tmall-2938475610293847561-1';
const SHIPMENT = {
  shipment: 1,
  location: 'wh-sh',
  carrier: 'yto',
  lines: [
    { lineId: '2938475610294847561', sku: 'SP-1001-BLK-XL', quantity: 2 },
    { lineId: '2938475610295847561', sku: 'SP-2002-WHT', quantity: 1 },
  ],
};

function delivery(kind = 'wms.delivery_order', order: CanonicalOrder = tmallOrder, payload: Record<string, unknown> = SHIPMENT): Delivery {
  return {
    tenant: 't1',
    id: `dlv_${kind}`,
    target: 'qimen',
    kind,
    idempotencyKey: `${kind}/${order.channel}/${order.externalId}/1`,
    orderId: 'ord_1',
    payload: { orderId: 'ord_1', channel: order.channel, externalId: order.externalId, event: 'released', ...payload },
    order,
    attempts: 0,
    createdAt: '2024-05-20T02:20:00.000Z',
  };
}

let sim: QimenSandbox;
async function restart(options: QimenSandboxOptions = {}) {
  await sim?.close();
  sim = await startQimenSandbox({ slowMs: 600, ...options });
}
beforeEach(async () => restart());
afterEach(async () => sim.close());

function adapter(extra: Partial<QimenConfig> = {}, fetchFn: typeof fetch = fetch) {
  return createQimenAdapter(
    { baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, customerId: sim.customerId, mapping: MAPPING, timeoutMs: 250, ...extra },
    { fetch: fetchFn, now: () => Date.parse('2024-05-20T02:20:05Z') },
  );
}
const creates = () => sim.calls.filter((c) => c.method === 'taobao.qimen.deliveryorder.create');

describe('the Qimen adapter: deliveryorder.create', () => {
  it('sends the mapped delivery order as signed XML, with the derived deliveryOrderCode first, and is delivered', async () => {
    const outcome = await adapter().send(delivery());
    expect(outcome).toMatchObject({ outcome: 'delivered', response: { flag: 'success', deliveryOrderId: 'WMS880001' } });

    const [call] = creates();
    expect(call!.signOk).toBe(true);
    expect(Object.keys(call!.query)).toEqual(['method', 'v', 'app_key', 'timestamp', 'format', 'sign_method', 'customerId', 'sign']);
    expect(call!.query).toMatchObject({ method: 'taobao.qimen.deliveryorder.create', v: '2.0', app_key: sim.appKey, timestamp: '2024-05-20 10:20:05', format: 'xml', sign_method: 'md5', customerId: sim.customerId });
    expect(call!.query.sign).toMatch(/^[0-9A-F]{32}$/);
    expect(call!.body.startsWith('<?xml version="1.0" encoding="utf-8"?><request><deliveryOrder><deliveryOrderCode>DO-tmall-2938475610293847561-1</deliveryOrderCode><orderType>JYCK</orderType>')).toBe(true);
    // The body is the mapping's model, element for element.
    const request = parseXml(call!.body).request as Record<string, unknown>;
    expect(request).toEqual(parseXml(`<request>${xmlOf(expectedModel, CODE)}</request>`).request);

    expect(sim.orders.get(CODE)).toMatchObject({ deliveryOrderId: 'WMS880001', warehouseCode: 'WH-SH-01', ownerCode: 'OWNER-001', status: 'NEW' });
    // What the attempt log keeps: no secret, no sign, the receiver starred.
    const logged = JSON.stringify(outcome);
    expect(logged).not.toContain(sim.appSecret);
    expect(logged).not.toContain(call!.query.sign);
    expect(logged).not.toContain('文一西路969号');
    expect(outcome).toMatchObject({ request: { method: 'taobao.qimen.deliveryorder.create', deliveryOrderCode: CODE, model: { deliveryOrder: { receiverInfo: { name: '张***', detailAddress: '文***' } } } } });
  });

  it('takes the WMS refusing a repeated deliveryOrderCode as delivered: one delivery order, never two', async () => {
    const qimen = adapter();
    expect((await qimen.send(delivery())).outcome).toBe('delivered');
    expect(await qimen.send({ ...delivery(), attempts: 1 })).toMatchObject({ outcome: 'delivered', response: { flag: 'failure', code: 'DELIVERYORDER_EXISTS' } });
    expect(creates()).toHaveLength(2);
    expect(sim.orders.size).toBe(1);
  });

  it('and a WMS that answers a repeat with success and the same id the same way', async () => {
    await restart({ duplicateAnswer: 'success' });
    const qimen = adapter();
    await qimen.send(delivery());
    expect(await qimen.send(delivery())).toMatchObject({ outcome: 'delivered', response: { flag: 'success', deliveryOrderId: 'WMS880001' } });
    expect(sim.orders.size).toBe(1);
  });

  it('fails a business refusal for good, with the WMS code and message verbatim', async () => {
    sim.failNext('business-error');
    expect(await adapter().send(delivery())).toMatchObject({ outcome: 'failed', code: 'INVENTORY_SHORTAGE', reason: `${CODE}: 商品[SP-1001-BLK-XL]库存不足，无法创建出库单（模拟）` });
    await restart({ items: ['SP-1001-BLK-XL'] });
    expect(await adapter().send(delivery())).toMatchObject({ outcome: 'failed', code: 'ITEM_NOT_EXIST', reason: expect.stringContaining('商品编码[SP-2002-WHT]不存在') });
    expect(sim.orders.size).toBe(0);
  });

  it('retries a system error answered with HTTP 200 and a 502, and they stored nothing', async () => {
    sim.failNext('system-error');
    sim.failNext('server-error');
    const qimen = adapter();
    expect(await qimen.send(delivery())).toMatchObject({ outcome: 'retry', reason: `${CODE}: SYSTEM_ERROR: 系统繁忙，请稍后重试（模拟）` });
    expect(await qimen.send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('HTTP 502') });
    expect(sim.orders.size).toBe(0);
    expect((await qimen.send(delivery())).outcome).toBe('delivered');
  });

  it('is unknown when the answer comes too late, and lookup then finds the order by its code', async () => {
    sim.failNext('timeout-after-store');
    const qimen = adapter();
    expect(await qimen.send(delivery())).toMatchObject({ outcome: 'unknown', reason: `taobao.qimen.deliveryorder.create ${CODE}: no answer within 250 ms` });
    expect(sim.orders.size).toBe(1);
    expect(await qimen.lookup!(delivery())).toBe('exists');
    const query = sim.calls.find((c) => c.method === 'taobao.qimen.deliveryorder.query')!;
    expect(parseXml(query.body)).toEqual({ request: { ownerCode: 'OWNER-001', warehouseCode: 'WH-SH-01', orderCode: CODE, page: '1', pageSize: '10' } });
    const other = { ...tmallOrder, externalId: '1111' };
    expect(await qimen.lookup!(delivery('wms.delivery_order', other))).toBe('absent');
  });

  it('fails when the router refuses the sign (a wrong secret): sign-check-failure, Illegal request', async () => {
    const outcome = await adapter({ appSecret: 'not-the-secret' }).send(delivery());
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'sign-check-failure', reason: expect.stringContaining('sign-check-failure: Illegal request') });
    expect(sim.calls[0]!.signOk).toBe(false);
    await expect(adapter({ appSecret: 'not-the-secret' }).lookup!(delivery())).rejects.toThrow('Illegal request');
  });

  it('retries when the connection is refused (nothing was sent)', async () => {
    const port = await freePort();
    expect(await adapter({ baseUrl: `http://127.0.0.1:${port}/router/qimen/service` }).send(delivery())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('fails a delivery it cannot map, naming the rule, and a kind it does not send', async () => {
    expect(await adapter().send(delivery('wms.delivery_order', tmallOrder, { ...SHIPMENT, location: 'wh-bj' }))).toMatchObject({
      outcome: 'failed',
      code: 'mapping',
      reason: expect.stringContaining('delivery-order.yaml:59:22: deliveryOrder.warehouseCode: "wh-bj" is not in table warehouse'),
    });
    expect(await adapter().send(delivery('wms.delivery_order', tmallOrder, { ...SHIPMENT, lines: [{ lineId: 'x', quantity: 1 }] }))).toMatchObject({ outcome: 'failed', code: 'shipment' });
    expect(await adapter().send(delivery('erp.sale_order'))).toMatchObject({ outcome: 'failed', code: 'kind' });
    expect(sim.calls).toHaveLength(0);
  });

  it('sends a large order in parts carrying totalOrderLines, and completes a half-sent one on the next attempt', async () => {
    const qimen = adapter({ maxLinesPerRequest: 1 });
    sim.failNext('timeout-after-store'); // part 1 stored, its answer lost
    expect((await qimen.send(delivery())).outcome).toBe('unknown');
    // Half there: lookup says absent, so the engine sends again.
    expect(await qimen.lookup!(delivery())).toBe('absent');
    expect(await qimen.send(delivery())).toMatchObject({ outcome: 'delivered', request: { requests: 2 } });
    const parts = creates().map((c) => parseXml(c.body).request as { deliveryOrder: Record<string, string>; orderLines: { orderLine: Array<Record<string, string>> } });
    expect(parts.map((p) => [p.deliveryOrder.totalOrderLines, p.orderLines.orderLine.map((l) => l.orderLineNo)])).toEqual([
      ['2', ['2938475610294847561']],
      ['2', ['2938475610294847561']],
      ['2', ['2938475610295847561']],
    ]);
    expect(sim.orders.get(CODE)!.lines).toHaveLength(2);
    expect(await qimen.lookup!(delivery())).toBe('exists');
  });

  it('asks by its code when the WMS says "already exists" without saying what', async () => {
    const answers = ['<response><flag>failure</flag><code>400</code><message>单据已存在</message></response>'];
    const stub = scripted(answers);
    answers.push(`<response><flag>success</flag><code>0</code><message/><totalLines>2</totalLines><deliveryOrder><deliveryOrderCode>${CODE}</deliveryOrderCode><status>ACCEPT</status></deliveryOrder></response>`);
    expect(await adapter({}, stub.fetch).send(delivery())).toMatchObject({ outcome: 'delivered', response: { code: '400' } });
    expect(stub.methods).toEqual(['taobao.qimen.deliveryorder.create', 'taobao.qimen.deliveryorder.query']);

    const absent = scripted(['<response><flag>failure</flag><code>400</code><message>单据已存在</message></response>', '<response><flag>failure</flag><code>404</code><message>单据不存在</message></response>']);
    expect(await adapter({}, absent.fetch).send(delivery())).toMatchObject({ outcome: 'failed', code: 'failure', reason: expect.stringContaining(`${CODE} itself is not in the WMS`) });
  });

  it('passes an HTTP 429 on as a retry that pauses the target, and a 504 as unknown', async () => {
    const throttled = scripted([{ status: 429, body: '', headers: { 'retry-after': '7' } }]);
    expect(await adapter({}, throttled.fetch).send(delivery())).toMatchObject({ outcome: 'retry', afterMs: 7000, pauseTarget: true });
    const gateway = scripted([{ status: 504, body: 'Gateway Time-out' }]);
    expect(await adapter({}, gateway.fetch).send(delivery())).toMatchObject({ outcome: 'unknown' });
  });
});

describe('the Qimen adapter: order.cancel', () => {
  it('cancels the delivery order the create made (same code), and a repeat is delivered too', async () => {
    const qimen = adapter();
    await qimen.send(delivery());
    expect(await qimen.lookup!(delivery('wms.delivery_order.cancel'))).toBe('absent');
    expect(await qimen.send(delivery('wms.delivery_order.cancel'))).toMatchObject({
      outcome: 'delivered',
      request: { method: 'taobao.qimen.order.cancel', warehouseCode: 'WH-SH-01', ownerCode: 'OWNER-001', orderCode: CODE, orderType: 'JYCK', cancelReason: '订单已取消' },
    });
    const call = sim.calls.find((c) => c.method === 'taobao.qimen.order.cancel')!;
    expect(parseXml(call.body)).toEqual({ request: { warehouseCode: 'WH-SH-01', ownerCode: 'OWNER-001', orderCode: CODE, orderType: 'JYCK', cancelReason: '订单已取消' } });
    expect(sim.orders.get(CODE)!.status).toBe('CANCELED');
    expect(await qimen.lookup!(delivery('wms.delivery_order.cancel'))).toBe('exists');
    expect((await qimen.send(delivery('wms.delivery_order.cancel'))).outcome).toBe('delivered');
  });

  it('fails a cancel the WMS refuses because the parcel has left', async () => {
    const qimen = adapter();
    await qimen.send(delivery());
    sim.setStatus(CODE, 'DELIVERED');
    expect(await qimen.send(delivery('wms.delivery_order.cancel'))).toMatchObject({ outcome: 'failed', code: 'not-cancellable', reason: expect.stringContaining('已发货，不能取消') });
  });
});

describe('the Qimen adapter config', () => {
  it('names what is missing, and checks the code prefix and the mapping once', () => {
    expect(() => createQimenAdapter({ baseUrl: 'x', appKey: 'k', appSecret: '', customerId: 'c', mapping: MAPPING }, { fetch })).toThrow('Qimen: appSecret is required');
    expect(() => createQimenAdapter({ baseUrl: 'x', appKey: 'k', appSecret: 's', customerId: 'c', mapping: MAPPING, codePrefix: 'D/O' }, { fetch })).toThrow('may hold only');
    expect(() => createQimenAdapter({ baseUrl: 'x', appKey: 'k', appSecret: 's', customerId: 'c', mapping: MAPPING.replace('orderType: JYCK', 'orderType: XXCK') }, { fetch })).toThrow(/orderType/);
    const qimen = createQimenAdapter({ baseUrl: 'x', appKey: 'k', appSecret: 's', customerId: 'c', mapping: MAPPING }, { fetch });
    expect(qimen).toMatchObject({ idempotent: false, limits: { concurrency: 4 } });
  });
});

/** The model as the XML elements of a request body, deliveryOrderCode first (for comparing). */
function xmlOf(model: { deliveryOrder: Record<string, unknown>; orderLines: unknown }, code: string): string {
  const el = (name: string, value: unknown): string =>
    Array.isArray(value)
      ? value.map((v) => el(name, v)).join('')
      : value && typeof value === 'object'
        ? `<${name}>${Object.entries(value).map(([k, v]) => el(k, v)).join('')}</${name}>`
        : `<${name}>${String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${name}>`;
  return el('deliveryOrder', { deliveryOrderCode: code, ...model.deliveryOrder }) + el('orderLines', model.orderLines);
}

/** A fetch that answers from a script, one answer per call, and notes each call's method. */
function scripted(answers: Array<string | { status: number; body: string; headers?: Record<string, string> }>) {
  const methods: string[] = [];
  let i = 0;
  const fetchFn = (async (url: string) => {
    methods.push(new URL(url).searchParams.get('method') ?? '');
    const a = answers[i++] ?? answers[answers.length - 1]!;
    return typeof a === 'string' ? new Response(a, { status: 200, headers: { 'content-type': 'text/xml' } }) : new Response(a.body, { status: a.status, headers: a.headers ?? {} });
  }) as unknown as typeof fetch;
  return { fetch: fetchFn, methods };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
