/**
 * The whole way in: the simulator's trades, pulled page by page by the connector (trades
 * changing halfway through), ingested by the pipeline with the built-in mappings/tmall.yaml
 * into a libsql store; then TMC pushes through the runtime's intake, a replay included.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../core/ingest/pipeline.ts';
import type { OrderPolicy, PipelineConfig } from '../../core/ingest/types.ts';
import { compileMapping } from '../../core/mapping/index.ts';
import type { CanonicalOrder } from '../../core/order/index.ts';
import type { Store } from '../../core/store/port.ts';
import { fetchNamedOrders, receivePush, type ShopBinding } from '../../runtime/intake.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createTmallConnector } from './index.ts';
import { startTmallSandbox, type TmallSandbox } from './sandbox/server.ts';
import { CATALOG } from './sandbox/trades.ts';

const MAPPING_FILE = new URL('../../mappings/tmall.yaml', import.meta.url);
const tmallMapping = compileMapping(readFileSync(MAPPING_FILE, 'utf8'), { file: 'mappings/tmall.yaml' });

/** Everything ships from one warehouse; the real policy has its own tests. */
const oneWarehouse: OrderPolicy = {
  route: (order: CanonicalOrder) => ({
    shipments: [{ location: 'WH-HZ', carrier: 'SF', lines: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })) }],
    unrouted: [],
    explanation: ['one warehouse'],
    rule: 'test',
  }),
  rules: () => ({ holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: [] }),
  addressKey: (r) => `${r.province}|${r.city}|${r.district}|${r.address}`,
  lookbackMinutes: 60,
};

const config: PipelineConfig = {
  channels: { tmall: { mapping: tmallMapping } },
  policy: oneWarehouse,
  stock: { shortfall: 'backorder', channels: {} },
  deliveries: [{ kind: 'erp.sale_order', target: 'kingdee' }],
  groupWindowMs: 1,
};

let clock = Date.UTC(2024, 4, 20, 6, 0, 0); // 14:00 Beijing
const FROM = '2024-05-20T10:00:00+08:00';
const TO = '2024-05-20T12:00:00+08:00';
let sim: TmallSandbox;
let store: Store;
let pipeline: Pipeline;

beforeEach(async () => {
  clock = Date.UTC(2024, 4, 20, 6, 0, 0);
  sim = await startTmallSandbox({ trades: 36, window: { from: Date.parse(FROM), to: Date.parse(TO) }, now: () => clock, seed: 7 });
  store = await openLibsqlStore({ url: ':memory:' });
  pipeline = new Pipeline(store, config);
  const skus = [...new Set(CATALOG.map((s) => s.outerSkuId ?? s.outerIid))];
  await store.batch(skus.map((sku) => ({ sql: 'INSERT INTO stock_levels (tenant, sku, location, on_hand, reserved, safety, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?)', args: ['t1', sku, 'WH-HZ', 10_000, '2024-05-20T00:00:00Z'] })));
});
afterEach(async () => {
  await sim.close();
  await store.close();
});

const fen = (yuan: string) => {
  const [whole, part = ''] = yuan.split('.');
  return Number(whole) * 100 + Number(part.padEnd(2, '0'));
};

