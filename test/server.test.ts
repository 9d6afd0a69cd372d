import { CallPacer } from '../runtime/call-pacer.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStandardWebhook } from '../connectors/webhook/index.ts';
import { parseConfig } from '../runtime/config.ts';
import { bindShops } from '../runtime/connectors.ts';
import { createApp } from '../runtime/server/app.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const db = `file:${join(mkdtempSync(join(tmpdir(), 'hub-serve-')), 'hub.db')}`;
let running: Running;

beforeAll(async () => {
  const config = parseConfig(
    `shops:
  - { channel: webhook, shop: site, tenant: t1, secret: "\${env:SITE_HOOK_SECRET}" }
  - { channel: pos, shop: SH-XUJIAHUI, tenant: t1 }
`,
    'hub.yaml',
    { SITE_HOOK_SECRET: SECRET },
  );
  running = await startServer(config, { port: 0, url: db, log: () => undefined });
});
afterAll(async () => running.stop());

async function push(body: string, id = 'msg_1', secret = SECRET, timestamp = Math.floor(Date.now() / 1000)) {
  const { sign } = await signStandardWebhook({ id, timestamp: String(timestamp), payload: body }, secret);
  return fetch(`${running.url}/webhooks/webhook/site`, { method: 'POST', headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign, 'content-type': 'application/json' }, body });
}

const ORDER = JSON.stringify({
  id: 'WEB-1',
  status: 'paid',
  createdAt: '2024-05-01T10:00:00+08:00',
  updatedAt: '2024-05-01T10:00:00+08:00',
  items: [{ sku: 'S1', title: 'T', quantity: 1, price: '9.90' }],
  total: '9.90',
});

