/**
 * `npm start` until the server exists: the whole pipeline on the sample payloads of every
 * built-in channel, in a database in memory. Every payload is kept, mapped, deduped, checked
 * by the rules, routed, reserved and given its deliveries, or quarantined with the reason.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { insertRows } from '../../core/store/port.ts';
import { loadConfig, type HubConfig } from '../config.ts';
import { BUILTIN_CHANNELS, openHub } from '../hub.ts';
import { BUILTIN_MAPPINGS } from '../mappings.ts';

type Io = { out: (t: string) => void; err: (t: string) => void };

const EXAMPLE_CONFIG = new URL('../../hub.example.yaml', import.meta.url).pathname;
const DEMO_UNITS = 3;

export async function runDemo(io: Io, config: HubConfig): Promise<number> {
  // Without a routing section of its own, the demo runs on the example configuration.
  const demoConfig = config.routing ? config : await loadConfig(EXAMPLE_CONFIG, true);
  const hub = await openHub(demoConfig, { url: ':memory:' });
  try {
    const samples = await samplePayloads();
    await seedStock(hub, demoConfig, samples);
    const rows: string[][] = [['channel', 'order', 'status', 'outcome', 'stock', 'deliveries']];
    const rejected: string[] = [];
    for (const { channel, file, raw } of samples) {
      const result = await hub.pipeline.ingest({ tenant: 'demo', channel, payload: raw, meta: { file } });
      for (const q of result.quarantined ?? []) rejected.push(`${file}\n    ${q.kind}: ${q.error.split('\n')[0]}`);
      for (const order of result.orders) rows.push([channel, order.externalId, order.status, order.outcome, ...(await allocation(hub, order.orderId))]);
    }
    const [totals] = await hub.store.query(
      `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM reservations WHERE status = 'active') AS reservations,
              (SELECT count(*) FROM shortfalls) AS shortfalls, (SELECT count(*) FROM outbox WHERE kind != 'channel.stock') AS deliveries,
              (SELECT count(*) FROM outbox WHERE kind = 'channel.stock') AS stock_updates, (SELECT count(*) FROM quarantine) AS quarantined`,
    );
    io.out(`${samples.length} sample payloads of ${BUILTIN_CHANNELS.length} channels through the pipeline (each SKU starts with ${DEMO_UNITS} units per warehouse):\n`);
    io.out(table(rows));
    io.out(
      `\n${totals!.orders} orders, ${totals!.reservations} line reservations, ${totals!.shortfalls} shortfalls, ${totals!.deliveries} deliveries queued, ` +
        `${totals!.stock_updates} channel stock updates, ${totals!.quarantined} payloads quarantined. Quarantined, with where and why:\n`,
    );
    io.out(rejected.slice(0, 4).map((r) => `  ${r}`).join('\n'));
    io.out('\nTry: npx hub mapping run --channel tmall mappings/tmall.cases/01-two-lines-discount-shipping.input.json');
    io.out('     npx hub ingest --config hub.example.yaml --channel webhook mappings/webhook.cases/01-paid-two-lines-discount-shipping.input.json');
    return 0;
  } finally {
    await hub.close();
  }
}

async function samplePayloads(): Promise<Array<{ channel: string; file: string; raw: string }>> {
  const samples = [];
  for (const channel of BUILTIN_CHANNELS) {
    const dir = join(BUILTIN_MAPPINGS, `${channel}.cases`);
    for (const name of (await readdir(dir)).filter((n) => /\.input\.(json|csv)$/.test(n)).sort()) {
      samples.push({ channel, file: `mappings/${channel}.cases/${name}`, raw: await readFile(join(dir, name), 'utf8') });
    }
  }
  return samples;
}

/** A little stock for every SKU the samples name, in every warehouse: some orders will come up short. */
async function seedStock(hub: Awaited<ReturnType<typeof openHub>>, config: HubConfig, samples: Array<{ raw: string }>): Promise<void> {
  const skus = new Set<string>();
  for (const { raw } of samples) for (const m of raw.matchAll(/"(?:outer_sku_id|outer_iid|outerSkuId|out_sku_id|code|outer_item_id|sku)"\s*:\s*"([^"]+)"/g)) skus.add(m[1]!);
  for (const m of samples.flatMap((s) => [...s.raw.matchAll(/^[^,\n]+,[^,\n]+,[^,\n]*,[^,\n]+,[^,\n]*,[^,\n]*,([A-Z][\w-]+),/gm)])) skus.add(m[1]!);
  skus.add('GIFT-KEYCHAIN');
  const warehouses = (config.routing?.locations ?? []).map((l) => l.id);
  await hub.store.batch(
    insertRows('stock_levels', ['tenant', 'sku', 'location', 'on_hand', 'reserved', 'safety', 'updated_at'], [...skus].flatMap((sku) => warehouses.map((w) => ['demo', sku, w, DEMO_UNITS, 0, 0, new Date().toISOString()]))),
  );
}

async function allocation(hub: Awaited<ReturnType<typeof openHub>>, orderId: string): Promise<[string, string]> {
  const reserved = await hub.store.query("SELECT location, sum(quantity) AS units FROM reservations WHERE tenant = 'demo' AND order_id = ? AND status = 'active' GROUP BY location", [orderId]);
  const [short] = await hub.store.query("SELECT coalesce(sum(quantity), 0) AS units FROM shortfalls WHERE tenant = 'demo' AND order_id = ? AND resolved_at IS NULL", [orderId]);
  const [queued] = await hub.store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 'demo' AND order_id = ?", [orderId]);
  const [order] = await hub.store.query("SELECT holds FROM orders WHERE tenant = 'demo' AND id = ?", [orderId]);
  const stock = [...reserved.map((r) => `${r.units} @${r.location}`), ...(Number(short!.units) ? [`${short!.units} short`] : [])].join(', ') || '-';
  const held = order?.holds ? `held: ${(JSON.parse(String(order.holds)) as Array<{ rule: string }>).map((h) => h.rule).join(', ')}` : '';
  return [stock, held || String(queued!.n)];
}

function table(rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) => r.map((cell, i) => cell + ' '.repeat(widths[i]! - width(cell))).join('  ').trimEnd()).join('\n');
}
