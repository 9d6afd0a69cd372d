import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderPolicy } from '../../core/ingest/types.ts';
import { Pipeline } from '../../core/ingest/pipeline.ts';
import { compileMapping } from '../../core/mapping/index.ts';
import type { Store } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createDouyinConnector } from './index.ts';
import { startDouyinSandbox, type DouyinSandbox } from './sandbox/server.ts';

const MAPPING_FILE = new URL('../../mappings/douyin.yaml', import.meta.url);
const mapping = compileMapping(readFileSync(MAPPING_FILE, 'utf8'), { file: 'mappings/douyin.yaml' });

/** No routing, no rules: this test is about what arrives, not where it goes. */
const policy: OrderPolicy = {
  route: (order) => ({ shipments: [], unrouted: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity, reason: 'no stock in this test' })), explanation: [], rule: 'test' }),
  rules: () => ({ holds: [], addLines: [], tags: [], holdUntil: null, mergeWith: [], priority: 0, explanation: [] }),
  addressKey: (r) => `${r.province}|${r.city}|${r.district}|${r.address}`,
  lookbackMinutes: 60,
};

const NOW_S = Math.floor(Date.now() / 1000);
const T0 = NOW_S - 7200;
const T1 = NOW_S - 600;
const iso = (s: number) => new Date(s * 1000).toISOString();

let sim: DouyinSandbox;
let store: Store;
let pipeline: Pipeline;

beforeEach(async () => {
  sim = await startDouyinSandbox({ orders: 70, from: T0 + 60, to: T1 - 60, seed: 11 });
  store = await openLibsqlStore({ url: ':memory:' });
  pipeline = new Pipeline(store, { channels: { douyin: { mapping } }, policy, stock: { shortfall: 'backorder', channels: {} }, deliveries: [], groupWindowMs: 1 });
});

afterEach(async () => {
  await store.close();
  await sim.close();
});

async function pullInto(decrypt: boolean): Promise<number> {
  const douyin = createDouyinConnector({ channel: 'douyin', shop: '4463798', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken, pageSize: 25, decrypt }, { fetch, now: Date.now });
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await douyin.pull({ from: iso(T0), to: iso(T1), ...(cursor ? { cursor } : {}) });
    if (!page.ok) throw new Error(page.outcome.reason);
    pages++;
    await Promise.all(page.orders.map((payload) => pipeline.ingest({ tenant: 't1', channel: 'douyin', shop: '4463798', payload, meta: { pulled: iso(T0) } })));
    if (page.next === null) return pages;
    cursor = page.next;
  }
}

describe('sandbox → connector.pull → Pipeline with mappings/douyin.yaml', () => {
  it('stores every sandbox order exactly once, with the paid total Doudian gave', async () => {
    const pages = await pullInto(false);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(await store.query('SELECT count(*) AS n FROM quarantine')).toEqual([{ n: 0 }]);
    const rows = await store.query("SELECT external_id, status, doc FROM orders WHERE tenant = 't1' AND channel = 'douyin'");
    expect(rows).toHaveLength(sim.orders.size);
    expect(new Set(rows.map((r) => r.external_id)).size).toBe(sim.orders.size);
    const statuses = new Set<string>();
    for (const row of rows) {
      const source = sim.orders.get(String(row.external_id))!;
      const doc = JSON.parse(String(row.doc)) as { amounts: { paid: number; goods: number; shipping: number; discount: number }; lines: unknown[]; receiver?: { name: string } };
      expect(doc.amounts.paid).toBe(source.pay_amount);
      expect(doc.amounts.goods - doc.amounts.discount + doc.amounts.shipping).toBe(source.pay_amount);
      expect(doc.lines).toHaveLength(source.sku_order_list.length);
      if (source.mask_post_receiver) expect(doc.receiver?.name).toBe(source.mask_post_receiver);
      statuses.add(String(row.status));
    }
    // Every order_status the platform has shows up: 1, 105/2, 101, 3, 4, 5.
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'paid', 'partially_shipped', 'pending_payment', 'shipped']);
  });

  it('changes nothing when the same window is pulled again', async () => {
    await pullInto(false);
    const before = await store.query("SELECT external_id, version FROM orders WHERE tenant = 't1' ORDER BY external_id");
    await pullInto(false);
    const after = await store.query("SELECT external_id, version FROM orders WHERE tenant = 't1' ORDER BY external_id");
    expect(after).toEqual(before);
  });

  it('stores the decrypted receiver when decrypt is on', async () => {
    await pullInto(true);
    const rows = await store.query("SELECT external_id, doc FROM orders WHERE tenant = 't1'");
    expect(rows).toHaveLength(sim.orders.size);
    const withReceiver = rows.map((r) => JSON.parse(String(r.doc)) as { receiver?: { name: string; phone: string } }).filter((d) => d.receiver);
    expect(withReceiver.length).toBeGreaterThan(50);
    for (const d of withReceiver) {
      expect(d.receiver!.name).not.toContain('*');
      expect(d.receiver!.phone).toMatch(/^1\d{10}$/);
    }
  });
});
