/**
 * Simulator → connector.pull → the pipeline with mappings/youzan.yaml: every order the simulator
 * holds is stored exactly once, with the amount the buyer paid, even though orders change while
 * they are being pulled.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullRequest } from '../../core/connector/types.ts';
import { Pipeline } from '../../core/ingest/pipeline.ts';
import type { OrderPolicy, PipelineConfig } from '../../core/ingest/types.ts';
import { compileMapping } from '../../core/mapping/index.ts';
import type { Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createYouzan } from './index.ts';
import { startYouzanSandbox, type YouzanSandbox } from './sandbox/server.ts';

const MAPPING_FILE = new URL('../../mappings/youzan.yaml', import.meta.url);
const mapping = compileMapping(readFileSync(MAPPING_FILE, 'utf8'), { file: 'mappings/youzan.yaml' });

const NOW = Date.parse('2024-05-29T12:00:00+08:00');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Ships nothing (no stock in this test world): routing and rules have their own tests. */
const policy: OrderPolicy = {
  route: (order) => ({ shipments: [], unrouted: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity, reason: 'no stock here' })), explanation: [], rule: 'none' }),
  rules: () => ({ holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: [] }),
  addressKey: (r) => `${r.province}|${r.city}|${r.district}|${r.address}`,
  lookbackMinutes: 60,
};
const config: PipelineConfig = { channels: { youzan: { mapping } }, policy, stock: { shortfall: 'backorder', channels: {} }, deliveries: [], groupWindowMs: 1 };

let sim: YouzanSandbox;
let store: Store;
beforeEach(async () => {
  sim = await startYouzanSandbox({ now: () => NOW, generate: { count: 64, from: NOW - 60 * MINUTE, to: NOW - 30 * MINUTE, seed: 11 } });
  store = await openLibsqlStore({ url: ':memory:' });
});
afterEach(async () => {
  await sim.close();
  await store.close();
});

const fen = (yuan: string) => Math.round(Number(yuan) * 100);

describe('Youzan end to end', () => {
  it('stores every simulator order exactly once with the right paid total, while orders change mid-pull', async () => {
    const youzan = createYouzan(
      { channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId, pageSize: 20 },
      { fetch, now: () => NOW },
    );
    const pipeline = new Pipeline(store, config);

    // While the first window is read, a waiting order ships now and then (it leaves the window).
    const shipped: string[] = [];
    let answers = 0;
    sim.afterCall((call) => {
      if (call.api !== 'youzan.trades.sold.get' || ++answers % 2 !== 1) return;
      const waiting = [...sim.orders.values()].find((o) => o.order_info.status === 'WAIT_SELLER_SEND_GOODS' && !shipped.includes(String(o.order_info.tid)));
      if (!waiting) return;
      shipped.push(String(waiting.order_info.tid));
      sim.touch(String(waiting.order_info.tid), { at: NOW - 10 * MINUTE, status: 'WAIT_BUYER_CONFIRM_GOODS' });
    });

    // The poller's two windows: the one the orders were made in, and the next one.
    let pulled = 0;
    for (const window of [
      { from: iso(NOW - 60 * MINUTE), to: iso(NOW - 30 * MINUTE) },
      { from: iso(NOW - 30 * MINUTE), to: iso(NOW - MINUTE) },
    ]) {
      let request: PullRequest = window;
      for (;;) {
        const page = await youzan.pull!(request);
        if (!page.ok) throw new Error(page.outcome.reason);
        const results = await Promise.all(page.orders.map((payload) => pipeline.ingest({ tenant: 't1', channel: 'youzan', shop: 'main', payload, meta: { pulled: window.from } })));
        pulled += page.orders.length;
        for (const r of results) expect(r.quarantined ?? []).toEqual([]);
        if (page.next === null) break;
        request = { ...window, cursor: page.next };
      }
    }

    expect(shipped.length).toBeGreaterThan(0);
    expect(pulled).toBeGreaterThanOrEqual(sim.orders.size);
    const rows = await store.query("SELECT external_id, status, doc FROM orders WHERE tenant = ? AND channel = 'youzan'", ['t1']);
    expect(rows).toHaveLength(sim.orders.size);
    expect(new Set(rows.map((r) => String(r.external_id)))).toEqual(new Set(sim.orders.keys()));
    for (const row of rows) {
      const doc = JSON.parse(String(row.doc)) as { amounts: { paid: number }; externalId: string; shopId?: string };
      const source = sim.orders.get(String(row.external_id))!;
      expect(doc.amounts.paid).toBe(fen(String((source.pay_info as { payment: string }).payment)));
      expect(doc.shopId).toBe(String(sim.kdtId));
    }
    const statuses = new Map(rows.map((r) => [String(r.external_id), String(r.status)]));
    for (const tid of shipped) expect(statuses.get(tid)).toBe('shipped');
    expect(new Set(statuses.values())).toEqual(new Set(['pending_payment', 'paid', 'shipped', 'completed', 'cancelled']));
    expect(await store.query('SELECT id FROM quarantine WHERE tenant = ?', ['t1'])).toEqual([]);
    expect(youzan.health().token).toMatchObject({ state: 'valid', refreshes: 1, rejections: 0 });
  });
});
