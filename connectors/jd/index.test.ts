import { afterEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../core/connector/types.ts';
import { createJdConnector, DEFAULT_LIMITS, signJos } from './index.ts';
import { generateOrders } from './sandbox/orders.ts';
import { startJdSandbox, type JdSandbox } from './sandbox/server.ts';

const clock = Date.parse('2024-06-01T12:00:00+08:00');
const now = () => clock;
let sim: JdSandbox | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
});

const orders = generateOrders({ count: 20, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 15 });

async function setup(shop: Record<string, unknown> = {}): Promise<Connector> {
  sim = await startJdSandbox({ orders, now });
  return createJdConnector({ channel: 'jd', shop: 'jd-main', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken, ...shop }, { fetch, now });
}

describe('createJdConnector', () => {
  it('exports signJos for `hub sign jd`', () => {
    expect(signJos({ method: 'm', app_key: 'k' }, 's').sign).toMatch(/^[0-9A-F]{32}$/);
  });

  it('refuses a shop without its credentials or with settings JD would refuse, naming each problem', () => {
    expect(() => createJdConnector({ channel: 'jd', shop: 'x', baseUrl: 'https://api.jd.com/routerjson' }, { fetch, now })).toThrow(
      'JD shop x: appKey is required; appSecret is required; accessToken is required',
    );
    expect(() => createJdConnector({ channel: 'jd', shop: 'x', baseUrl: 'u', appKey: 'k', appSecret: 's', accessToken: 't', pageSize: 200 }, { fetch, now })).toThrow(/pageSize must be a whole number from 1 to 100/);
    expect(() => createJdConnector({ channel: 'jd', shop: 'x', baseUrl: 'u', appKey: 'k', appSecret: 's', accessToken: 't', orderStates: [] }, { fetch, now })).toThrow(/orderStates/);
  });

  it("declares its limits (overridable per shop) and has no receive: JD's order messages are not an HTTP push", async () => {
    const jd = await setup({ limits: { calls: 5, perMs: 1000 } });
    expect(jd.channel).toBe('jd');
    expect(jd.limits).toEqual({ ...DEFAULT_LIMITS, calls: 5, perMs: 1000 });
    expect(jd.receive).toBeUndefined();
  });
});

describe('fetchOrder', () => {
  it('gets one whole orderInfo by id with jingdong.pop.order.get', async () => {
    const jd = await setup();
    const wanted = orders[7]!;
    expect(await jd.fetchOrder!(wanted.orderId)).toEqual({ ok: true, order: wanted });
    expect(sim!.calls.at(-1)!.business).toMatchObject({ order_id: Number(wanted.orderId) });
  });

  it('an order JD does not have fails (apiResult says so); a malformed id fails without a call', async () => {
    const jd = await setup();
    expect(await jd.fetchOrder!('309999999999')).toEqual({ ok: false, outcome: { outcome: 'failed', code: 'jos-10200001', reason: 'JD jingdong.pop.order.get 309999999999: 订单不存在 / order not exist' } });
    expect(await jd.fetchOrder!('JD-123')).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'order' } });
    expect(sim!.calls).toHaveLength(1);
  });
});

describe('updateStock', () => {
  it("sets JD's sellable count of a sku with jingdong.stock.write.updateSkuStock", async () => {
    const jd = await setup({ storeId: 612 });
    const sku = (orders[0]!.itemInfoList as Array<{ skuId: string; outerSkuId: string }>)[0]!;
    const outcome = await jd.updateStock!({ sku: sku.outerSkuId, channelSkuId: sku.skuId, available: 17 });
    expect(outcome).toEqual({ outcome: 'delivered', request: { method: 'jingdong.stock.write.updateSkuStock', skuId: sku.skuId, stockNum: 17, storeId: '612' }, response: { code: '0', success: true } });
    expect(sim!.stock.get(sku.skuId)).toEqual({ stockNum: 17, storeId: '612' });
    expect(sim!.calls.at(-1)!.business).toEqual({ skuId: Number(sku.skuId), stockNum: 17, storeId: 612 });
  });

  it('never sends a negative or fractional count', async () => {
    const jd = await setup();
    const skuId = (orders[1]!.itemInfoList as Array<{ skuId: string }>)[0]!.skuId;
    await jd.updateStock!({ sku: 'X', channelSkuId: skuId, available: -3 });
    await jd.updateStock!({ sku: 'X', channelSkuId: skuId, available: 4.7 });
    expect(sim!.stockUpdates.map((u) => u.stockNum)).toEqual([0, 4]);
  });

  it("needs JD's skuId, and reports JD's refusal of a sku that is not the shop's", async () => {
    const jd = await setup();
    expect(await jd.updateStock!({ sku: 'TB-CUP-350-WH', available: 3 })).toMatchObject({ outcome: 'failed', code: 'sku' });
    expect(await jd.updateStock!({ sku: 'X', channelSkuId: '100000000001', available: 3 })).toMatchObject({ outcome: 'failed', code: 'jos-71', reason: expect.stringContaining('当前的ID不属于此商家') });
  });

  it('throttled, it waits for the next day with the whole app paused; a lost answer is retried (an absolute count is safe to repeat)', async () => {
    const jd = await setup();
    const skuId = (orders[2]!.itemInfoList as Array<{ skuId: string }>)[0]!.skuId;
    sim!.failNext('throttle');
    expect(await jd.updateStock!({ sku: 'X', channelSkuId: skuId, available: 1 })).toMatchObject({ outcome: 'retry', afterMs: 12 * 3600_000, pauseTarget: true });
    const dead = createJdConnector({ channel: 'jd', shop: 's', baseUrl: 'http://127.0.0.1:9/routerjson', appKey: 'k', appSecret: 's', accessToken: 't' }, { fetch, now });
    expect(await dead.updateStock!({ sku: 'X', channelSkuId: skuId, available: 1 })).toMatchObject({ outcome: 'retry' });
  });
});
