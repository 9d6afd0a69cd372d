import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const CHILD = ['--import', 'tsx', 'test/support/ingest-child.ts'];

/**
 * Runs the child; with `killAfterMs`, kills it with SIGKILL that long after its first
 * acknowledgement (start-up takes a while), so the kill lands mid-stream. Returns what it acknowledged.
 */
function runChild(args: string[], killAfterMs?: number): Promise<{ acks: string[]; done: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (killAfterMs !== undefined && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      // Only whole lines count: a line cut by the kill was never fully acknowledged.
      const lines = out.split('\n').slice(0, -1);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ acks: lines.filter((l) => l.startsWith('ack ')), done: lines.includes('done') });
    });
  });
}

async function seed(dbFile: string, sku: string, onHand: number): Promise<void> {
  const store = await openLibsqlStore({ url: `file:${dbFile}` });
  await store.batch([{ sql: 'INSERT INTO stock_levels (tenant, sku, location, on_hand, reserved, safety, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?)', args: ['crash', sku, 'wh-sh', onHand, '2024-01-01T00:00:00Z'] }]);
  await store.close();
}

describe('crash safety', () => {
  it('loses no acknowledged order, duplicates none, and keeps reservations exact across SIGKILLs', { timeout: 120_000 }, async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'hub-crash-')), 'hub.db');
    await seed(dbFile, 'SKU-K', 1_000_000);
    const total = 1500;
    const acked = new Set<string>();
    const killedAfter: number[] = [];
    let from = 0;
    for (let round = 0; round < 8; round++) {
      const { acks, done } = await runChild([dbFile, String(from), String(total), 'SKU-K', '24'], 20 + Math.floor(Math.random() * 150));
      expect(done, 'the kill should land mid-stream').toBe(false);
      killedAfter.push(acks.length);
      for (const ack of acks) acked.add(ack.split(' ')[1]!);
      // Start again below the last acknowledged order: what was in flight is sent again.
      const numbers = [...acked].filter((a) => !a.includes(':')).map((a) => Number(a.slice(1)));
      from = Math.max(0, Math.min(total, (numbers.length ? Math.max(...numbers) : 0) - 30));
    }
    // Every round acknowledged some orders before it died: the kills hit a working stream.
    expect(killedAfter.every((n) => n > 0), `acks per killed round: ${killedAfter.join(', ')}`).toBe(true);
    const last = await runChild([dbFile, String(from), String(total), 'SKU-K', '24']);
    expect(last.done).toBe(true);
    for (const ack of last.acks) acked.add(ack.split(' ')[1]!);

    const store = await openLibsqlStore({ url: `file:${dbFile}` });
    try {
      const orders = new Map((await store.query('SELECT external_id, status, stage FROM orders WHERE tenant = ?', ['crash'])).map((r) => [String(r.external_id), r]));
      for (const ack of acked) expect(orders.has(ack.replace(':cancel', '')), ack).toBe(true);
      expect(orders.size).toBe(total);
      // Every cancel that was acknowledged stuck.
      for (const ack of [...acked].filter((a) => a.endsWith(':cancel'))) expect(orders.get(ack.replace(':cancel', ''))!.status).toBe('cancelled');
      // Reservations are exactly the open orders' lines, and the level agrees with them.
      const open = [...orders.values()].filter((o) => o.status === 'paid').length;
      const [active] = await store.query("SELECT count(*) AS n, coalesce(sum(quantity), 0) AS units FROM reservations WHERE tenant = ? AND status = 'active'", ['crash']);
      expect(active).toEqual({ n: open, units: open });
      expect(await store.query('SELECT reserved FROM stock_levels WHERE tenant = ? AND sku = ?', ['crash', 'SKU-K'])).toEqual([{ reserved: open }]);
      const perOrder = await store.query("SELECT order_id FROM reservations WHERE tenant = ? GROUP BY order_id HAVING count(*) > 1", ['crash']);
      expect(perOrder).toEqual([]);
      // No delivery queued twice: one sale order per order that was ever released.
      const [sales] = await store.query("SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys FROM outbox WHERE tenant = ? AND kind = 'erp.sale_order'", ['crash']);
      expect(sales).toEqual({ n: total, keys: total });
    } finally {
      await store.close();
    }
  });
});

describe('concurrency', () => {
  it('never oversells: N orders from several processes for K units end with exactly K reserved', { timeout: 120_000 }, async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'hub-oversell-')), 'hub.db');
    const units = 37;
    await seed(dbFile, 'SKU-X', units);
    // Three processes, 40 orders each, 16 in flight per process: 120 orders for 37 units.
    const runs = await Promise.all([0, 1000, 2000].map((from) => runChild([dbFile, String(from), String(from + 40), 'SKU-X', '16', 'no-cancels'])));
    expect(runs.every((r) => r.done)).toBe(true);
    const store = await openLibsqlStore({ url: `file:${dbFile}` });
    try {
      expect(await store.query('SELECT on_hand, reserved FROM stock_levels WHERE tenant = ? AND sku = ?', ['crash', 'SKU-X'])).toEqual([{ on_hand: units, reserved: units }]);
      expect(await store.query("SELECT count(*) AS n, sum(quantity) AS units FROM reservations WHERE tenant = ? AND status = 'active'", ['crash'])).toEqual([{ n: units, units }]);
      expect(await store.query('SELECT count(*) AS n, sum(quantity) AS units FROM shortfalls WHERE tenant = ?', ['crash'])).toEqual([{ n: 120 - units, units: 120 - units }]);
      expect(await store.query("SELECT count(*) AS n FROM orders WHERE tenant = ? AND status = 'paid'", ['crash'])).toEqual([{ n: 120 }]);
    } finally {
      await store.close();
    }
  });
});
