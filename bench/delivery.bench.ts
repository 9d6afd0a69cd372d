/**
 * npm run bench:delivery — the delivery engine against a loopback receiver in its own
 * process: deliveries/s with no limit (the engine's own ceiling), and, in the same run, the
 * rate it holds against a target limited to LIMIT calls per second, beside that limit.
 * Medians of the rounds; every round also checks that nothing arrived twice and that no
 * one-second window held more than LIMIT calls.
 *
 *   ROUNDS=3 DELIVERIES=5000 LIMIT=400 npm run bench:delivery
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dispatcher } from '../core/outbox/index.ts';
import { insertRows, type Store } from '../core/store/port.ts';
import { createHttpWebhookAdapter } from '../adapters/http-webhook/index.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DELIVERIES = Number(process.env.DELIVERIES ?? 5000);
const LIMIT = Number(process.env.LIMIT ?? 400);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 128);

async function sink(): Promise<{ url: string; stats: () => Promise<{ received: number; duplicates: number; requests: number[] }>; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'adapters/http-webhook/sandbox/server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url: string = await new Promise((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim())));
  return { url, child, stats: async () => (await fetch(new URL('/stats', url))).json() as never };
}

async function queue(store: Store, tenant: string, target: string, count: number): Promise<void> {
  const at = new Date().toISOString();
  const rows = Array.from({ length: count }, (_, i) => [tenant, `dlv_${target}_${i}`, target, 'erp.sale_order', `${target}/${i}`, `{"n":${i}}`, 'pending', 0, at, at, at]);
  for (let i = 0; i < rows.length; i += 2000) {
    await store.batch(insertRows('outbox', ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'], rows.slice(i, i + 2000)));
  }
}

/** Until every queued delivery went through: rounds run side by side, as the dispatcher's loops do. */
async function drain(dispatcher: Dispatcher, store: Store, tenant: string): Promise<void> {
  for (;;) {
    await dispatcher.drain();
    const [left] = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = ? AND status != 'delivered'", [tenant]);
    if (Number(left!.n) === 0) return;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'hub-delivery-'));
const store = await openLibsqlStore({ url: `file:${join(dir, 'hub.db')}` });
const fast: number[] = [];
const limited: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const tenant = `r${round}`;
    const open = await sink();
    await queue(store, tenant, 'sink', DELIVERIES);
    const dispatcher = new Dispatcher(store, { sink: createHttpWebhookAdapter({ url: open.url }, { fetch }) }, { tenants: [tenant], batchSize: 1000, concurrency: CONCURRENCY });
    const start = performance.now();
    await drain(dispatcher, store, tenant);
    fast.push((DELIVERIES / (performance.now() - start)) * 1000);
    const got = await open.stats();
    if (got.received !== DELIVERIES || got.duplicates) throw new Error(`the sink got ${got.received} (${got.duplicates} twice)`);
    open.child.kill();

    const slow = await sink();
    await queue(store, tenant, 'slow', LIMIT * 3);
    const limitedDispatcher = new Dispatcher(store, { slow: createHttpWebhookAdapter({ url: slow.url, limits: { calls: LIMIT, perMs: 1000 } }, { fetch }) }, { tenants: [tenant], batchSize: 1000, concurrency: 64 });
    await drain(limitedDispatcher, store, tenant);
    const times = (await slow.stats()).requests;
    slow.child.kill();
    for (let i = 0; i + LIMIT < times.length; i++) {
      if (times[i + LIMIT]! - times[i]! < 1000) throw new Error(`limit broken: ${LIMIT + 1} calls within ${times[i + LIMIT]! - times[i]!} ms`);
    }
    limited.push(((times.length - 1) / (times[times.length - 1]! - times[0]!)) * 1000);
  }
  const rate = median(limited);
  console.log(`delivery engine, ${ROUNDS} rounds, loopback receiver in its own process, file database, median deliveries/s:`);
  console.log(`  no limit          ${Math.round(median(fast)).toLocaleString('en-US').padStart(7)}   (rounds: ${fast.map(Math.round).join(', ')})   goal >= 2,000`);
  console.log(`  limited to ${LIMIT}/s ${rate.toFixed(1).padStart(7)}   (rounds: ${limited.map((r) => r.toFixed(1)).join(', ')})`);
  console.log(`limited rate / limit = ${(rate / LIMIT).toFixed(3)}   (goal: within 5% below, never above)`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