describe('sandbox → connector.pull → pipeline → store', () => {
  it('lands every trade exactly once, with its paid total, though trades change mid-pull', async () => {
    const tmall = createTmallConnector(
      { channel: 'tmall', shop: 'flagship', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, session: sim.session, pageSize: 10, windowMinutes: 60 },
      { fetch, now: () => clock },
    );
    // Halfway through the pull, four trades change (paid, shipped …): they leave the window.
    const changed = [...sim.trades.keys()].slice(0, 4);
    let listed = 0;
    sim.onCall((call) => {
      if (call.method === 'taobao.trades.sold.increment.get' && ++listed === 3) sim.touch(changed, clock - 30_000);
    });
    const outcomes: string[] = [];
    const pullWindow = async (from: string, to: string) => {
      const tids: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await tmall.pull!({ from, to, ...(cursor ? { cursor } : {}) });
        if (!page.ok) throw new Error(page.outcome.reason);
        for (const order of page.orders) {
          tids.push(String((order as { tid: string }).tid));
          const result = await pipeline.ingest({ tenant: 't1', channel: 'tmall', shop: 'flagship', payload: order, meta: { pulled: true } });
          expect(result.quarantined, JSON.stringify(result.quarantined)).toBeUndefined();
          outcomes.push(...result.orders.map((o) => o.outcome));
        }
        if (page.next === null) return tids;
        cursor = page.next;
      }
      throw new Error('the window never finished');
    };
    await pullWindow(FROM, TO);
    expect(listed).toBeGreaterThan(3);
    // The poller's next window picks up what changed meanwhile.
    const later = await pullWindow(TO, new Date(clock).toISOString());
    expect(new Set(later)).toEqual(new Set(changed));

    const rows = await store.query("SELECT external_id, status, doc FROM orders WHERE tenant = ? AND channel = 'tmall' ORDER BY external_id", ['t1']);
    expect(rows).toHaveLength(36);
    expect(new Set(rows.map((r) => String(r.external_id)))).toEqual(new Set(sim.trades.keys()));
    for (const row of rows) {
      const trade = sim.trades.get(String(row.external_id))!;
      const doc = JSON.parse(String(row.doc)) as CanonicalOrder;
      expect(doc.externalId).toMatch(/^\d{19}$/);
      expect(doc.amounts.paid, `${row.external_id} paid`).toBe(fen(trade.payment));
      expect(doc.channelStatus).toBe(trade.status);
      expect(doc.lines.map((l) => l.lineId)).toEqual((trade.orders as { order: Array<{ oid: string }> }).order.map((o) => o.oid));
    }
    // Every status of the simulator landed, each mapped.
    expect(new Set(rows.map((r) => JSON.parse(String(r.doc)).channelStatus)).size).toBe(12);
    expect(await store.query("SELECT count(*) AS n FROM quarantine WHERE tenant = 't1'")).toEqual([{ n: 0 }]);
    // 36 created; the changed ones came again in the second window (unchanged: same snapshot).
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(36);
    expect(outcomes.filter((o) => o !== 'created').every((o) => o === 'unchanged' || o === 'updated')).toBe(true);
    const raw = await store.query("SELECT payload FROM inbox WHERE tenant = 't1' AND channel = 'tmall' LIMIT 1");
    // The raw trade kept in the inbox has every digit of its ids.
    expect(String(raw[0]!.payload)).toMatch(/"tid":"\d{19}"/);
  });

  it('takes TMC pushes through the intake: fetches the named trade, applies the refund, drops a replay', async () => {
    const tmall = createTmallConnector(
      { channel: 'tmall', shop: 'flagship', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, session: sim.session },
      { fetch, now: () => clock },
    );
    const binding: ShopBinding = { tenant: 't1', channel: 'tmall', shop: 'flagship', connector: tmall };
    const trade = [...sim.trades.values()].find((t) => t.status === 'WAIT_SELLER_SEND_GOODS' && (t.orders as { order: unknown[] }).order.length > 1)!;
    const oid = (trade.orders as { order: Array<{ oid: string }> }).order[0]!.oid;
    const request = sim.tmcRequest([sim.tmcMessage('taobao_trade_TradeBuyerPay', trade.tid), sim.tmcMessage('taobao_refund_RefundSuccess', trade.tid, { oid })]);

    const first = await receivePush(store, pipeline, binding, request, new Date(clock));
    expect(first).toMatchObject({ status: 200, body: '{"success":true}', queued: 1, replayed: false });
    const replay = await receivePush(store, pipeline, binding, request, new Date(clock));
    expect(replay).toMatchObject({ status: 200, replayed: true, queued: 0 });

    expect(await fetchNamedOrders(store, pipeline, [binding], new Date(clock))).toBe(1);
    const [row] = await store.query("SELECT doc, after_sale FROM orders WHERE tenant = 't1' AND external_id = ?", [trade.tid]);
    const doc = JSON.parse(String(row!.doc)) as CanonicalOrder;
    expect(doc.amounts.paid).toBe(fen(trade.payment));
    // The refund message came before the trade; it was kept and applied when the trade arrived.
    expect(doc.lines.find((l) => l.lineId === oid)?.afterSale).toBe('refunded');
    expect(row!.after_sale).toBe('partially_refunded');

    const forged = await receivePush(store, pipeline, binding, { ...request, body: request.body.replace(trade.tid, '2000000000000000001') }, new Date(clock));
    expect(forged).toMatchObject({ status: 401, rejected: 'the sign does not match', ingested: 0, queued: 0 });
  });
});
