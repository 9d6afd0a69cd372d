/**
 * npm run bench:ingest — real-shaped orders of five channels through the whole pipeline
 * (inbox, mapping, dedupe, rules, routing, reservations, outbox) into a database file, and in
 * the same run the bare cost of inserting the same raw payloads into the inbox alone.
 * Prints orders/s (median of the rounds) for both and their ratio.
 *
 *   ROUNDS=5 ORDERS=5000 PRELOAD=1000000 npm run bench:ingest
 *
 * PRELOAD first fills the database with that many stored orders (and their inbox rows), to see
 * how the rate holds on a large database.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../core/ids.ts';
import { insertRows, type Store } from '../core/store/port.ts';
import { loadConfig } from '../runtime/config.ts';
import { openHub } from '../runtime/hub.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ORDERS = Number(process.env.ORDERS ?? 5000);
const PRELOAD = Number(process.env.PRELOAD ?? 0);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 2000);

/**
 * Where each channel keeps the order id, the buyer and the street address, so every generated
 * payload is a new order from its own buyer to its own address, as in real traffic.
 */
const ID_FIELDS: Record<string, (payload: Record<string, any>, id: string) => void> = {
  tmall: (p, id) => ((p.tid_str = id), (p.tid = id), (p.buyer_open_uid = `b${id}`), (p.receiver_address = `文三路${id}号`)),
  jd: (p, id) => ((p.orderId = id), (p.open_id_buyer = `b${id}`), p.consigneeInfo && (p.consigneeInfo.fullAddress = `天河路${id}号`)),
  douyin: (p, id) => ((p.order_id = id), (p.doudian_open_id = `b${id}`), p.post_addr && (p.post_addr.detail = `丰潭路${id}号`), p.mask_post_addr && (p.mask_post_addr.detail = `丰潭路${id}号`)),
  youzan: (p, id) => ((p.order_info.tid = id), p.buyer_info && (p.buyer_info.yz_open_id = `b${id}`), p.address_info && (p.address_info.delivery_address = `西溪路${id}号`)),
  webhook: (p, id) => ((p.id = id), (p.customer = { ...p.customer, id: `b${id}` }), p.shippingAddress && (p.shippingAddress.address = `天府大道${id}号`)),
};

function samples(): Array<{ channel: string; payload: Record<string, any>; skus: string[] }> {
  const out: Array<{ channel: string; payload: Record<string, any>; skus: string[] }> = [];
  for (const channel of Object.keys(ID_FIELDS)) {
    const dir = new URL(`../mappings/${channel}.cases/`, import.meta.url);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.expected.json'))) {
      const payload = JSON.parse(readFileSync(new URL(name.replace('.expected.', '.input.'), dir), 'utf8'));
      const expected = JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
      // Paid orders with a receiver are the ones that take the whole path.
      if (expected.status === 'paid' && expected.receiver) out.push({ channel, payload, skus: expected.lines.map((l: { sku: string }) => l.sku) });
    }
  }
  return out;
}

function payloads(count: number, round: string): Array<{ channel: string; raw: string }> {
  const base = samples();
  return Array.from({ length: count }, (_, i) => {
    const { channel, payload } = base[i % base.length]!;
    const copy = structuredClone(payload);
    ID_FIELDS[channel]!(copy, `${round}${String(i).padStart(8, '0')}`);
    return { channel, raw: JSON.stringify(copy) };
  });
}

async function seedStock(store: Store, skus: string[]): Promise<void> {
  const now = new Date().toISOString();
  await store.batch(
    insertRows(
      'stock_levels',
      ['tenant', 'sku', 'location', 'on_hand', 'reserved', 'safety', 'updated_at'],
      skus.flatMap((sku) => ['wh-sh', 'wh-gz'].map((location) => ['bench', sku, location, 1_000_000_000, 0, 0, now])),
      'ON CONFLICT DO NOTHING',
    ),
  );
}

