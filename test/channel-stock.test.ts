/**
 * Stock push-back end to end: orders pulled from a Tmall shop teach the hub the shop's listing
 * ids; the reservations they make change what Tmall may sell; the dispatcher sets it on Tmall
 * through the shop's connector, naming the listing as taobao.item.quantity.update wants.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTmallSandbox, type TmallSandbox } from '../connectors/tmall/sandbox/server.ts';
import { CATALOG } from '../connectors/tmall/sandbox/trades.ts';
import { parseConfig } from '../runtime/config.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';
import type { Store } from '../core/store/port.ts';
import type { SendOutcome } from '../core/outbox/types.ts';
import { channelStockAdapters } from '../runtime/channel-stock.ts';
import type { ShopBinding } from '../runtime/intake.ts';

const db = `file:${join(mkdtempSync(join(tmpdir(), 'hub-channel-stock-')), 'hub.db')}`;
let sim: TmallSandbox;
let running: Running;
let store: Store;

beforeAll(async () => {
  sim = await startTmallSandbox({ trades: 12, window: { from: Date.now() - 30 * 60_000, to: Date.now() - 60_000 } });
  // Stock first, while nothing else writes: 100 of every catalog SKU.
  // (In one process, libsql waits for a lock synchronously: this connection only reads once the hub runs.)
  store = await openLibsqlStore({ url: db });
  const seed = store;
  const skus = [...new Set(CATALOG.map((s) => s.outerSkuId ?? s.outerIid))];
  await seed.batch(skus.map((sku) => ({ sql: "INSERT INTO stock_levels (tenant, sku, location, on_hand, reserved, safety, updated_at) VALUES ('t1', ?, 'wh-sh', 100, 0, 0, '2024-01-01T00:00:00Z')", args: [sku] })));
  const config = parseConfig(
    `shops:
  - { channel: tmall, shop: flagship, tenant: t1, baseUrl: "${sim.url}", appKey: "${sim.appKey}", appSecret: "\${env:S}", session: "\${env:T}",
      pull: { everySeconds: 1, windowMinutes: 60, overlapMinutes: 1, lagMinutes: 0 } }
stock:
  channels: { tmall: { allocation: { ratio: 0.5 } } }
routing:
  locations: [{ id: wh-sh, name: 上海仓, kind: warehouse, province: 上海 }]
  rules: [{ name: all, strategy: priority, locations: [wh-sh] }]
`,
    'hub.yaml',
    { S: sim.appSecret, T: sim.session },
  );
  running = await startServer(config, { port: 0, url: db, log: () => undefined });
});
afterAll(async () => {
  await store?.close();
  await running?.stop();
  await sim?.close();
});

describe('channel stock push-back', () => {
  it('sets what Tmall may sell on the listing its orders named', { timeout: 30_000 }, async () => {
    {
      let rows: Array<{ sku: string; status: string }> = [];
      for (let i = 0; i < 150; i++) {
        rows = (await store.query(
          "SELECT json_extract(payload, '$.sku') AS sku, status FROM outbox WHERE tenant = 't1' AND kind = 'channel.stock'",
        )) as never;
        if (rows.length > 0 && rows.every((r) => r.status === 'delivered' || r.status === 'superseded')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const sold = (await store.query(
        "SELECT s.sku, s.channel_sku_id, c.available FROM channel_skus s JOIN channel_stock c ON c.tenant = s.tenant AND c.channel = s.channel AND c.sku = s.sku WHERE s.tenant = 't1' AND s.channel = 'tmall' AND s.shop = 'flagship'",
      )) as Array<{ sku: string; channel_sku_id: string; available: number }>;
      expect(sold.length).toBeGreaterThan(0);
      for (const { sku, channel_sku_id, available } of sold) {
        const listing = CATALOG.find((c) => (c.outerSkuId ?? c.outerIid) === sku)!;
        expect(channel_sku_id).toBe(listing.skuId ? `${listing.numIid}:${listing.skuId}` : listing.numIid);
        // The last number Tmall was told for this listing is the hub's available-to-sell.
        const last = sim.stockUpdates.filter((u) => u.num_iid === listing.numIid && (u.sku_id ?? null) === (listing.skuId ?? null)).at(-1);
        expect(last, sku).toMatchObject({ quantity: available, type: 1 });
      }
    }
  });
});

describe('the channel stock adapter', () => {
  const shop = (name: string, tenant: string, answer: SendOutcome) => {
    const calls: Array<{ sku: string; available: number; channelSkuId?: string }> = [];
    const binding: ShopBinding = { tenant, channel: 'jd', shop: name, connector: { channel: 'jd', limits: { calls: 10, perMs: 1000 }, updateStock: async (item) => (calls.push(item), answer) } };
    return { binding, calls };
  };
  const delivery = (sku: string) => ({ tenant: 't1', id: 'dlv_1', target: 'jd', kind: 'channel.stock', idempotencyKey: 'k', orderId: null, payload: { channel: 'jd', sku, available: 7 }, attempts: 0, createdAt: '' });

  it("sends to each of the tenant's shops that sold the SKU, by its own id; skips one no shop sold", async () => {
    const memory = await openLibsqlStore({ url: ':memory:' });
    await memory.batch([{ sql: "INSERT INTO channel_skus VALUES ('t1', 'jd', 'a', 'KB', '1001', ''), ('t1', 'jd', 'b', 'KB', '2002', ''), ('t2', 'jd', 'c', 'KB', '3003', '')" }]);
    const a = shop('a', 't1', { outcome: 'delivered' });
    const b = shop('b', 't1', { outcome: 'retry', reason: 'code 2: App Call Limited', afterMs: 1000 });
    const c = shop('c', 't2', { outcome: 'delivered' });
    const d = shop('d', 't1', { outcome: 'delivered' });
    const adapter = channelStockAdapters(memory, [a.binding, b.binding, c.binding, d.binding]).jd!;
    expect(adapter.limits).toEqual({ calls: 10, perMs: 1000 });
    const outcome = await adapter.send(delivery('KB'));
    expect([a.calls, b.calls, c.calls, d.calls]).toEqual([[{ sku: 'KB', available: 7, channelSkuId: '1001' }], [{ sku: 'KB', available: 7, channelSkuId: '2002' }], [], []]);
    // One shop throttled: the whole update is tried again (setting a number twice is harmless).
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'b: code 2: App Call Limited', afterMs: 1000 });
    expect(await adapter.send(delivery('PAD'))).toEqual({ outcome: 'delivered', response: { skipped: 'no jd shop has sold PAD yet, so its listing id is unknown' } });
    await memory.close();
  });
});
