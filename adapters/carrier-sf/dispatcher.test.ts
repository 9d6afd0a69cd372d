import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createSfAdapter, sfOrderIdFor, type SfContact } from './index.ts';
import { startSfSandbox, type SfSandbox, type SfSandboxOptions } from './sandbox/server.ts';
import { OUTBOX_COLUMNS, releasedOrderRows } from '../../test/support/released-orders.ts';

const here = (file: string) => new URL(file, import.meta.url);
const MAPPING = readFileSync(here('./create-order.yaml'), 'utf8');
const CASE = JSON.parse(readFileSync(here('./create-order.cases/01-tmall-one-parcel.input.json'), 'utf8')) as { order: CanonicalOrder; sender: SfContact };
const PARTNER = 'Y7hHmkqf';
const CHECK_WORD = 'ehpA2SxjBT0M0QY74VktZbPSx41xO9gt';

let store: Store;
let sim: SfSandbox;
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

async function start(options: SfSandboxOptions = {}) {
  sim = await startSfSandbox({ partners: { [PARTNER]: CHECK_WORD }, slowMs: 500, ...options });
  const sf = createSfAdapter(
    { baseUrl: sim.url, partnerId: PARTNER, checkWord: CHECK_WORD, monthlyCard: '7551234567', mapping: MAPPING, senders: { 'wh-sh': CASE.sender, 'wh-gz': { ...CASE.sender, contact: '广州仓' } }, timeoutMs: 200, limits: { calls: 1000, perMs: 1000 } },
    { fetch },
  );
  return new Dispatcher(store, { sf }, { tenants: ['t1'], now, random: () => 0.5, backoff: { baseMs: 1000, capMs: 60_000 } });
}

/** Orders as the pipeline stores them, each owing a waybill per shipment (two parcels: wh-sh and wh-gz). */
async function queue(orders: CanonicalOrder[], parcels = 2): Promise<void> {
  const at = new Date(clock).toISOString();
  await store.batch([
    ...releasedOrderRows(orders, at),
    ...insertRows(
      'outbox',
      OUTBOX_COLUMNS,
      orders.flatMap((o, i) =>
        o.lines.slice(0, parcels).map((line, p) => {
          const shipment = p + 1;
          const payload = { orderId: `ord_${i}`, channel: o.channel, externalId: o.externalId, event: 'released', shipment, location: p === 0 ? 'wh-sh' : 'wh-gz', carrier: 'sf', lines: [{ lineId: line.lineId, sku: line.sku, quantity: line.quantity }] };
          return ['t1', `dlv_${String(i).padStart(3, '0')}_${shipment}`, 'sf', 'carrier.waybill', `carrier.waybill/${o.channel}/${o.externalId}/${shipment}`, `ord_${i}`, null, JSON.stringify(payload), 'pending', 0, at, at, at];
        }),
      ),
    ),
  ]);
}

const statuses = async () => (await store.query("SELECT id, status FROM outbox WHERE tenant = 't1' ORDER BY id")).map((r) => `${r.id} ${r.status}`);
const creates = () => sim.calls.filter((c) => c.serviceCode === 'EXP_RECE_CREATE_ORDER');

