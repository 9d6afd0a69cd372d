import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createYouzan } from './index.ts';
import { startYouzanSandbox, type YouzanSandbox } from './sandbox/server.ts';
import { parseTarget } from './stock.ts';

const NOW = Date.parse('2024-05-29T12:00:00+08:00');
let sim: YouzanSandbox;
beforeEach(async () => {
  sim = await startYouzanSandbox({ now: () => NOW });
});
afterEach(async () => sim.close());

function connector(extra: Record<string, unknown> = {}) {
  return createYouzan({ channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId, ...extra }, { fetch: sim.fetch, now: () => NOW });
}
const updates = () => sim.calls.filter((c) => c.api === 'youzan.item.quantity.update');

describe('setting stock on Youzan', () => {
  it('sets a SKU named "<item_id>:<sku_id>" with item.quantity.update 3.0.0, type 0 (全量)', async () => {
    const outcome = await connector().updateStock!({ sku: 'TEA-001-250G', available: 37, channelSkuId: '457846930:36356847' });
    expect(outcome).toMatchObject({ outcome: 'delivered', request: { api: 'youzan.item.quantity.update/3.0.0', params: { item_id: 457846930, sku_id: 36356847, quantity: 37, type: 0 } } });
    expect(sim.stock.get('457846930:36356847')).toBe(37);
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.version).toBe('3.0.0');
  });

  it('is safe to repeat: the same number twice leaves the same stock', async () => {
    const youzan = connector();
    await youzan.updateStock!({ sku: 'x', available: 5, channelSkuId: '457846930:36356847' });
    await youzan.updateStock!({ sku: 'x', available: 5, channelSkuId: '457846930:36356847' });
    expect(sim.stock.get('457846930:36356847')).toBe(5);
  });

  it('leaves sku_id out for an item without SKUs, and never sends less than 0', async () => {
    const outcome = await connector().updateStock!({ sku: 'CUP-002', available: -3, channelSkuId: '457842156:' });
    expect(outcome.outcome).toBe('delivered');
    expect(updates()[0]!.params).toEqual({ item_id: 457842156, quantity: 0, type: 0 });
    expect(sim.stock.get('457842156:0')).toBe(0);
  });

  it('finds the ids in the shop config skuMap', async () => {
    const youzan = connector({ skuMap: { 'TRAY-003-S': '457842301:36356902' } });
    expect((await youzan.updateStock!({ sku: 'TRAY-003-S', available: 9 })).outcome).toBe('delivered');
    expect(sim.stock.get('457842301:36356902')).toBe(9);
  });

  it('asks Youzan once per merchant code otherwise: SKU code first, then item code', async () => {
    const youzan = connector();
    expect((await youzan.updateStock!({ sku: 'PET-LT-006-6L', available: 12, channelSkuId: '15873415' })).outcome).toBe('delivered');
    expect((await youzan.updateStock!({ sku: 'PET-LT-006-6L', available: 11 })).outcome).toBe('delivered');
    expect(sim.stock.get('3481920633:15873415')).toBe(11);
    expect(sim.calls.filter((c) => c.api === 'youzan.skus.custom.get')).toHaveLength(1);
    expect((await youzan.updateStock!({ sku: 'COF-FP-100', available: 4 })).outcome).toBe('delivered');
    expect(sim.stock.get('502117733:0')).toBe(4);
    expect(sim.calls.map((c) => c.api)).toEqual([
      'youzan.skus.custom.get',
      'youzan.item.quantity.update',
      'youzan.item.quantity.update',
      'youzan.skus.custom.get',
      'youzan.items.custom.get',
      'youzan.item.quantity.update',
    ]);
  });

  it('fails for good on a merchant code Youzan does not know, and on ids it refuses', async () => {
    const youzan = connector();
    expect(await youzan.updateStock!({ sku: 'NOPE-1', available: 1 })).toMatchObject({ outcome: 'failed', code: 'unknown_sku' });
    expect(await youzan.updateStock!({ sku: 'x', available: 1, channelSkuId: '457846930:99999' })).toMatchObject({ outcome: 'failed', code: '123004002', reason: expect.stringContaining('SKU 不存在') });
    expect(await youzan.updateStock!({ sku: 'x', available: Number.NaN, channelSkuId: '457846930:36356847' })).toMatchObject({ outcome: 'failed', code: 'quantity' });
  });

  it('answers retry when throttled or when the token was refused', async () => {
    const youzan = connector();
    await youzan.updateStock!({ sku: 'x', available: 1, channelSkuId: '457846930:36356847' });
    sim.throttleNext();
    expect(await youzan.updateStock!({ sku: 'x', available: 2, channelSkuId: '457846930:36356847' })).toMatchObject({ outcome: 'retry', afterMs: 3000 });
    sim.invalidateTokens();
    expect(await youzan.updateStock!({ sku: 'x', available: 3, channelSkuId: '457846930:36356847' })).toMatchObject({ outcome: 'retry', afterMs: 1000 });
    expect(await youzan.updateStock!({ sku: 'x', available: 4, channelSkuId: '457846930:36356847' })).toMatchObject({ outcome: 'delivered' });
    expect(sim.stock.get('457846930:36356847')).toBe(4);
  });

  it('reads targets strictly', () => {
    expect(parseTarget('1:2')).toEqual({ itemId: '1', skuId: '2' });
    expect(parseTarget('1:')).toEqual({ itemId: '1' });
    expect(parseTarget('1:0')).toEqual({ itemId: '1' });
    expect(parseTarget('12345')).toBeUndefined();
    expect(parseTarget('a:b')).toBeUndefined();
    expect(parseTarget(undefined)).toBeUndefined();
  });
});
