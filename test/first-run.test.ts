/**
 * `npm start` on a fresh machine: `hub serve --sandboxes` with the repo's hub.yaml starts the
 * simulators on loopback, and orders from all six channels come in, are routed, and reach the
 * ERP, the WMS, the carrier and the bots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
let hub: ChildProcess;
let url = '';
let key = '';
let startedAt = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-first-run-'));
  startedAt = Date.now();
  hub = spawn(process.execPath, ['bin/hub.js', 'serve', '--sandboxes', '--port', '0', '--db', `file:${join(dir, 'hub.db')}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    hub.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      key = /admin API key for this run: (\S+)/.exec(stderr)?.[1] ?? key;
    });
    hub.stdout!.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) {
        if (line.includes('"server.started"')) {
          url = JSON.parse(line).url;
          resolve();
        }
      }
    });
    hub.once('exit', (code) => reject(new Error(`hub serve exited with ${code}: ${stderr}`)));
  });
}, 30_000);

afterAll(async () => {
  if (!hub || hub.exitCode !== null) return;
  const exited = new Promise((r) => hub.once('exit', r));
  hub.kill('SIGTERM');
  await exited;
});

const api = async (path: string) => (await fetch(`${url}/api${path}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<any>;

describe('the first run', () => {
  it('takes orders from all six channels and delivers to the sandbox ERP, WMS, carrier and bots', { timeout: 60_000 }, async () => {
    const channels = ['tmall', 'jd', 'douyin', 'youzan', 'webhook', 'pos'];
    const targets = ['kingdee', 'qimen', 'sf', 'dingtalk', 'wecom'];
    let seen: Record<string, number> = {};
    let delivered: Record<string, number> = {};
    const firstAt: Record<string, number> = {};
    for (let i = 0; i < 120; i++) {
      seen = Object.fromEntries(await Promise.all(channels.map(async (c) => [c, (await api(`/orders?channel=${c}&limit=5`)).orders.length])));
      delivered = Object.fromEntries(await Promise.all(targets.map(async (t) => [t, (await api(`/deliveries?target=${t}&status=delivered&limit=5`)).deliveries.length])));
      for (const [k, n] of [...Object.entries(seen), ...Object.entries(delivered)]) if (n > 0) firstAt[k] ??= Date.now() - startedAt;
      if (Object.values(seen).every((n) => n > 0) && Object.values(delivered).every((n) => n > 0)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toEqual(Object.fromEntries(channels.map((c) => [c, expect.any(Number)])));
    for (const c of channels) expect(seen[c], `orders from ${c}`).toBeGreaterThan(0);
    for (const t of targets) expect(delivered[t], `deliveries to ${t}`).toBeGreaterThan(0);
    console.info(`first run: every channel in and every target reached ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start`, firstAt);

    // An order from a platform has been routed to a warehouse, and its sale order is in the ERP.
    const [paid] = (await api('/orders?channel=jd&status=paid&held=false&limit=1')).orders;
    const detail = await api(`/orders/${paid.id}`);
    expect(detail.order.shipments.length).toBeGreaterThan(0);
    expect(detail.deliveries.map((d: { kind: string }) => d.kind)).toContain('erp.sale_order');
  });
});