describe('hub serve', () => {
  it('answers health', async () => {
    expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ ok: true });
  });

  it('takes a signed webhook, keeps it, and drops a replay of the same message', async () => {
    expect((await push(ORDER)).status).toBe(204);
    expect((await push(ORDER)).status).toBe(204);
    const store = await openLibsqlStore({ url: db });
    try {
      expect(await store.query("SELECT external_id, status FROM orders WHERE tenant = 't1'")).toEqual([{ external_id: 'WEB-1', status: 'paid' }]);
      expect(await store.query("SELECT count(*) AS n FROM inbox WHERE tenant = 't1' AND channel = 'webhook'")).toEqual([{ n: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('refuses a forged or stale webhook in the Standard Webhooks way', async () => {
    const forged = await push(ORDER, 'msg_2', 'whsec_b3RoZXI=');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: 'no webhook-signature matches' });
    const stale = await push(ORDER, 'msg_3', SECRET, Math.floor(Date.now() / 1000) - 600);
    expect(await stale.json()).toEqual({ error: 'webhook-timestamp is more than 5 minutes away' });
    expect((await fetch(`${running.url}/webhooks/webhook/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    // Counted by outcome, with the accepted push and its replay from the test before.
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    const count = (outcome: string) => Number(new RegExp(`^hub_push_requests_total\\{tenant="t1",channel="webhook",shop="site",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect([count('accepted'), count('replayed'), count('rejected')]).toEqual([1, 1, 2]);
  });

  it('takes a store sales CSV in GBK', async () => {
    const csv = 'receipt,store,sold_at,sku,name,qty,price\nR9,SH-XUJIAHUI,2024-05-01 10:00:00,SP-1,纯棉短袖,2,59.00\n';
    const bytes = encodeGbk(csv);
    const response = await fetch(`${running.url}/pos/SH-XUJIAHUI/sales`, { method: 'POST', headers: { 'content-type': 'text/csv; charset=gbk' }, body: bytes });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { orders: Array<{ externalId: string; status: string }> };
    expect(result.orders).toEqual([expect.objectContaining({ externalId: 'SH-XUJIAHUI-R9', status: 'completed' })]);
    const store = await openLibsqlStore({ url: db });
    try {
      const [row] = await store.query("SELECT doc FROM orders WHERE tenant = 't1' AND external_id = 'SH-XUJIAHUI-R9'");
      expect(JSON.parse(String(row!.doc)).lines[0].title).toBe('纯棉短袖');
    } finally {
      await store.close();
    }
  });
});

/** GBK bytes of ASCII plus the four characters this test uses (from the GBK code table). */
function encodeGbk(text: string): Uint8Array<ArrayBuffer> {
  const table: Record<string, [number, number]> = { 纯: [0xb4, 0xbf], 棉: [0xc3, 0xde], 短: [0xb6, 0xcc], 袖: [0xd0, 0xe4] };
  const out: number[] = [];
  for (const ch of text) {
    const code = table[ch];
    if (code) out.push(...code);
    else out.push(ch.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

describe('GET /shops/health', () => {
  it('shows each shop\'s credential state and decrypt quota, warning of a token due or failing or a quota used up, and never the token', async () => {
    const token = (state: 'valid' | 'refresh-due', failures = 0) => ({ state, expiresAt: '2024-05-08T10:00:00.000Z', lastRefreshAt: '2024-05-01T10:00:00.000Z', lastRefreshError: failures ? 'invalid client' : null, consecutiveRefreshFailures: failures });
    const shop = (name: string, health?: () => { token: ReturnType<typeof token> }) => ({ tenant: 't1', channel: 'youzan', shop: name, connector: { channel: 'youzan', limits: {}, ...(health ? { health } : {}) } });
    const decrypt = { day: '2024-05-01', calls: 500, limit: 500, exhausted: true, skippedOrders: 12 };
    const douyin = { tenant: 't1', channel: 'douyin', shop: 'd', connector: { channel: 'douyin', limits: {}, quota: { decrypt } } };
    // Shop a's last sweep found nothing missing; shop c's app is held after a ban and its sweep found two.
    const sweep = (found: number) => ({ from: '2024-04-30T10:00:00.000Z', to: '2024-05-01T10:00:00.000Z', pages: 3, listedAgain: found, found, at: '2024-05-01T10:01:00.000Z' });
    const held = new CallPacer('youzan:c', {});
    held.hold(60_000);
    const shops = [{ ...shop('a', () => ({ token: token('valid') })), lastSweep: sweep(0) }, shop('b', () => ({ token: token('refresh-due', 2) })), { ...shop('c'), pacer: held, lastSweep: sweep(2) }, douyin];
    const app = createApp({ store: {} as never, pipeline: {} as never, shops });
    const body = await (await app.request('/shops/health')).json();
    expect(body[2].calls.heldForMs).toBeGreaterThan(59_000);
    body[2].calls.heldForMs = 60_000;
    expect(body).toEqual([
      { tenant: 't1', channel: 'youzan', shop: 'a', credentials: { token: token('valid') }, decrypt: null, calls: null, lastSweep: sweep(0), warning: false },
      { tenant: 't1', channel: 'youzan', shop: 'b', credentials: { token: token('refresh-due', 2) }, decrypt: null, calls: null, lastSweep: null, warning: true },
      { tenant: 't1', channel: 'youzan', shop: 'c', credentials: null, decrypt: null, calls: { app: 'youzan:c', heldForMs: 60_000 }, lastSweep: sweep(2), warning: true },
      // Douyin meters receiver decryption: a day's quota used up keeps receivers masked, which needs a person.
      { tenant: 't1', channel: 'douyin', shop: 'd', credentials: null, decrypt, calls: null, lastSweep: null, warning: true },
    ]);
  });

  it('knows a hand-issued token by its configured expiry, and warns 3 days ahead', async () => {
    const config = parseConfig(
      `shops:
  - { channel: jd, shop: main, baseUrl: "http://127.0.0.1:9", appKey: k, appSecret: s, accessToken: t, tokenExpiresAt: "2024-05-10T00:00:00+08:00" }
`,
      'hub.yaml',
      {},
    );
    const stateOn = (day: string) => bindShops(config, { now: () => Date.parse(day) })[0]!.connector.health!().token.state;
    expect([stateOn('2024-05-06T00:00:00+08:00'), stateOn('2024-05-08T00:00:00+08:00'), stateOn('2024-05-10T00:00:00+08:00')]).toEqual(['valid', 'refresh-due', 'expired']);
  });
});
