import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { deliveryOrderCodeFor } from './delivery-code.ts';
import { createQimenAdapter } from './index.ts';
import { startQimenSandbox, type QimenSandbox, type QimenSandboxOptions } from './sandbox/server.ts';
import { OUTBOX_COLUMNS, releasedOrderRows } from '../../test/support/released-orders.ts';

const here = (file: string) => new URL(file, import.meta.url);
const MAPPING = readFileSync(here('./delivery-order.yaml'), 'utf8');
const tmallOrder = (JSON.parse(readFileSync(here('./delivery-order.cases/01-tmall-one-shipment.input.json'), 'utf8')) as { order: CanonicalOrder }).order;

let store: Store;
let sim: QimenSandbox;
let clock: number;
const now = () => new Date(clock);

beforeEach(async () => {
  store = await openLibsqlStore({ url: ':memory:' });
  clock = Date.parse('2024-05-20T02:20:00Z');
});
afterEach(async () => {
  await sim.close();
  await store.close();
});

async function start(options: QimenSandboxOptions = {}) {
  sim = await startQimenSandbox({ slowMs: 500, ...options });
  const qimen = createQimenAdapter(
    { baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, customerId: sim.customerId, mapping: MAPPING, timeoutMs: 200 },
    { fetch, now: () => clock },
  );
  return new Dispatcher(store, { qimen }, { tenants: ['t1'], now, random: () => 0.5, backoff: { baseMs: 1000, capMs: 60_000 } });
}

/** Orders as the pipeline stores them, each owing one delivery order (its only shipment, from wh-sh). */
async function queue(orders: CanonicalOrder[], cancelled: number[] = []): Promise<void> {
  const at = new Date(clock).toISOString();
  const shipment = (o: CanonicalOrder) => ({ shipment: 1, location: 'wh-sh', carrier: 'yto', lines: o.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })) });
  await store.batch([
    ...releasedOrderRows(orders, at),
    ...insertRows(
      'outbox',
      OUTBOX_COLUMNS,
      orders.flatMap((o, i) => {
        const key = `wms.delivery_order/${o.channel}/${o.externalId}/1`;
        const payload = (event: string) => JSON.stringify({ orderId: `ord_${i}`, channel: o.channel, externalId: o.externalId, event, ...shipment(o) });
        const rows = [['t1', `dlv_${String(i).padStart(3, '0')}_a`, 'qimen', 'wms.delivery_order', key, `ord_${i}`, null, payload('released'), 'pending', 0, at, at, at]];
        if (cancelled.includes(i)) {
          rows.push(['t1', `dlv_${String(i).padStart(3, '0')}_b`, 'qimen', 'wms.delivery_order.cancel', `wms.delivery_order.cancel/${o.channel}/${o.externalId}/1`, `ord_${i}`, key, payload('cancelled'), 'pending', 0, at, at, at]);
        }
        return rows;
      }),
    ),
  ]);
}

const statuses = async () => (await store.query("SELECT kind, status FROM outbox WHERE tenant = 't1' ORDER BY id")).map((r) => `${r.kind} ${r.status}`);
const calls = (method: string) => sim.calls.filter((c) => c.method === `taobao.qimen.${method}`);

describe('Qimen through the delivery engine', () => {
  it('after a create that timed out once stored, asks by deliveryOrderCode and never creates twice', async () => {
    const dispatcher = await start();
    await queue([tmallOrder]);
    sim.failNext('timeout-after-store');

    expect(await dispatcher.runOnce()).toEqual({ claimed: 1, delivered: 0, retried: 0, dead: 0, unknown: 1 });
    expect(sim.orders.size).toBe(1);

    clock += 3600_000;
    // The engine looks the order up (deliveryorder.query) instead of creating it again.
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await statuses()).toEqual(['wms.delivery_order delivered']);
    expect(calls('deliveryorder.create')).toHaveLength(1);
    expect(calls('deliveryorder.query')).toHaveLength(1);
    const attempts = await store.query("SELECT outcome, error FROM delivery_attempts WHERE tenant = 't1' ORDER BY started_at, id");
    expect(attempts.map((a) => a.outcome)).toEqual(['unknown', 'found']);
    expect(attempts[0]!.error).toBe('taobao.qimen.deliveryorder.create DO-tmall-2938475610293847561-1: no answer within 200 ms');
  });

  it('dead-letters a business refusal at once, with the WMS code and message', async () => {
    const dispatcher = await start({ items: ['SP-1001-BLK-XL'] });
    await queue([tmallOrder]);
    await dispatcher.runOnce();
    expect((await store.query("SELECT status, last_error FROM outbox WHERE tenant = 't1'"))[0]).toEqual({
      status: 'dead',
      last_error: 'ITEM_NOT_EXIST: DO-tmall-2938475610293847561-1: 商品编码[SP-2002-WHT]不存在（模拟）',
    });
  });

  it('under 5xx, system errors and timeouts after storing, ends with exactly one delivery order per code, and cancels after its create', async () => {
    const dispatcher = await start({ random: seeded(11), rates: { 'server-error': 0.15, 'system-error': 0.1, 'timeout-after-store': 0.2 } });
    const orders = Array.from({ length: 20 }, (_, i) => ({ ...tmallOrder, externalId: `29384756102938${String(i).padStart(5, '0')}` }));
    await queue(orders, [3, 7]);
    for (let round = 0; round < 40; round++) {
      await dispatcher.runOnce();
      clock += 3600_000;
      const open = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND status != 'delivered'");
      if (Number(open[0]!.n) === 0) break;
    }
    expect(new Set(await statuses())).toEqual(new Set(['wms.delivery_order delivered', 'wms.delivery_order.cancel delivered']));

    // One delivery order per delivery, under the code derived from its key, each with its own WMS id.
    const codes = await Promise.all(orders.map((o) => deliveryOrderCodeFor(`wms.delivery_order/tmall/${o.externalId}/1`, 'DO-')));
    expect([...sim.orders.keys()].sort()).toEqual([...codes].sort());
    expect(new Set([...sim.orders.values()].map((o) => o.deliveryOrderId)).size).toBe(20);
    for (const order of sim.orders.values()) expect(order.lines).toHaveLength(2);
    expect([...sim.orders.values()].filter((o) => o.status === 'CANCELED').map((o) => o.deliveryOrderCode).sort()).toEqual([codes[3], codes[7]].sort());

    // The failures did happen: 5xx and system errors were retried, creates that timed out were looked up …
    const outcomes = (await store.query("SELECT outcome FROM delivery_attempts WHERE tenant = 't1'")).map((r) => String(r.outcome));
    expect(outcomes).toContain('retry');
    expect(outcomes).toContain('unknown');
    expect(outcomes).toContain('found');
    // … and every create the WMS received beyond the first per code was refused as a duplicate or never stored.
    expect(calls('deliveryorder.create').length).toBeGreaterThan(20);
    expect(calls('deliveryorder.create').every((c) => c.signOk)).toBe(true);
  });
});

/** A small deterministic generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