describe('SF through the delivery engine', () => {
  it('after a create that timed out once stored, asks by orderId and never creates twice', async () => {
    const dispatcher = await start();
    await queue([CASE.order, { ...CASE.order, externalId: '2938475610293847562' }], 1);
    sim.failNext('slow-after-store');

    // The two creates go out side by side; whichever reaches SF first is stored but never answered.
    expect(await dispatcher.runOnce()).toEqual({ claimed: 2, delivered: 1, retried: 0, dead: 0, unknown: 1 });
    expect((await statuses()).map((s) => s.split(' ')[1]).sort()).toEqual(['delivered', 'unknown']);
    expect(sim.orders.size).toBe(2);
    const [unknown] = await store.query("SELECT idempotency_key FROM outbox WHERE tenant = 't1' AND status = 'unknown'");
    const orderId = await sfOrderIdFor(String(unknown!.idempotency_key));

    clock += 3600_000;
    // The engine looks the order up (EXP_RECE_SEARCH_ORDER_RESP by orderId) instead of creating it again.
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await statuses()).toEqual(['dlv_000_1 delivered', 'dlv_001_1 delivered']);
    expect(creates()).toHaveLength(2);
    expect(sim.calls.filter((c) => c.serviceCode === 'EXP_RECE_SEARCH_ORDER_RESP').map((c) => c.msgData)).toEqual([{ orderId, searchType: '1', language: 'zh-CN' }]);
    const attempts = await store.query("SELECT outcome, error, response FROM delivery_attempts WHERE tenant = 't1' ORDER BY started_at, id");
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['delivered', 'found', 'unknown']);
    expect(attempts.find((a) => a.outcome === 'unknown')!.error).toBe(`EXP_RECE_CREATE_ORDER ${orderId}: no answer within 200 ms`);
    // The waybill is in the delivered attempt's response.
    expect(JSON.parse(String(attempts.find((a) => a.outcome === 'delivered')!.response))).toMatchObject({ waybillNo: expect.stringMatching(/^SF\d{13}$/) });
  });

  it('pauses the whole target after SF\'s rate limit', async () => {
    const dispatcher = await start();
    await queue([CASE.order]);
    sim.failNext('rate-limited', 2);
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 2, retried: 2 });
    clock += 30_000;
    // Within the minute nothing is claimed for SF at all.
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 0 });
    clock += 3600_000;
    await dispatcher.runOnce();
    expect(await statuses()).toEqual(['dlv_000_1 delivered', 'dlv_000_2 delivered']);
  });

  it('under 5xx, unreachable services and timeouts after storing, ends with exactly one SF order per orderId', async () => {
    const dispatcher = await start({ random: seeded(11), rates: { 'server-error': 0.15, unreachable: 0.1, 'slow-after-store': 0.2 } });
    const orders = Array.from({ length: 20 }, (_, i) => ({ ...CASE.order, externalId: `29384756102938${String(i).padStart(5, '0')}` }));
    await queue(orders);
    for (let round = 0; round < 40; round++) {
      await dispatcher.runOnce();
      clock += 3600_000;
      const open = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND status != 'delivered'");
      if (Number(open[0]!.n) === 0) break;
    }
    expect(new Set((await statuses()).map((s) => s.split(' ')[1]))).toEqual(new Set(['delivered']));
    // 40 parcels, 40 SF orders: one per orderId, each with its own waybill.
    const expected = await Promise.all(orders.flatMap((o) => [1, 2].map((s) => sfOrderIdFor(`carrier.waybill/${o.channel}/${o.externalId}/${s}`))));
    expect([...sim.orders.keys()].sort()).toEqual([...expected].sort());
    expect(new Set([...sim.orders.values()].map((o) => o.waybillNo)).size).toBe(40);
    // Each delivery keeps its SF orderId and waybill, unless it was settled by a lookup (found, no answer to keep).
    const refs = await store.query("SELECT document_code, external_ref FROM outbox WHERE tenant = 't1' AND document_code IS NOT NULL");
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(sim.orders.get(String(r.document_code))?.waybillNo).toBe(r.external_ref);
    // Every create that reached the service stored an order, or was refused as a repeat (none here:
    // the engine looked the ambiguous ones up instead of creating them again).
    const stored = creates().filter((c) => c.apiResultCode === 'A1000');
    expect(stored).toHaveLength(40);
    const outcomes = (await store.query("SELECT outcome FROM delivery_attempts WHERE tenant = 't1'")).map((r) => String(r.outcome));
    expect(outcomes).toContain('unknown');
    expect(outcomes).toContain('found');
    expect(outcomes).toContain('retry');
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
