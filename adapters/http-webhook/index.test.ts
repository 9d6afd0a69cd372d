import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../core/outbox/index.ts';
import { insertRows } from '../../core/store/port.ts';
import { openLibsqlStore } from '../../runtime/store/libsql.ts';
import { createHttpWebhookAdapter, retryAfterMs, signWebhook } from './index.ts';
import { startWebhookSandbox, type WebhookSandbox } from './sandbox/server.ts';

const delivery = { tenant: 't1', id: 'dlv_1', target: 'crm', kind: 'erp.sale_order', idempotencyKey: 'erp.sale_order/tmall/1', orderId: null, payload: { orderId: 'ord_1' }, attempts: 0, createdAt: '2024-05-01T00:00:00Z' };
let sandbox: WebhookSandbox | undefined;
afterEach(async () => sandbox?.close());

async function answering(status: number, headers: Record<string, string> = {}, body = ''): Promise<{ url: string; close: () => void }> {
  const server = createServer((_, res) => res.writeHead(status, headers).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

describe('the generic webhook adapter', () => {
  it('signs HMAC-SHA256 over "<timestamp>.<body>" in hex', async () => {
    const expected = createHmac('sha256', 'shh').update('1714528800.{"a":1}').digest('hex');
    expect(await signWebhook('shh', 1714528800, '{"a":1}')).toBe(`v1=${expected}`);
  });

  it('delivers to a receiver that checks the signature, once per key', async () => {
    sandbox = await startWebhookSandbox({ secret: 'shh' });
    const adapter = createHttpWebhookAdapter({ url: sandbox.url, secret: 'shh' }, { fetch });
    expect(await adapter.send(delivery)).toMatchObject({ outcome: 'delivered', response: { status: 200 } });
    await adapter.send(delivery);
    expect(sandbox.received.size).toBe(1);
    expect(sandbox.duplicates).toBe(1);
    const unsigned = createHttpWebhookAdapter({ url: sandbox.url, secret: 'wrong' }, { fetch });
    expect(await unsigned.send(delivery)).toMatchObject({ outcome: 'failed', code: 'HTTP 401', reason: 'bad signature' });
  });

  it('retries 5xx and 429 with the Retry-After hint, and fails other 4xx for good', async () => {
    const busy = await answering(429, { 'retry-after': '7' });
    const broken = await answering(422, {}, '{"error":"unknown sku"}');
    try {
      expect(await createHttpWebhookAdapter({ url: busy.url }, { fetch }).send(delivery)).toMatchObject({ outcome: 'retry', reason: 'HTTP 429', afterMs: 7000 });
      expect(await createHttpWebhookAdapter({ url: broken.url }, { fetch }).send(delivery)).toMatchObject({ outcome: 'failed', code: 'HTTP 422', reason: '{"error":"unknown sku"}' });
      expect(await createHttpWebhookAdapter({ url: 'http://127.0.0.1:1/' }, { fetch }).send(delivery)).toMatchObject({ outcome: 'retry', reason: expect.stringMatching(/^no response/) });
    } finally {
      busy.close();
      broken.close();
    }
    expect(retryAfterMs('Wed, 01 May 2024 00:00:10 GMT', Date.parse('2024-05-01T00:00:00Z'))).toBe(10_000);
  });

  it('gets every delivery through a receiver that fails 30% of calls, each exactly once', async () => {
    sandbox = await startWebhookSandbox({ secret: 'shh', failRate: 0.3 });
    const store = await openLibsqlStore({ url: ':memory:' });
    const at = new Date().toISOString();
    await store.batch(insertRows('outbox', ['tenant', 'id', 'target', 'kind', 'idempotency_key', 'payload', 'status', 'priority', 'next_attempt_at', 'created_at', 'updated_at'],
      Array.from({ length: 60 }, (_, i) => ['t1', `dlv_${i}`, 'crm', 'erp.sale_order', `key-${i}`, '{}', 'pending', 0, at, at, at])));
    const dispatcher = new Dispatcher(store, { crm: createHttpWebhookAdapter({ url: sandbox.url, secret: 'shh' }, { fetch }) }, { tenants: ['t1'], backoff: { baseMs: 1, capMs: 5 } });
    for (let round = 0; round < 50; round++) {
      await dispatcher.runOnce();
      const [left] = await store.query("SELECT count(*) AS n FROM outbox WHERE tenant = 't1' AND status != 'delivered'");
      if (left!.n === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // The sandbox asked for 1 s pauses (Retry-After); the backoff cap (5 ms) bounds them here.
    expect(await store.query("SELECT status, count(*) AS n FROM outbox WHERE tenant = 't1' GROUP BY status")).toEqual([{ status: 'delivered', n: 60 }]);
    expect(sandbox.received.size).toBe(60);
    expect(sandbox.duplicates).toBe(0);
    await store.close();
  });
});