async function preload(store: Store, count: number): Promise<void> {
  const doc = JSON.stringify(JSON.parse(readFileSync(new URL('../mappings/tmall.cases/01-two-lines-discount-shipping.expected.json', import.meta.url), 'utf8')));
  const raw = readFileSync(new URL('../mappings/tmall.cases/01-two-lines-discount-shipping.input.json', import.meta.url), 'utf8');
  const now = new Date().toISOString();
  for (let done = 0; done < count; done += 5000) {
    const n = Math.min(5000, count - done);
    const ids = Array.from({ length: n }, (_, i) => `P${done + i}`);
    await store.batch([
      ...insertRows('inbox', ['tenant', 'id', 'channel', 'shop', 'received_at', 'meta', 'payload', 'status', 'orders'], ids.map((id) => ['bench', newId('inb'), 'tmall', null, now, '{}', raw, 'processed', 1])),
      ...insertRows(
        'orders',
        ['tenant', 'id', 'channel', 'shop', 'external_id', 'status', 'after_sale', 'updated_at', 'updated_ms', 'version', 'doc', 'priority', 'stage', 'address_key', 'buyer_key', 'created_at', 'last_inbox'],
        ids.map((id) => ['bench', newId('ord'), 'tmall', null, id, 'completed', 'none', now, Date.parse(now), 1, doc, 0, 'shipped', `k${id}`, `b${id}`, now, 'inb_x']),
      ),
    ]);
    if (done % 100_000 === 0) process.stdout.write(`  preloaded ${done.toLocaleString('en-US')}\r`);
  }
  process.stdout.write('\n');
}

async function endToEnd(ingest: (channel: string, raw: string) => Promise<unknown>, batch: Array<{ channel: string; raw: string }>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, batch.length) }, async () => {
      while (next < batch.length) {
        const { channel, raw } = batch[next++]!;
        await ingest(channel, raw);
      }
    }),
  );
  return (batch.length / (performance.now() - start)) * 1000;
}

/** The floor: the same raw payloads into the inbox table, in groups of the pipeline's size. */
async function bareInserts(store: Store, batch: Array<{ channel: string; raw: string }>): Promise<number> {
  const start = performance.now();
  const now = new Date().toISOString();
  for (let i = 0; i < batch.length; i += 500) {
    const rows = batch.slice(i, i + 500).map(({ channel, raw }) => ['bare', newId('inb'), channel, null, now, '{}', raw, 'processed', 1]);
    await store.writeTransaction((tx) => tx.batch(insertRows('inbox', ['tenant', 'id', 'channel', 'shop', 'received_at', 'meta', 'payload', 'status', 'orders'], rows)));
  }
  return (batch.length / (performance.now() - start)) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
const config = await loadConfig(new URL('../test/support/hub.test.yaml', import.meta.url).pathname, true);
const hub = await openHub(config, { url: `file:${join(dir, 'hub.db')}` });
try {
  await seedStock(hub.store, [...new Set(samples().flatMap((s) => s.skus))]);
  if (PRELOAD > 0) {
    console.log(`preloading ${PRELOAD.toLocaleString('en-US')} stored orders…`);
    await preload(hub.store, PRELOAD);
  }
  const ingest = (channel: string, raw: string) => hub.pipeline.ingest({ tenant: 'bench', channel, payload: raw });
  await endToEnd(ingest, payloads(1000, 'W')); // warm up
  const pipelineRates: number[] = [];
  const bareRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const batch = payloads(ORDERS, `R${round}-`);
    pipelineRates.push(await endToEnd(ingest, batch));
    bareRates.push(await bareInserts(hub.store, batch));
  }
  const [orders] = await hub.store.query('SELECT count(*) AS n FROM orders');
  const [reserved] = await hub.store.query("SELECT count(*) AS n FROM reservations WHERE status = 'active'");
  const [queued] = await hub.store.query('SELECT count(*) AS n FROM outbox');
  const e2e = median(pipelineRates);
  const bare = median(bareRates);
  console.log(`ingest, ${ROUNDS} rounds of ${ORDERS.toLocaleString('en-US')} orders (5 channels, file database, ${Number(orders!.n).toLocaleString('en-US')} orders stored at the end), median orders/s:`);
  console.log(`  whole pipeline    ${Math.round(e2e).toLocaleString('en-US').padStart(9)}   (rounds: ${pipelineRates.map((r) => Math.round(r)).join(', ')})`);
  console.log(`  raw inbox inserts ${Math.round(bare).toLocaleString('en-US').padStart(9)}   (rounds: ${bareRates.map((r) => Math.round(r)).join(', ')})`);
  console.log(`whole pipeline / raw inserts = ${(e2e / bare).toFixed(2)}   (goal: >= 5,000 orders/s end to end)`);
  console.log(`  ${Number(reserved!.n).toLocaleString('en-US')} active reservations, ${Number(queued!.n).toLocaleString('en-US')} deliveries queued`);
} finally {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
}
