/**
 * A hub process for the crash and concurrency tests: ingests a deterministic stream of orders
 * into a shared database file and prints "ack <externalId> <outcome>" once each is committed.
 *
 *   node --import tsx test/support/ingest-child.ts <db file> <from> <to> <sku> [inFlight] [cancels|no-cancels]
 *
 * Order n is new; with cancels, every fourth order also cancels the one three before it (a
 * later version), so releases race with reservations too.
 */
import { loadConfig } from '../../runtime/config.ts';
import { openHub } from '../../runtime/hub.ts';

const [dbFile, fromArg, toArg, sku, inFlightArg, cancelsArg] = process.argv.slice(2);
const cancels = cancelsArg !== 'no-cancels';
const from = Number(fromArg);
const to = Number(toArg);
const inFlight = Number(inFlightArg ?? 32);
const config = await loadConfig(new URL('./hub.test.yaml', import.meta.url).pathname, true);
const hub = await openHub(config, { url: `file:${dbFile}` });

export function orderPayload(n: number, sku: string, cancelled = false) {
  return {
    id: `K${n}`,
    status: cancelled ? 'cancelled' : 'paid',
    createdAt: '2024-05-01T10:00:00+08:00',
    updatedAt: cancelled ? '2024-05-01T11:00:00+08:00' : '2024-05-01T10:00:00+08:00',
    customer: { id: `buyer-${n % 97}` },
    shippingAddress: { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: `南京西路${n}号` },
    items: [{ id: '1', sku, title: 'T', quantity: 1, price: '10.00' }],
    total: '10.00',
  };
}

const jobs: Array<() => Promise<void>> = [];
for (let n = from; n < to; n++) {
  jobs.push(async () => {
    const result = await hub.pipeline.ingest({ tenant: 'crash', channel: 'webhook', payload: JSON.stringify(orderPayload(n, sku!)) });
    process.stdout.write(`ack K${n} ${result.orders[0]?.outcome ?? 'quarantined'}\n`);
    if (cancels && n % 4 === 3 && n - 3 >= 0) {
      const cancel = await hub.pipeline.ingest({ tenant: 'crash', channel: 'webhook', payload: JSON.stringify(orderPayload(n - 3, sku!, true)) });
      process.stdout.write(`ack K${n - 3}:cancel ${cancel.orders[0]?.outcome ?? 'quarantined'}\n`);
    }
  });
}
let next = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < jobs.length) await jobs[next++]!();
  }),
);
await hub.close();
process.stdout.write('done\n');
