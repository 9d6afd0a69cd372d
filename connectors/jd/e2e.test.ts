import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../core/connector/types.ts';
import { Pipeline } from '../../core/ingest/pipeline.ts';
import type { OrderPolicy, PipelineConfig } from '../../core/ingest/types.ts';
import { compileMapping } from '../../core/mapping/index.ts';
import type { Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createJdConnector } from './index.ts';
import { generateOrders } from './sandbox/orders.ts';
import { startJdSandbox, type JdSandbox } from './sandbox/server.ts';

const mapping = compileMapping(readFileSync('mappings/jd.yaml', 'utf8'), { file: 'mappings/jd.yaml' });

/** Everything ships from one warehouse; routing and rules have their own tests. */
const policy: OrderPolicy = {
  route: (order) => ({ shipments: [{ location: 'WH-SH', carrier: 'JD', lines: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })) }], unrouted: [], explanation: [], rule: 'test' }),
  rules: () => ({ holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: [] }),
  addressKey: (r) => `${r.province}|${r.city}|${r.district}|${r.address}`,
  lookbackMinutes: 60,
};

const config: PipelineConfig = {
  channels: { jd: { mapping } },
  policy,
  stock: { shortfall: 'backorder', channels: {} },
  deliveries: [{ kind: 'erp.sale_order', target: 'kingdee' }],
  groupWindowMs: 1,
};

let clock = Date.parse('2024-06-01T12:00:00+08:00');
const now = () => clock;
let sim: JdSandbox | null = null;
let store: Store | null = null;

afterEach(async () => {
  await sim?.close();
  await store?.close();
  sim = null;
  store = null;
});

/** Yuan string → fen, the independent way. */
const fen = (yuan: string) => {
  const [whole, cents = ''] = yuan.split('.');
  return Number(whole) * 100 + Number(cents.padEnd(2, '0'));
};

/** Pulls a window page by page into the pipeline, as the poller does. */
async function pullInto(jd: Connector, pipeline: Pipeline, window: { from: string; to: string }): Promise<number> {
  let cursor: string | undefined;
  let pulled = 0;
  for (;;) {
    const page = await jd.pull!({ ...window, ...(cursor ? { cursor } : {}) });
    if (!page.ok) throw new Error(JSON.stringify(page.outcome));
    const results = await Promise.all(page.orders.map((payload) => pipeline.ingest({ tenant: 't1', channel: 'jd', shop: 'jd-main', payload })));
    for (const r of results) expect(r.quarantined ?? []).toEqual([]);
    pulled += page.orders.length;
    if (page.next === null) return pulled;
    cursor = page.next;
  }
}

describe('JD end to end: sandbox → connector.pull → pipeline with mappings/jd.yaml', () => {
  it('stores every sandbox order exactly once, with the paid total JD gave, across overlapping windows and a change mid-pull', async () => {
    const orders = generateOrders({ count: 150, from: '2024-06-01 10:00:00', spanSeconds: 5400, seed: 42 });
    sim = await startJdSandbox({ orders, now });
    store = await openLibsqlStore({ url: ':memory:' });
    const skus = new Set(orders.flatMap((o) => (o.itemInfoList as Array<{ outerSkuId: string }>).map((i) => i.outerSkuId)));
    await store.batch([...skus].map((sku) => ({
      sql: 'INSERT INTO stock_levels (tenant, sku, location, on_hand, reserved, safety, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?)',
      args: ['t1', sku, 'WH-SH', 100_000, '2024-06-01T00:00:00Z'],
    })));
    const pipeline = new Pipeline(store, config);
    const jd = createJdConnector({ channel: 'jd', shop: 'jd-main', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken, pageSize: 30 }, { fetch, now });

    // The seller ships one order while the first window is being read.
    const shipped = [...orders].sort((a, b) => (a.modified < b.modified ? -1 : 1)).find((o) => o.orderState === 'WAIT_SELLER_STOCK_OUT')!;
    sim.onCall((_m, n) => {
      if (n === 3) sim!.touch(shipped.orderId, { modified: '2024-06-01 11:10:00', orderState: 'WAIT_GOODS_RECEIVE_CONFIRM', orderStateRemark: '等待确认收货', waybill: 'JDVA00000000001' });
    });
    await pullInto(jd, pipeline, { from: '2024-06-01T10:00:00+08:00', to: '2024-06-01T11:00:00+08:00' });
    // The next window overlaps the last by five minutes, as the poller's do.
    clock += 45 * 60_000;
    await pullInto(jd, pipeline, { from: '2024-06-01T10:55:00+08:00', to: '2024-06-01T11:40:00+08:00' });

    const rows = await store.query("SELECT external_id, status, doc FROM orders WHERE tenant = 't1' AND channel = 'jd'");
    expect(rows.map((r) => String(r.external_id)).sort()).toEqual(orders.map((o) => o.orderId).sort());
    const current = sim.orders;
    for (const row of rows) {
      const doc = JSON.parse(String(row.doc)) as { amounts: { paid: number }; channelStatus: string };
      const order = current.get(String(row.external_id))!;
      expect(doc.amounts.paid, order.orderId).toBe(fen(String(order.orderPayment)));
      expect(doc.channelStatus, order.orderId).toBe(order.orderState);
    }
    const shippedRow = rows.find((r) => r.external_id === shipped.orderId)!;
    expect(shippedRow.status).toBe('shipped');
    // Every orderState the sandbox produces reached the store.
    expect(new Set(rows.map((r) => (JSON.parse(String(r.doc)) as { channelStatus: string }).channelStatus)).size).toBe(15);
  });
});
