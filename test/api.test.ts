/**
 * The admin API over a running hub: keys and roles, tenant isolation on every route, the
 * order's whole story, stock, deliveries and dead letters, quarantine, mappings, the audit log.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStandardWebhook } from '../connectors/webhook/index.ts';
import type { Store } from '../core/store/port.ts';
import { parseConfig } from '../runtime/config.ts';
import { startServer, type Running } from '../runtime/serve.ts';
import { apiRoutes, createApiKey, type ApiRoute } from '../runtime/server/api/index.ts';
import { openLibsqlStore } from '../runtime/store/libsql.ts';
import { parseDataKeys } from '../core/order/sealing.ts';
import { pushPaidOrder } from './support/site-shop.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const DATA_KEYS = `k1=${btoa(String.fromCharCode(...new Uint8Array(32).fill(5)))}`;
const db = `file:${join(mkdtempSync(join(tmpdir(), 'hub-api-')), 'hub.db')}`;
let running: Running;
let store: Store;
const keys: Record<'viewer' | 'operator' | 'admin' | 'otherTenant' | 'revoked', string> = {} as never;
const ids: { order: string; delivery: string; quarantine: string; key: string } = {} as never;

const CONFIG = `shops:
  - { channel: webhook, shop: site, tenant: t1, secret: "\${env:HOOK}" }
routing:
  locations: [{ id: wh-sh, name: 上海仓, kind: warehouse, province: 上海, carriers: [sf] }]
  rules: [{ name: all, strategy: priority, locations: [wh-sh] }]
deliveries:
  - { kind: erp.sale_order, target: erp }
targets:
  erp: { adapter: http-webhook, url: "http://127.0.0.1:9/sale-orders" }
delivery: { maxAttempts: 1 }
`;

async function api(path: string, key: string | null, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${running.url}/api${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  // The test writes only before the hub starts: libsql waits for a lock synchronously, and in one
  // process that wait would stall the hub holding it. Afterwards it only reads (WAL lets it).
  store = await openLibsqlStore({ url: db });
  await store.batch([{ sql: "INSERT INTO stock_levels (tenant, sku, location, on_hand, reserved, safety, updated_at) VALUES ('t1', 'SKU-1', 'wh-sh', 10, 0, 0, '2024-01-01T00:00:00Z')" }]);
  keys.viewer = (await createApiKey(store, { tenant: 't1', name: 'dashboard', role: 'viewer' })).key;
  keys.operator = (await createApiKey(store, { tenant: 't1', name: 'ops', role: 'operator' })).key;
  const admin = await createApiKey(store, { tenant: 't1', name: 'owner', role: 'admin' });
  keys.admin = admin.key;
  ids.key = admin.id;
  keys.otherTenant = (await createApiKey(store, { tenant: 't2', name: 'other', role: 'admin' })).key;
  running = await startServer(parseConfig(CONFIG, 'hub.yaml', { HOOK: SECRET }), { port: 0, url: db, log: () => undefined, dataKeys: parseDataKeys(DATA_KEYS) });

  expect(await pushPaidOrder(running.url, SECRET, 'WEB-1')).toBe(204);
  // A payload the mapping cannot read (items missing) lands in quarantine.
  const body = JSON.stringify({ id: 'WEB-BAD', status: 'paid', createdAt: '2024-05-01T10:00:00+08:00', updatedAt: '2024-05-01T10:00:00+08:00', total: '1.00' });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const { sign } = await signStandardWebhook({ id: 'msg-bad', timestamp, payload: body }, SECRET);
  await fetch(`${running.url}/webhooks/webhook/site`, { method: 'POST', headers: { 'webhook-id': 'msg-bad', 'webhook-timestamp': timestamp, 'webhook-signature': sign }, body });

  ids.order = String((await store.query("SELECT id FROM orders WHERE tenant = 't1' AND external_id = 'WEB-1'"))[0]!.id);
  ids.quarantine = String((await store.query("SELECT id FROM quarantine WHERE tenant = 't1'"))[0]!.id);
  // The ERP is unreachable and one attempt is allowed: the sale order becomes a dead letter.
  ids.delivery = await until(async () => {
    const [row] = await store.query("SELECT id FROM outbox WHERE tenant = 't1' AND status = 'dead'");
    return row ? String(row.id) : undefined;
  }, 'the dead letter');
});

afterAll(async () => {
  await store?.close();
  await running?.stop();
});

describe('keys and roles', () => {
  it('turns away a missing, malformed, wrong or revoked key', async () => {
    expect((await api('/orders', null)).status).toBe(401);
    expect((await api('/orders', 'hub_nope')).status).toBe(401);
    const forged = keys.viewer.slice(0, -4) + 'AAAA';
    expect((await api('/orders', forged)).status).toBe(401);
    const created = await api('/keys', keys.admin, { method: 'POST', body: { name: 'leaver', role: 'admin' } });
    expect(created.status).toBe(201);
    const revoked = created.body as { id: string; key: string };
    expect(revoked.key).toMatch(/^hub_[0-9a-z]{22}_[\w-]{43}$/);
    expect((await api('/orders', revoked.key)).status).toBe(200);
    expect((await api(`/keys/${revoked.id}`, keys.admin, { method: 'DELETE' })).body).toEqual({ revoked: true });
    const after = await api('/orders', revoked.key);
    expect(after.status).toBe(401);
    expect(after.body.message).toContain('hub keys create');
  });

  it('stores only a hash of the secret', async () => {
    const rows = await store.query('SELECT secret_hash FROM api_keys');
    const secrets = Object.values(keys).map((k) => k.split('_')[2]);
    for (const row of rows) {
      expect(String(row.secret_hash)).toMatch(/^[0-9a-f]{64}$/);
      expect(secrets).not.toContain(String(row.secret_hash));
    }
  });
});

describe('orders', () => {
  it('lists orders with the receiver masked, and finds them by external id, buyer and phone tail', async () => {
    const { status, body } = await api('/orders', keys.viewer);
    expect(status).toBe(200);
    expect(body.orders).toHaveLength(1);
    expect(body.orders[0]).toMatchObject({ id: ids.order, channel: 'webhook', externalId: 'WEB-1', status: 'paid', paid: 11800, receiver: { name: '林***', phone: '138****8000', province: '上海市' }, skus: ['SKU-1'] });
    for (const q of ['WEB-1', 'buyer-WEB-1', '8000', '38000']) expect((await api(`/orders?q=${q}`, keys.viewer)).body.orders.map((o: { id: string }) => o.id)).toEqual([ids.order]);
    expect((await api('/orders?q=9999', keys.viewer)).body.orders).toEqual([]);
    expect((await api('/orders?status=cancelled', keys.viewer)).body.orders).toEqual([]);
  });

  it('pages with a cursor, newest first', async () => {
    for (const id of ['WEB-P1', 'WEB-P2']) expect(await pushPaidOrder(running.url, SECRET, id)).toBe(204);
    const first = await api('/orders?limit=2', keys.viewer);
    expect(first.body.orders.map((o: { externalId: string }) => o.externalId)).toEqual(['WEB-P2', 'WEB-P1']);
    const second = await api(`/orders?limit=2&cursor=${first.body.next}`, keys.viewer);
    expect(second.body).toEqual({ orders: [expect.objectContaining({ externalId: 'WEB-1' })], next: null });
  });

  it('shows one order with its timeline, raw payload (masked), reservation, routing and deliveries', async () => {
    const { body } = await api(`/orders/${ids.order}`, keys.viewer);
    expect(body.timeline).toEqual([
      expect.objectContaining({
        kind: 'created',
        source: body.inbox[0].id,
        detail: expect.objectContaining({ routing: expect.objectContaining({ explanation: expect.any(Array) }), rules: expect.any(Object), released: ['erp.sale_order'] }),
      }),
    ]);
    expect(body.inbox).toHaveLength(1);
    expect(body.inbox[0].payload).toContain('"WEB-1"');
    expect(body.inbox[0].payload).not.toContain('13800138000');
    expect(body.inbox[0].payload).not.toContain('南京西路');
    expect(body.reservations).toEqual([expect.objectContaining({ sku: 'SKU-1', location: 'wh-sh', quantity: 2, status: 'active' })]);
    expect(body.order.shipments).toEqual([expect.objectContaining({ location: 'wh-sh' })]);
    expect(body.deliveries).toEqual([expect.objectContaining({ id: ids.delivery, kind: 'erp.sale_order', status: 'dead', attempts: [expect.objectContaining({ outcome: expect.any(String) })] })]);
    expect(JSON.stringify(body)).not.toContain('13800138000');
  });

  it('keeps receivers and raw payloads sealed in the database', async () => {
    const stored = JSON.stringify(await Promise.all(['orders', 'inbox', 'order_events', 'delivery_attempts', 'audit_log'].map((t) => store.query(`SELECT * FROM ${t}`))));
    for (const secret of ['13800138000', '林小姐', '南京西路']) expect(stored).not.toContain(secret);
    const [row] = await store.query("SELECT doc, phone_tail, address_key FROM orders WHERE external_id = 'WEB-1'");
    expect(JSON.parse(String(row!.doc)).receiver).toMatchObject({ name: expect.stringMatching(/^sealed:v1:k1:/), phone: expect.stringMatching(/^sealed:v1:k1:/), address: expect.stringMatching(/^sealed:v1:k1:/), province: '上海市' });
    expect(row!.phone_tail).toBe('8000');
    expect(row!.address_key).toMatch(/^[0-9a-f]{64}$/);
    expect(String((await store.query("SELECT payload FROM inbox WHERE tenant = 't1' LIMIT 1"))[0]!.payload)).toMatch(/^sealed:v1:k1:/);
  });

  it('reveals the receiver only to an admin, and audits the reveal', async () => {
    expect((await api(`/orders/${ids.order}?reveal=true`, keys.operator)).status).toBe(403);
    const { body } = await api(`/orders/${ids.order}?reveal=true`, keys.admin);
    expect(body.order.receiver.phone).toBe('13800138000');
    expect(body.order.doc.receiver.address).toBe('南京西路1号');
    const audit = await api('/audit?action=revealPersonalData', keys.admin);
    expect(audit.body.entries[0]).toMatchObject({ action: 'revealPersonalData', subject: ids.order, actor: expect.stringContaining('(owner)') });
  });

  it('says what is wrong with a query', async () => {
    expect((await api('/orders?limit=0', keys.viewer)).body).toEqual({ error: 'bad_query', message: 'query parameter "limit" must be an integer from 1 to 500, not "0"' });
    expect((await api('/orders?status=lost', keys.viewer)).body.message).toContain('must be one of pending_payment, paid');
    expect((await api('/orders?sort=asc', keys.viewer)).body.message).toContain('unknown query parameter "sort"');
  });
});

describe('dashboard', () => {
  it('sums the last hour: orders per minute by channel, sales in fen, top SKUs, provinces, targets, quarantine', async () => {
    const { body } = await api('/dashboard?minutes=60', keys.viewer);
    const webhook = body.orders.perMinute.filter((m: { channel: string }) => m.channel === 'webhook');
    expect(webhook.reduce((n: number, m: { orders: number }) => n + m.orders, 0)).toBe(3);
    expect(webhook.reduce((n: number, m: { paid: number }) => n + m.paid, 0)).toBe(3 * 11800);
    expect(body.orders.topSkus).toEqual([{ sku: 'SKU-1', title: 'T恤', quantity: 6, amount: 3 * 11800 }]);
    expect(body.orders.provinces).toEqual([{ province: '上海市', orders: 3, paid: 3 * 11800 }]);
    expect(body.orders.held).toBe(0);
    expect(body.quarantineOpen).toBeGreaterThanOrEqual(1);
    expect(body.targets.map((t: { target: string }) => t.target)).toEqual(['erp']);
    // A window is at least a minute.
    expect((await api('/dashboard?minutes=0', keys.viewer)).status).toBe(400);
  });
});

describe('stock', () => {
  it('shows levels with what the orders reserved, and adjusts them for an operator, audited', async () => {
    const before = (await api('/stock/levels?sku=SKU-1', keys.viewer)).body.levels[0];
    expect(before).toMatchObject({ sku: 'SKU-1', location: 'wh-sh', onHand: 10, reserved: 6, available: 4 });
    expect((await api('/stock/reservations?sku=SKU-1', keys.viewer)).body.reservations).toHaveLength(3);
    expect((await api('/stock/levels?lowAt=3', keys.viewer)).body.levels).toEqual([]);

    const adjustment = { reason: 'goods received', lines: [{ sku: 'SKU-1', location: 'wh-sh', delta: 5 }] };
    expect((await api('/stock/adjustments', keys.viewer, { method: 'POST', body: adjustment })).status).toBe(403);
    expect((await api('/stock/adjustments', keys.operator, { method: 'POST', body: adjustment })).status).toBe(200);
    expect((await api('/stock/levels?sku=SKU-1', keys.viewer)).body.levels[0]).toMatchObject({ onHand: 15, available: 9 });
    const [adjusted] = await store.query("SELECT actor, reason, delta FROM stock_adjustments WHERE tenant = 't1'");
    expect(adjusted).toMatchObject({ reason: 'goods received', delta: 5, actor: expect.stringMatching(/^key:/) });
    const audit = (await api('/audit?action=adjustStock', keys.admin)).body.entries;
    expect(audit.map((e: { status: number; actor: string }) => [e.status, e.actor])).toEqual([[200, expect.stringContaining('(ops)')]]);
  });

  it('refuses a body that does not fit, saying where', async () => {
    const { status, body } = await api('/stock/adjustments', keys.operator, { method: 'POST', body: { reason: 'x', lines: [{ sku: 'SKU-1', location: 'wh-sh', delta: 1.5 }] } });
    expect(status).toBe(400);
    expect(body.message).toContain('/lines/0/delta must be integer');
    expect((await api('/stock/adjustments', keys.operator, { method: 'POST', body: '{"reason":' })).body.error).toBe('bad_json');
  });
});

describe('deliveries and dead letters', () => {
  it('shows a dead letter with its attempt, and replays it', async () => {
    const dead = await api('/deliveries?status=dead', keys.viewer);
    expect(dead.body.deliveries.map((d: { id: string }) => d.id)).toContain(ids.delivery);
    const detail = await api(`/deliveries/${ids.delivery}`, keys.viewer);
    expect(detail.body.attempts[0]).toMatchObject({ outcome: expect.stringMatching(/failed|retry|unknown/), request: expect.objectContaining({ url: 'http://127.0.0.1:9/sale-orders' }) });
    const health = (await api('/targets/health', keys.viewer)).body.targets.find((t: { target: string }) => t.target === 'erp');
    const [deadRows] = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND target = 'erp' AND status = 'dead'");
    expect(health).toMatchObject({ dead: Number(deadRows!.n), succeeded: 0, successRate: 0 });
    expect(health.dead).toBeGreaterThan(0);

    expect((await api(`/deliveries/${ids.delivery}/replay`, keys.viewer, { method: 'POST' })).status).toBe(403);
    expect((await api(`/deliveries/${ids.delivery}/replay`, keys.operator, { method: 'POST' })).body).toEqual({ replayed: 1 });
    // Sent again, and (the ERP still unreachable, one attempt allowed) dead again.
    await until(async () => {
      const [row] = await store.query("SELECT count(*) AS n FROM delivery_attempts WHERE tenant = 't1' AND delivery_id = ?", [ids.delivery]);
      const [state] = await store.query("SELECT status FROM outbox WHERE tenant = 't1' AND id = ?", [ids.delivery]);
      return row!.n === 2 && state!.status === 'dead' ? true : undefined;
    }, 'the replayed delivery to be tried again');
    expect((await api('/audit?action=replayDeadLetter', keys.admin)).body.entries[0]).toMatchObject({ subject: ids.delivery, status: 200 });
  });
});

describe('quarantine', () => {
  it('shows a quarantined payload with the mapping position, and replays it', async () => {
    const list = await api('/quarantine', keys.viewer);
    expect(list.body.items).toEqual([expect.objectContaining({ id: ids.quarantine, channel: 'webhook', kind: expect.stringMatching(/mapping|schema/) })]);
    const one = await api(`/quarantine/${ids.quarantine}`, keys.viewer);
    expect(one.body.payload).toContain('WEB-BAD');
    const replay = await api(`/quarantine/${ids.quarantine}/replay`, keys.operator, { method: 'POST' });
    expect(replay.body.results).toEqual([expect.objectContaining({ quarantined: expect.any(Array) })]);
  });
});

describe('mappings', () => {
  const input = readFileSync(new URL('../mappings/webhook.cases/01-paid-two-lines-discount-shipping.input.json', import.meta.url), 'utf8');

  it("dry-runs a channel's mapping on a pasted payload without storing it", async () => {
    const orders = await store.query("SELECT count(*) AS n FROM orders WHERE tenant = 't1'");
    const { body } = await api('/mappings/dry-run', keys.viewer, { method: 'POST', body: { channel: 'webhook', payload: input } });
    expect(body).toMatchObject({ ok: true, errors: [], outputs: [expect.objectContaining({ externalId: 'WEB-10001', amounts: expect.objectContaining({ paid: expect.any(Number) }) })] });
    expect(await store.query("SELECT count(*) AS n FROM orders WHERE tenant = 't1'")).toEqual(orders);
    expect(await store.query("SELECT count(*) AS n FROM audit_log WHERE action = 'dryRunMapping'")).toEqual([{ n: 0 }]);
  });

  it('points at the payload line of malformed JSON and at the mapping line of a typo', async () => {
    const broken = await api('/mappings/dry-run', keys.viewer, { method: 'POST', body: { channel: 'webhook', payload: '{\n  "id": "W",\n  "status" "paid"\n}' } });
    expect(broken.body.errors).toEqual([expect.objectContaining({ kind: 'payload', payloadLine: 3 })]);
    const text = (await api('/mappings', keys.viewer)).body.mappings.find((m: { channel: string }) => m.channel === 'webhook').text as string;
    const typo = text.replace('externalId:', 'externalld:');
    const line = text.slice(0, text.indexOf('externalId:')).split('\n').length;
    const linted = await api('/mappings/lint', keys.viewer, { method: 'POST', body: { text: typo } });
    expect(linted.body.ok).toBe(false);
    expect(linted.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'error', line, message: expect.stringContaining('externalId') })]));
  });
});

describe('every route', () => {
  // A body each write route accepts; a new route without one fails here.
  const SAMPLE_BODIES: Record<string, unknown> = {
    adjustStock: { reason: 'count', lines: [{ sku: 'SKU-1', location: 'wh-sh', set: 3 }] },
    replayDeadLetters: { all: true },
    replayQuarantinedChannel: { channel: 'webhook' },
    lintMapping: { text: 'output: {}' },
    dryRunMapping: { channel: 'webhook', payload: '{}' },
    createApiKey: { name: 'x', role: 'viewer' },
  };
  const routes = (): ApiRoute[] => apiRoutes({ store, pipeline: null as never, mappings: [], attributes: {} });
  const pathOf = (route: ApiRoute) =>
    route.path.replace('{id}', () => {
      if (route.tag === 'orders') return ids.order;
      if (route.tag === 'deliveries') return ids.delivery;
      if (route.tag === 'quarantine') return ids.quarantine;
      return ids.key;
    });
  const call = (route: ApiRoute, key: string) => api(pathOf(route), key, { method: route.method.toUpperCase(), ...(route.body ? { body: SAMPLE_BODIES[route.operationId] } : {}) });

  it('is described in /api/openapi.json', async () => {
    const document = (await (await fetch(`${running.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; 'x-required-role': string }>> };
    const described = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `${method} ${path} ${op.operationId} ${op['x-required-role']}`));
    expect(described.sort()).toEqual(routes().map((r) => `${r.method} /api${r.path} ${r.operationId} ${r.role}`).sort());
    expect(described.length).toBeGreaterThanOrEqual(20);
  });

  it("never reads or changes another tenant's rows", async () => {
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all(
          ['orders', 'stock_levels', 'reservations', 'outbox', 'quarantine', 'api_keys'].map((table) => store.query(`SELECT * FROM ${table} WHERE tenant = 't1' ORDER BY 1, 2`)),
        ),
      );
    // The dispatcher settles t1's deliveries first, so only the calls below could change t1.
    await until(async () => ((await store.query("SELECT 1 FROM outbox WHERE tenant = 't1' AND status IN ('pending', 'sending')")).length ? undefined : true), 't1 deliveries to settle');
    const before = await snapshot();
    for (const route of routes()) {
      expect(route.body === undefined || route.operationId in SAMPLE_BODIES, `${route.operationId} needs a sample body`).toBe(true);
      const { status, body } = await call(route, keys.otherTenant);
      if (route.operationId === 'listAudit') {
        // t2's log holds t2's own requests (which named t1's ids), and nothing else.
        expect(body.entries.map((e: { actor: string }) => e.actor)).toEqual(body.entries.map(() => expect.stringContaining('(other)')));
        continue;
      }
      // A 404 may repeat the id it was asked for; nothing else of t1 may appear.
      const text = JSON.stringify(body).replace(pathOf(route).split('/')[2] ?? '', '');
      for (const id of Object.values(ids)) expect(text, `${route.operationId} leaked ${id}`).not.toContain(id);
      expect(text).not.toContain('WEB-1');
      if (route.path.includes('{id}')) expect(status, route.operationId).toBe(404);
    }
    expect(await snapshot()).toBe(before);
  });

  it('refuses a key whose role is too low', async () => {
    const lower = { viewer: null, operator: keys.viewer, admin: keys.operator } as const;
    let checked = 0;
    for (const route of routes()) {
      const key = lower[route.role];
      if (!key) continue;
      const { status, body } = await call(route, key);
      expect(status, route.operationId).toBe(403);
      expect(body.message).toContain(`needs the ${route.role} role`);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});

describe('/metrics', () => {
  it('counts orders, quarantine, deliveries and attempt latency from the database, in the Prometheus format', async () => {
    const response = await fetch(`${running.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await response.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}.+]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    const [counts] = await store.query("SELECT (SELECT count(*) FROM orders WHERE tenant = 't1') AS orders, (SELECT count(*) FROM delivery_attempts WHERE tenant = 't1' AND target = 'erp') AS attempts, (SELECT count(*) FROM outbox WHERE tenant = 't1' AND status = 'dead') AS dead");
    expect(value('hub_orders_total{tenant="t1",channel="webhook"}')).toBe(3);
    expect(value('hub_orders_total{tenant="t1",channel="webhook"}')).toBe(Number(counts!.orders));
    expect(value('hub_quarantine_open{tenant="t1",channel="webhook"}')).toBeGreaterThanOrEqual(1);
    expect(value('hub_deliveries{tenant="t1",target="erp",status="dead"}')).toBe(Number(counts!.dead));
    expect(value('hub_delivery_attempt_duration_seconds_count{tenant="t1",target="erp"}')).toBe(Number(counts!.attempts));
    expect(value('hub_delivery_attempt_duration_seconds_bucket{tenant="t1",target="erp",le="+Inf"}')).toBe(Number(counts!.attempts));
    expect(value('hub_delivery_attempt_duration_seconds_bucket{tenant="t1",target="erp",le="10"}')).toBeLessThanOrEqual(Number(counts!.attempts));
    expect(text).toContain('# TYPE hub_delivery_attempt_duration_seconds histogram');
  });

  it('is ready once the database answers with its schema', async () => {
    expect(await (await fetch(`${running.url}/readyz`)).json()).toEqual({ ready: true, schema: readdirSync(new URL('../core/store/migrations/', import.meta.url)).filter((f) => f.endsWith('.sql')).length });
  });
});
