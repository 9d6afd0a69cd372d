import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanonicalOrder } from '../../core/order/index.ts';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows, type Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createKuaidi100Adapter } from './index.ts';
import { startKuaidi100Sandbox, type Kuaidi100Sandbox, type Kuaidi100SandboxOptions } from './sandbox/server.ts';
import { OUTBOX_COLUMNS, releasedOrderRows } from '../../test/support/released-orders.ts';

const receiver = { name: '张三', phone: '13812345678', province: '浙江省', city: '杭州市', district: '西湖区', address: '文一西路100号' };

let store: Store;
let sim: Kuaidi100Sandbox;
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

async function start(options: Kuaidi100SandboxOptions = {}) {
  sim = await startKuaidi100Sandbox({ accounts: { 'test-key': 'TESTCUSTOMER' }, slowMs: 500, ...options });
  const kuaidi100 = createKuaidi100Adapter({ baseUrl: sim.url, key: 'test-key', callbackUrl: 'http://127.0.0.1:9/hooks/kuaidi100', salt: 'salt-9f2c', timeoutMs: 200 }, { fetch });
  return new Dispatcher(store, { kuaidi100 }, { tenants: ['t1'], now, random: () => 0.5, backoff: { baseMs: 1000, capMs: 60_000 } });
}

/** Orders as the pipeline stores them, each owing a subscription of its waybill. */
async function queue(count: number): Promise<void> {
  const at = new Date(clock).toISOString();
  const orders = Array.from({ length: count }, (_, i) => ({ channel: 'tmall', externalId: `T${i}`, status: 'paid', afterSale: 'none', updatedAt: '2024-05-20T10:16:06+08:00', receiver }) as unknown as CanonicalOrder);
  await store.batch([
    ...releasedOrderRows(orders, at),
    ...insertRows(
      'outbox',
      OUTBOX_COLUMNS,
      orders.map((o, i) => {
        const payload = { orderId: `ord_${i}`, channel: o.channel, externalId: o.externalId, waybillNo: `SF${1_440_000_000_001 + i}`, carrier: 'sf' };
        return ['t1', `dlv_${String(i).padStart(3, '0')}`, 'kuaidi100', 'tracking.subscribe', `tracking.subscribe/${o.channel}/${o.externalId}/1`, `ord_${i}`, null, JSON.stringify(payload), 'pending', 0, at, at, at];
      }),
    ),
  ]);
}

describe('Kuaidi100 through the delivery engine', () => {
  it('re-sends a subscription whose answer never came (Kuaidi100 drops the repeat with 501), never subscribing twice', async () => {
    const dispatcher = await start();
    await queue(1);
    sim.failNext('slow-after-store');
    expect(await dispatcher.runOnce()).toEqual({ claimed: 1, delivered: 0, retried: 0, dead: 0, unknown: 1 });
    clock += 3600_000;
    // No lookup: the target is idempotent, so the engine sends again, and 501 counts as delivered.
    expect(await dispatcher.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(sim.calls.map((c) => c.returnCode)).toEqual(['200', '501']);
    expect(sim.subscriptions.size).toBe(1);
  });

  it('under 5xx, server errors and timeouts after storing, ends with every number subscribed exactly once', async () => {
    const dispatcher = await start({ random: seeded(5), rates: { 'server-error': 0.15, 'server-busy': 0.1, 'slow-after-store': 0.2 } });
    await queue(20);
    for (let round = 0; round < 40; round++) {
      await dispatcher.runOnce();
      clock += 3600_000;
      const open = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND status != 'delivered'");
      if (Number(open[0]!.n) === 0) break;
    }
    const statuses = (await store.query("SELECT status FROM outbox WHERE tenant = 't1'")).map((r) => String(r.status));
    expect(new Set(statuses)).toEqual(new Set(['delivered']));
    expect(sim.subscriptions.size).toBe(20);
    expect(sim.calls.filter((c) => c.returnCode === '200')).toHaveLength(20);
    const outcomes = (await store.query("SELECT outcome FROM delivery_attempts WHERE tenant = 't1'")).map((r) => String(r.outcome));
    expect(outcomes).toContain('unknown');
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
