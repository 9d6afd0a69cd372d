import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createKingdeeAdapter } from './index.ts';
import { startKingdeeSandbox, type KingdeeSandbox, type KingdeeSandboxOptions } from './sandbox/server.ts';
import { OUTBOX_COLUMNS, releasedOrderRows } from '../../test/support/released-orders.ts';

const here = (file: string) => new URL(file, import.meta.url);
const SALE_ORDER = readFileSync(here('./sale-order.yaml'), 'utf8');
const RECEIVABLE = readFileSync(here('./receivable.yaml'), 'utf8');
const tmallOrder = JSON.parse(readFileSync(here('./sale-order.cases/01-tmall-two-lines-discounts.input.json'), 'utf8')) as CanonicalOrder;

let store: Store;
let sim: KingdeeSandbox;
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

async function start(options: KingdeeSandboxOptions = {}) {
  sim = await startKingdeeSandbox({ slowMs: 500, ...options });
  const kingdee = createKingdeeAdapter(
    { baseUrl: sim.url, acctId: sim.acctId, auth: { kind: 'password', username: 'api', password: 'secret' }, mappings: { saleOrder: SALE_ORDER, receivable: RECEIVABLE }, timeoutMs: 200 },
    { fetch },
  );
  // One dispatcher for the whole test: its limiter keeps the spacing from the (fake) clock.
  return new Dispatcher(store, { kingdee }, { tenants: ['t1'], now, random: () => 0.5, backoff: { baseMs: 1000, capMs: 60_000 } });
}

/** Orders as the pipeline stores them, each owing a sale order and then a receivable. */
async function queue(orders: CanonicalOrder[]): Promise<void> {
  const at = new Date(clock).toISOString();
  await store.batch([
    ...releasedOrderRows(orders, at),
    ...insertRows(
      'outbox',
      OUTBOX_COLUMNS,
      orders.flatMap((o, i) => {
        const sale = `erp.sale_order/${o.channel}/${o.externalId}`;
        const payload = JSON.stringify({ orderId: `ord_${i}`, channel: o.channel, externalId: o.externalId, event: 'released' });
        return [
          ['t1', `dlv_${String(i).padStart(3, '0')}_a`, 'kingdee', 'erp.sale_order', sale, `ord_${i}`, null, payload, 'pending', 0, at, at, at],
          ['t1', `dlv_${String(i).padStart(3, '0')}_b`, 'kingdee', 'erp.receivable', `erp.receivable/${o.channel}/${o.externalId}`, `ord_${i}`, sale, payload, 'pending', 0, at, at, at],
        ];
      }),
    ),
  ]);
}

const statuses = async () => (await store.query("SELECT kind, status, last_error FROM outbox WHERE tenant = 't1' ORDER BY id")).map((r) => `${r.kind} ${r.status}`);
const saves = (formId: string) => sim.calls.filter((c) => c.service === 'Save' && (c.body as { formid: string }).formid === formId);

describe('Kingdee through the delivery engine', () => {
  it('after a Save that timed out once stored, asks by bill number and never saves twice', async () => {
    const dispatcher = await start();
    await queue([tmallOrder]);
    sim.failNext('slow-after-store');

    expect(await dispatcher.runOnce()).toEqual({ claimed: 1, delivered: 0, retried: 0, dead: 0, unknown: 1 });
    expect(await statuses()).toEqual(['erp.sale_order unknown', 'erp.receivable pending']);
    expect(sim.bills.size).toBe(1);

    clock += 3600_000;
    // The engine looks the bill up (ExecuteBillQuery by FBillNo) instead of sending it again.
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(saves('SAL_SaleOrder')).toHaveLength(1);
    expect(sim.calls.filter((c) => c.service === 'ExecuteBillQuery')).toHaveLength(1);

    // Then the receivable, which waited for the sale order.
    clock += 1000;
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await statuses()).toEqual(['erp.sale_order delivered', 'erp.receivable delivered']);
    expect([...sim.bills.keys()]).toEqual(['SAL_SaleOrder/SO-TMALL-2938475610293847561', 'AR_receivable/AR-TMALL-2938475610293847561']);
    const attempts = await store.query("SELECT outcome, error FROM delivery_attempts WHERE tenant = 't1' ORDER BY started_at, id");
    expect(attempts.map((a) => a.outcome)).toEqual(['unknown', 'found', 'delivered']);
    expect(attempts[0]!.error).toBe('Save SO-tmall-2938475610293847561: no answer within 200 ms');
  });

  it('logs in again on the attempt after a lost session', async () => {
    const dispatcher = await start();
    await queue([tmallOrder]);
    sim.failNext('session-lost');
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    expect((await store.query("SELECT last_error, next_attempt_at FROM outbox WHERE tenant = 't1' AND kind = 'erp.sale_order'"))[0]).toEqual({
      last_error: 'Kingdee session lost: 会话信息已丢失，请重新登录',
      // The adapter's 1 s hint beats the jittered backoff (0.5 × 2 s = 1 s as well, so the floor holds).
      next_attempt_at: new Date(clock + 1000).toISOString(),
    });
    clock += 1000;
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(sim.calls.filter((c) => c.service === 'ValidateUser')).toHaveLength(2);
    expect(sim.bills.size).toBe(1);
  });

  it('under 5xx, timeouts after storing and lost sessions, ends with exactly one bill of each kind per order', async () => {
    const dispatcher = await start({ random: seeded(7), rates: { 'server-error': 0.15, 'slow-after-store': 0.15 } });
    const orders = Array.from({ length: 20 }, (_, i) => ({ ...tmallOrder, externalId: `29384756102938${String(i).padStart(5, '0')}` }));
    await queue(orders);
    for (let round = 0; round < 40; round++) {
      if (round % 5 === 2) sim.expireSessions();
      await dispatcher.runOnce();
      clock += 3600_000;
      const open = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND status != 'delivered'");
      if (Number(open[0]!.n) === 0) break;
    }
    expect(new Set(await statuses())).toEqual(new Set(['erp.sale_order delivered', 'erp.receivable delivered']));
    const sales = [...sim.bills.values()].filter((b) => b.formId === 'SAL_SaleOrder');
    const receivables = [...sim.bills.values()].filter((b) => b.formId === 'AR_receivable');
    expect(sales).toHaveLength(20);
    expect(receivables).toHaveLength(20);
    expect(new Set(sales.map((b) => b.billNo)).size).toBe(20);
    // The failures did happen: 5xx answers were retried, Saves that timed out were looked up …
    const outcomes = (await store.query("SELECT outcome FROM delivery_attempts WHERE tenant = 't1'")).map((r) => String(r.outcome));
    expect(outcomes).toContain('unknown');
    expect(outcomes).toContain('found');
    expect(outcomes).toContain('retry');
    // … and a session was lost mid-run and the next attempt logged in again.
    expect(sim.calls.filter((c) => c.service === 'ValidateUser').length).toBeGreaterThan(1);
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
