/**
 * `npm start` until the server exists: compiles every built-in mapping, maps the sample
 * payloads beside it, and prints the canonical orders they become, and what a payload the
 * mapping cannot read looks like.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fenToYuan, type CanonicalOrder } from '../../core/order/index.ts';
import type { HubConfig } from '../config.ts';
import { BUILTIN_MAPPINGS, loadMappingFile, readPayloads } from '../mappings.ts';
import { findMappings } from '../mapping-test.ts';

export async function runDemo(io: { out: (t: string) => void; err: (t: string) => void }, config: HubConfig): Promise<number> {
  const rows: string[][] = [['channel', 'order', 'status', 'after-sale', 'lines', 'paid ¥', 'receiver']];
  const rejected: string[] = [];
  for (const file of await findMappings(BUILTIN_MAPPINGS)) {
    const mapping = await loadMappingFile(file, { config });
    const dir = file.replace(/\.ya?ml$/, '.cases');
    for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.input\.(json|csv)$/.test(n)).sort()) {
      try {
        for (const payload of await readPayloads(join(dir, name))) {
          const order = mapping.run(payload) as CanonicalOrder;
          const receiver = order.receiver ? `${order.receiver.province}${order.receiver.city}${order.receiver.district}` : '(in store)';
          rows.push([order.channel, order.externalId, order.status, order.afterSale, String(order.lines.length), fenToYuan(order.amounts.paid), receiver]);
        }
      } catch (e) {
        rejected.push(`${mapping.name}/${name}:\n  ${(e as Error).message.split('\n').join('\n  ')}`);
      }
    }
  }
  io.out(`Mapped ${rows.length - 1} sample orders from ${new Set(rows.slice(1).map((r) => r[0])).size} channels into canonical orders:\n`);
  io.out(table(rows));
  if (rejected.length) {
    io.out(`\n${rejected.length} sample payloads were rejected, each with where and why (a pipeline keeps them in quarantine):\n`);
    io.out(rejected.slice(0, 3).join('\n'));
  }
  io.out('\nTry: npx hub mapping run --channel tmall mappings/tmall.cases/01-two-lines-discount-shipping.input.json');
  io.out('     npx hub mapping test');
  return 0;
}

function table(rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) => r.map((cell, i) => cell + ' '.repeat(widths[i]! - width(cell))).join('  ').trimEnd()).join('\n');
}
