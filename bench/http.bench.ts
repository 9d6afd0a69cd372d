/**
 * npm run bench:http — the running hub's webhook route under load, beside a bare Hono route that
 * only parses JSON, each in its own process, driven from this one with the same connections:
 *
 *  1. throughput: CONNECTIONS requests in flight for SECONDS, Standard-Webhooks-signed orders to
 *     the hub, the same bodies to the bare route; requests/s of each and their ratio, and every
 *     order the hub acknowledged counted in its database afterwards;
 *  2. latency: an even RATE requests/s to the hub (each request sent at its own instant, not a
 *     second's worth in one burst), p50/p99 from the instant it was due to its acknowledgement.
 *
 *   ROUNDS=3 SECONDS=5 CONNECTIONS=64 RATE=1000 npm run bench:http
 *   PROFILE=1 npm run bench:http   # and the hub writes a CPU profile to /tmp/prof
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { signStandardWebhook } from '../connectors/webhook/index.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const RATE = Number(process.env.RATE ?? 1000);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PATH = '/webhooks/webhook/site';

interface Signed {
  body: string;
  headers: Record<string, string>;
}

/** Signed requests made before the clock starts, so signing costs the generator nothing. */
async function signedOrders(count: number, run: string): Promise<Signed[]> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const body = JSON.stringify({
        id: `B-${run}-${i}`, status: 'paid', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00',
        customer: { id: `u-${i % 500}` },
        shippingAddress: { name: '林小姐', phone: '13800138000', province: '上海市', city: '上海市', district: '静安区', address: `南京西路${i % 900}号` },
        items: [{ id: '1', sku: `SKU-${i % 50}`, title: 'T恤', quantity: 1, price: '59.00' }], total: '59.00',
      });
      const id = `msg-${run}-${i}`;
      const { sign } = await signStandardWebhook({ id, timestamp, payload: body }, SECRET);
      return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': sign } };
    }),
  );
}

async function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const url: string = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const hub = /"server\.started","url":"([^"]+)"/.exec(out)?.[1];
      const bare = /^(http:\/\/\S+)\n/.exec(out)?.[1];
      if (hub ?? bare) resolve((hub ?? bare)!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  return { url, child };
}

/** CONNECTIONS requests in flight for SECONDS; answers that are 2xx count. */
async function closedLoop(url: string, requests: Signed[]): Promise<{ perSecond: number; ok: number; failed: number }> {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  let next = 0;
  let ok = 0;
  let failed = 0;
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until && next < requests.length) {
        const r = requests[next++]!;
        const response = await pool.request({ path: PATH, method: 'POST', headers: r.headers, body: r.body });
        await response.body.dump();
        if (response.statusCode < 300) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { perSecond: (ok + failed) / elapsed, ok, failed };
}

/** RATE requests/s, each sent at its own due instant; latency counts from that instant. */
async function openLoop(url: string, requests: Signed[]): Promise<{ p50: number; p99: number; sent: number }> {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  const gap = 1000 / RATE;
  const latencies: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < requests.length; i++) {
    const due = start + i * gap;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1));
    while (performance.now() < due); // the last millisecond spun, for an even pace
    const r = requests[i]!;
    inFlight.push(
      pool.request({ path: PATH, method: 'POST', headers: r.headers, body: r.body }).then(async (response) => {
        await response.body.dump();
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(inFlight);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99), sent: requests.length };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-http-'));
  const config = join(dir, 'hub.yaml');
  writeFileSync(config, `shops:\n  - { channel: webhook, shop: site, secret: "\${env:BENCH_HOOK_SECRET}" }\n`);
  const dataKeys = `bench=${Buffer.from(new Uint8Array(32).fill(7)).toString('base64')}`;
  const db = `file:${join(dir, 'hub.db')}`;
  const hub = await start([...(process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), 'bin/hub.js', '--config', config, 'serve', '--port', '0', '--db', db], { BENCH_HOOK_SECRET: SECRET, HUB_DATA_KEYS: dataKeys });
  const bare = await start(['--import', 'tsx', 'bench/support/bare-hono.ts']);
  const perRound = CONNECTIONS * 2000 * SECONDS; // more than either can take in SECONDS
  const hubRates: number[] = [];
  const bareRates: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  let acknowledged = 0;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const requests = await signedOrders(Math.min(perRound, 60_000), `r${round}`);
      const hubRun = await closedLoop(hub.url, requests);
      const bareRun = await closedLoop(bare.url, requests);
      acknowledged += hubRun.ok;
      const paced = await openLoop(hub.url, await signedOrders(RATE * SECONDS, `p${round}`));
      acknowledged += paced.sent;
      hubRates.push(hubRun.perSecond);
      bareRates.push(bareRun.perSecond);
      p50s.push(paced.p50);
      p99s.push(paced.p99);
      console.log(`round ${round}: hub ${hubRun.perSecond.toFixed(0)}/s (${hubRun.failed} failed), bare Hono ${bareRun.perSecond.toFixed(0)}/s, paced ${RATE}/s p50 ${paced.p50.toFixed(2)} ms p99 ${paced.p99.toFixed(2)} ms`);
    }
  } finally {
    hub.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    await new Promise((r) => hub.child.once('exit', r));
  }
  const store = await openLibsqlStore({ url: db });
  const n = Number((await store.query("SELECT count(*) AS n FROM orders WHERE channel = 'webhook'"))[0]?.n ?? 0);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const hubRate = median(hubRates);
  const bareRate = median(bareRates);
  console.log(`\nmedian of ${ROUNDS} rounds, ${CONNECTIONS} connections:`);
  console.log(`  hub webhook route  ${hubRate.toFixed(0)} durable orders/s   (goal ≥ 5,000)`);
  console.log(`  bare Hono route    ${bareRate.toFixed(0)} requests/s`);
  console.log(`  ratio              ${(hubRate / bareRate).toFixed(3)}`);
  console.log(`  at an even ${RATE}/s: p50 ${median(p50s).toFixed(2)} ms, p99 ${median(p99s).toFixed(2)} ms   (goal p99 ≤ 10 ms)`);
  console.log(`  acknowledged ${acknowledged}, in the database ${n}${n === acknowledged ? ' ✓' : ' ✗ MISSING'}`);
  if (n !== acknowledged) process.exitCode = 1;
}

await main();
