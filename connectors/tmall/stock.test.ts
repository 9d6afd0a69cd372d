import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../core/connector/types.ts';
import { createTmallConnector, stockTarget } from './index.ts';
import { startTmallSandbox, type TmallSandbox } from './sandbox/server.ts';

let clock = Date.UTC(2024, 4, 20, 6, 0, 0);
let sim: TmallSandbox;
let tmall: Connector;

beforeEach(async () => {
  clock = Date.UTC(2024, 4, 20, 6, 0, 0);
  sim = await startTmallSandbox({ trades: 0, now: () => clock });
  tmall = createTmallConnector({ channel: 'tmall', shop: 'flagship', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, session: sim.session, signMethod: 'md5' }, { fetch, now: () => clock });
});
afterEach(async () => sim.close());

describe('updateStock (taobao.item.quantity.update, type=1 full quantity)', () => {
  it('sets one SKU by num_iid and sku_id, and keeps no secret in the attempt', async () => {
    const outcome = await tmall.updateStock!({ sku: 'SP-1001-BLK-XL', available: 37, channelSkuId: '739001644954:5275960415307' });
    expect(outcome).toMatchObject({
      outcome: 'delivered',
      request: { method: 'taobao.item.quantity.update', params: { num_iid: '739001644954', sku_id: '5275960415307', quantity: '37', type: '1' } },
      response: { item: { num_iid: 739001644954, skus: { sku: [{ sku_id: '5275960415307', quantity: 37 }] } } },
    });
    expect(sim.stockUpdates).toEqual([{ num_iid: '739001644954', sku_id: '5275960415307', quantity: 37, type: 1 }]);
    expect(sim.catalog.find((s) => s.skuId === '5275960415307')!.quantity).toBe(37);
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(sim.appSecret);
    expect(text).not.toContain(sim.session);
  });

  it('finds a SKU by its merchant code (outer_id), or sets an item without SKUs; never below zero', async () => {
    expect((await tmall.updateStock!({ sku: 'SP-2002-WHT', available: 12.7, channelSkuId: '739001644955/SP-2002-WHT' })).outcome).toBe('delivered');
    expect((await tmall.updateStock!({ sku: 'TEA-4004', available: -3, channelSkuId: '739001644961' })).outcome).toBe('delivered');
    expect(sim.stockUpdates).toEqual([
      { num_iid: '739001644955', outer_id: 'SP-2002-WHT', quantity: 12, type: 1 },
      { num_iid: '739001644961', quantity: 0, type: 1 },
    ]);
  });

  it('fails without asking TOP when it cannot tell which listing is meant', async () => {
    const outcome = await tmall.updateStock!({ sku: 'SP-1001-BLK-XL', available: 5 });
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'no_channel_sku' });
    expect(sim.calls).toHaveLength(0);
    expect(stockTarget('5275960415307x')).toBeUndefined();
  });

  it("fails on TOP's business errors (a SKU that does not exist), verbatim", async () => {
    const outcome = await tmall.updateStock!({ sku: 'X', available: 5, channelSkuId: '739001644954:1111111111111' });
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'top_15:isv.item-quantity-sku-not-exist', reason: expect.stringContaining('SKU不存在') });
  });

  it('retries a ban with its length and the whole target paused; and a gateway that is down', async () => {
    sim.ban(42);
    expect(await tmall.updateStock!({ sku: 'SP-1001-BLK-XL', available: 5, channelSkuId: '739001644954:5275960415307' })).toMatchObject({ outcome: 'retry', afterMs: 42_000, pauseTarget: true });
    sim.failNext('isp');
    clock += 42_000;
    expect(await tmall.updateStock!({ sku: 'SP-1001-BLK-XL', available: 5, channelSkuId: '739001644954:5275960415307' })).toMatchObject({ outcome: 'retry' });
    await sim.close();
    // Setting a full quantity again is harmless, so a call that may not have arrived is a retry.
    expect(await tmall.updateStock!({ sku: 'SP-1001-BLK-XL', available: 5, channelSkuId: '739001644954:5275960415307' })).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('taobao.item.quantity.update') });
    sim = await startTmallSandbox({ trades: 0 });
  });

  it('reports a configuration problem instead of calling anyone', async () => {
    const broken = createTmallConnector({ channel: 'tmall', shop: 'flagship', baseUrl: sim.url, appKey: sim.appKey }, { fetch, now: () => clock });
    expect(await broken.updateStock!({ sku: 'A', available: 1, channelSkuId: '1' })).toMatchObject({ outcome: 'failed', code: 'config', reason: 'tmall shop flagship: appKey and appSecret are required' });
    expect(await broken.pull!({ from: '2024-05-20T10:00:00+08:00', to: '2024-05-20T10:30:00+08:00' })).toMatchObject({ ok: false, outcome: { code: 'config' } });
  });
});
