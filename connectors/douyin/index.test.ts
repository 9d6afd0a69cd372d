import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { PullPage } from '../../core/connector/types.ts';
import { DoudianClient } from './client.ts';
import { createDouyinConnector, type DouyinShopConfig } from './index.ts';
import { startDouyinSandbox, type DouyinSandbox, type DouyinSandboxOptions } from './sandbox/server.ts';

const NOW_S = Math.floor(Date.now() / 1000);
const T0 = NOW_S - 7200;
const T1 = NOW_S - 600;
const iso = (s: number) => new Date(s * 1000).toISOString();

let sim: DouyinSandbox | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function world(options: DouyinSandboxOptions = {}) {
  sim = await startDouyinSandbox({ orders: 45, from: T0 + 60, to: T1 - 60, ...options });
  return sim;
}

function connector(s: DouyinSandbox, extra: Partial<DouyinShopConfig> = {}) {
  return createDouyinConnector({ channel: 'douyin', shop: '4463798', baseUrl: s.url, appKey: s.appKey, appSecret: s.appSecret, accessToken: s.accessToken, pageSize: 10, ...extra }, { fetch, now: Date.now });
}

type Order = Record<string, unknown> & { order_id: string };

/** Pulls a window to its end; a retry is asked again with the same cursor. */
async function pullAll(c: ReturnType<typeof connector>, from: number, to: number, maxCalls = 100): Promise<{ orders: Order[]; pages: PullPage[] }> {
  const orders: Order[] = [];
  const pages: PullPage[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxCalls; i++) {
    const page = await c.pull({ from: iso(from), to: iso(to), ...(cursor ? { cursor } : {}) });
    pages.push(page);
    if (!page.ok) continue;
    orders.push(...(page.orders as Order[]));
    if (page.next === null) return { orders, pages };
    cursor = page.next;
  }
  throw new Error('the pull did not finish');
}

const ids = (orders: Order[]) => orders.map((o) => o.order_id);
const searches = (s: DouyinSandbox) => s.calls.filter((c) => c.method === 'order.searchList');

describe('pull', () => {
  it('pages the window by update_time ascending and returns every order once, big ids exact', async () => {
    const s = await world();
    const { orders } = await pullAll(connector(s), T0, T1);
    expect(ids(orders).sort()).toEqual([...s.orders.keys()].sort());
    expect(new Set(ids(orders)).size).toBe(orders.length);
    // The first request, as signed and sent.
    expect(searches(s)[0]).toMatchObject({
      httpMethod: 'POST',
      code: 10000,
      params: { update_time_start: T0, update_time_end: T1, order_by: 'update_time', order_asc: true, page: 0, size: 10 },
      common: { app_key: s.appKey, method: 'order.searchList', v: '2', sign_method: 'hmac-sha256' },
    });
    // product_id passes 2^53 and comes out digit for digit.
    const first = orders.find((o) => o.order_id === [...s.orders.keys()][0])!;
    expect((first.sku_order_list as Array<{ product_id: unknown }>)[0]!.product_id).toBe('3701938475610298874');
    expect(first).toHaveProperty('encrypt_post_receiver');
    expect(first).not.toHaveProperty('post_receiver');
  });

  it('answers an empty window with one call, no orders and no next page', async () => {
    const s = await world();
    const page = await connector(s).pull({ from: iso(NOW_S - 86_400 * 2), to: iso(NOW_S - 86_400) });
    expect(page).toEqual({ ok: true, orders: [], next: null });
    expect(searches(s)).toHaveLength(1);
  });

  it('ends on a short page even when it holds only orders already returned', async () => {
    // 19 orders, pages of 10: [1–10], [10–19] (full, from the boundary), then [19] again: nothing new.
    const s = await world({ orders: 19 });
    const { orders, pages } = await pullAll(connector(s), T0, T1);
    expect(ids(orders).sort()).toEqual([...s.orders.keys()].sort());
    expect(pages).toHaveLength(3);
    expect(pages.at(-1)).toEqual({ ok: true, orders: [], next: null });
  });

  it('reads a crowded second (more orders than a page) by page number without repeats', async () => {
    const at = T0 + 100;
    const s = await world({ orders: 25 });
    for (const id of s.orders.keys()) s.touch(id, at);
    const { orders } = await pullAll(connector(s), T0, T1);
    expect(ids(orders).sort()).toEqual([...s.orders.keys()].sort());
    expect(searches(s).map((c) => c.params.page)).toEqual([0, 1, 2]);
  });

  it('turns throttling into a retry, and the same cursor then goes on', async () => {
    const s = await world();
    const c = connector(s);
    const first = await c.pull({ from: iso(T0), to: iso(T1) });
    expect(first.ok).toBe(true);
    s.throttleNext();
    const cursor = (first as { next: string }).next;
    const throttled = await c.pull({ from: iso(T0), to: iso(T1), cursor });
    expect(throttled).toEqual({ ok: false, outcome: { outcome: 'retry', pauseTarget: true, reason: expect.stringContaining('60000'), afterMs: 60_000 } });
    const again = await c.pull({ from: iso(T0), to: iso(T1), cursor });
    expect(again.ok).toBe(true);
    expect((again as { orders: Order[] }).orders.map((o) => o.order_id)).not.toContain((first as { orders: Order[] }).orders[0]!.order_id);
  });

  it('gets the simulator\'s call limit as a retry, never sleeping itself', async () => {
    const s = await world({ limit: { calls: 2, perMs: 60_000 } });
    const c = connector(s);
    expect((await c.pull({ from: iso(T0), to: iso(T1) })).ok).toBe(true);
    expect((await c.pull({ from: iso(T0), to: iso(T1) })).ok).toBe(true);
    const started = Date.now();
    expect(await c.pull({ from: iso(T0), to: iso(T1) })).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 60_000 } });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('resumes from a stored cursor in a new connector (a restart)', async () => {
    const s = await world();
    const before = connector(s);
    const first = (await before.pull({ from: iso(T0), to: iso(T1) })) as { ok: true; orders: Order[]; next: string };
    expect(() => JSON.parse(first.next)).not.toThrow();
    const after = connector(s);
    let cursor: string | null = first.next;
    const rest: Order[] = [];
    while (cursor) {
      const page = (await after.pull({ from: iso(T0), to: iso(T1), cursor })) as { ok: true; orders: Order[]; next: string | null };
      rest.push(...page.orders);
      cursor = page.next;
    }
    expect([...ids(first.orders), ...ids(rest)].sort()).toEqual([...s.orders.keys()].sort());
  });

  it('ignores a cursor of another window and starts that window from its beginning', async () => {
    const s = await world();
    const c = connector(s);
    const page = await c.pull({ from: iso(T0), to: iso(T1), cursor: JSON.stringify({ v: 1, end: 12345, start: 99, page: 3, seen: [] }) });
    expect(page.ok).toBe(true);
    expect(searches(s)[0]!.params).toMatchObject({ update_time_start: T0, page: 0 });
  });

  it('misses no order when orders change in the middle of the pull', async () => {
    const s = await world({ orders: 60 });
    const c = connector(s);
    const all = [...s.orders.values()].sort((a, b) => a.update_time - b.update_time || (a.order_id < b.order_id ? -1 : 1));
    const firstPage = all.slice(0, 10).map((o) => o.order_id);
    const later = all.slice(30, 33).map((o) => o.order_id);
    s.afterCall('order.searchList', 1, () => {
      // The ten orders just read change again, past the window's end: with page numbers, the
      // next ten would slide onto page 0 and never be read.
      for (const id of firstPage) s.touch(id, T1 + 30);
      // Three unread orders change inside the window, to its last minute.
      for (const id of later) s.touch(id, T1 - 5);
    });
    const window1 = await pullAll(c, T0, T1);
    const untouched = all.map((o) => o.order_id).filter((id) => !firstPage.includes(id));
    for (const id of untouched) expect(ids(window1.orders)).toContain(id);
    // The orders that left the window are found by the next one.
    const window2 = await pullAll(c, T1, NOW_S + 60);
    expect(ids(window2.orders).sort()).toEqual([...firstPage].sort());
    expect(new Set([...ids(window1.orders), ...ids(window2.orders)]).size).toBe(60);
  });

  it('(why: paging the same change by page number alone loses ten orders for good)', async () => {
    const s = await world({ orders: 60 });
    const client = new DoudianClient({ baseUrl: s.url, appKey: s.appKey, appSecret: s.appSecret, accessToken: s.accessToken }, { fetch, now: Date.now });
    const all = [...s.orders.values()].sort((a, b) => a.update_time - b.update_time || (a.order_id < b.order_id ? -1 : 1));
    const firstPage = all.slice(0, 10).map((o) => o.order_id);
    s.afterCall('order.searchList', 1, () => {
      for (const id of firstPage) s.touch(id, T1 + 30);
    });
    const naive = async (from: number, to: number) => {
      const seen: string[] = [];
      for (let page = 0; ; page++) {
        const r = await client.call('order.searchList', { update_time_start: from, update_time_end: to, order_by: 'update_time', order_asc: true, page, size: 10 });
        const list = ((r as { data: { shop_order_list: Order[] } }).data.shop_order_list ?? []).map((o) => o.order_id);
        seen.push(...list);
        if (list.length < 10) return seen;
      }
    };
    const union = new Set([...(await naive(T0, T1)), ...(await naive(T1, NOW_S + 60))]);
    expect(union.size).toBe(50);
    for (const id of all.slice(10, 20).map((o) => o.order_id)) expect(union.has(id)).toBe(false);
  });

  it('reads the whole order with order.orderDetail when a list entry lacks its sku orders', async () => {
    const s = await world({ orders: 5, listWithoutSkus: true });
    const { orders } = await pullAll(connector(s), T0, T1);
    expect(orders).toHaveLength(5);
    for (const o of orders) expect(Array.isArray(o.sku_order_list)).toBe(true);
    expect(s.calls.filter((c) => c.method === 'order.orderDetail')).toHaveLength(5);
  });

  it('fails an expired access token with a credential reason and the platform\'s code', async () => {
    const s = await world();
    s.expireToken();
    const page = await connector(s, { accessToken: 'sandbox-access-token-0001' }).pull({ from: iso(T0), to: iso(T1) });
    expect(page).toEqual({ ok: false, outcome: { outcome: 'failed', code: 'isv.access-token-expired', reason: expect.stringMatching(/40003.*access_token已过期.*credentials: the access token/) } });
  });

  it('fails a wrong app secret as a refused signature, never showing the secret', async () => {
    const s = await world();
    const page = await connector(s, { appSecret: 'not-the-secret' }).pull({ from: iso(T0), to: iso(T1) });
    expect(page).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'isv.signature-invalid', reason: expect.stringContaining('appSecret') } });
    expect(JSON.stringify(page)).not.toContain('not-the-secret');
    expect(JSON.stringify(page)).not.toContain(s.accessToken);
  });

  it('signs with md5 when told to', async () => {
    const s = await world();
    const page = await connector(s, { signMethod: 'md5' }).pull({ from: iso(T0), to: iso(T1) });
    expect(page.ok).toBe(true);
    expect(searches(s)[0]!.common.sign_method).toBe('md5');
  });

  it('retries a 502 from the gateway and an unreachable host', async () => {
    const s = await world();
    s.failNext('server-error');
    expect(await connector(s).pull({ from: iso(T0), to: iso(T1) })).toMatchObject({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('502') } });
    const down = createDouyinConnector({ channel: 'douyin', shop: 'x', baseUrl: 'http://127.0.0.1:9', appKey: 'k', appSecret: 's', accessToken: 't' }, { fetch, now: Date.now });
    expect(await down.pull({ from: iso(T0), to: iso(T1) })).toMatchObject({ ok: false, outcome: { outcome: 'retry' } });
  });

  it('refuses a config without credentials', () => {
    expect(() => createDouyinConnector({ channel: 'douyin', shop: 'x', baseUrl: 'http://x' }, { fetch, now: Date.now })).toThrow(/appKey is required.*appSecret is required.*accessToken is required/);
  });
});

describe('the request on the wire', () => {
  it('POSTs to /order/searchList with the common parameters in the query and param_json as the body, signed as the SDKs do', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const stub = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response('{"code":10000,"msg":"success","sub_code":"","sub_msg":"","data":{"page":0,"size":10,"total":0,"shop_order_list":[]},"log_id":"1"}', { status: 200 });
    }) as unknown as typeof fetch;
    const at = Date.parse('2025-06-01T02:00:00Z');
    const c = createDouyinConnector({ channel: 'douyin', shop: 's', baseUrl: 'https://openapi-fxg.jinritemai.com/', appKey: '7000000000000000001', appSecret: 'shh-secret', accessToken: 'tok-123', pageSize: 10 }, { fetch: stub, now: () => at });
    expect(await c.pull({ from: '2025-06-01T09:00:00+08:00', to: '2025-06-01T09:30:00+08:00' })).toEqual({ ok: true, orders: [], next: null });
    const url = new URL(seen[0]!.url);
    expect(url.origin + url.pathname).toBe('https://openapi-fxg.jinritemai.com/order/searchList');
    expect(Object.fromEntries(url.searchParams)).toEqual({ app_key: '7000000000000000001', method: 'order.searchList', timestamp: String(at / 1000), v: '2', sign: expect.stringMatching(/^[0-9a-f]{64}$/), sign_method: 'hmac-sha256', access_token: 'tok-123' });
    expect(seen[0]!.init.method).toBe('POST');
    const body = String(seen[0]!.init.body);
    expect(body).toBe('{"order_asc":true,"order_by":"update_time","page":0,"size":10,"update_time_end":1748741400,"update_time_start":1748739600}');
    const pattern = `shh-secretapp_key7000000000000000001methodorder.searchListparam_json${body}timestamp${at / 1000}v2shh-secret`;
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', 'shh-secret').update(pattern).digest('hex'));
  });
});

describe('fetchOrder', () => {
  it('reads one order with order.orderDetail', async () => {
    const s = await world({ orders: 3 });
    const id = [...s.orders.keys()][1]!;
    const found = await connector(s).fetchOrder(id);
    expect(found).toMatchObject({ ok: true, order: { order_id: id, promotion_detail: expect.any(Object) } });
    expect(s.calls.at(-1)).toMatchObject({ method: 'order.orderDetail', params: { shop_order_id: id } });
  });

  it('fails an order the platform does not know', async () => {
    const s = await world({ orders: 3 });
    expect(await connector(s).fetchOrder('6900000000000000000')).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'isv.business-failed', reason: expect.stringContaining('订单不存在') } });
  });
});

describe('receiver decryption', () => {
  it('leaves the ciphertext and the masks alone unless decrypt is on', async () => {
    const s = await world({ orders: 12 });
    const { orders } = await pullAll(connector(s), T0, T1);
    expect(s.calls.some((c) => c.method === 'order.batchDecrypt')).toBe(false);
    const withAddress = orders.find((o) => o.encrypt_post_receiver)!;
    expect(withAddress.mask_post_receiver).toMatch(/^.\*\*$/);
    expect(withAddress).not.toHaveProperty('post_receiver');
  });

  it('decrypts with order.batchDecrypt (≤ 50 per call), keeps the ciphertext, and counts the calls', async () => {
    const s = await world({ orders: 45 });
    const c = connector(s, { decrypt: true, pageSize: 50 });
    const { orders } = await pullAll(c, T0, T1);
    const decryptCalls = s.calls.filter((x) => x.method === 'order.batchDecrypt');
    for (const call of decryptCalls) expect((call.params.cipher_infos as unknown[]).length).toBeLessThanOrEqual(50);
    const withAddress = orders.filter((o) => o.encrypt_post_receiver);
    expect(withAddress.length).toBeGreaterThan(30);
    for (const o of withAddress) {
      expect(o.post_receiver).toMatch(/^\p{Script=Han}{2,3}$/u);
      expect(o.post_tel).toMatch(/^1\d{10}$/);
      expect((o.post_addr as { detail: string; encrypt_detail: string }).detail).toMatch(/号/);
      expect(o.encrypt_post_receiver).toMatch(/^##.*#1##$/);
    }
    expect(c.quota.decrypt).toMatchObject({ calls: decryptCalls.length, ciphertexts: withAddress.length * 3, orders: withAddress.length, limit: null, exhausted: false, skippedOrders: 0 });
    expect(c.quota.decrypt.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('stops at decryptDailyLimit and lets the rest through masked', async () => {
    const s = await world({ orders: 45 });
    const c = connector(s, { decrypt: true, decryptDailyLimit: 1 });
    const { orders } = await pullAll(c, T0, T1);
    expect(s.calls.filter((x) => x.method === 'order.batchDecrypt')).toHaveLength(1);
    expect(orders).toHaveLength(45);
    const masked = orders.filter((o) => o.encrypt_post_receiver && !o.post_receiver);
    expect(masked.length).toBeGreaterThan(20);
    expect(c.quota.decrypt).toMatchObject({ calls: 1, limit: 1, exhausted: true, skippedOrders: masked.length });
  });

  it('takes the platform refusing for quota as exhausted, not as a failed pull', async () => {
    const s = await world({ orders: 20, decryptQuota: 30 });
    const c = connector(s, { decrypt: true });
    const { orders } = await pullAll(c, T0, T1);
    expect(orders).toHaveLength(20);
    expect(c.quota.decrypt).toMatchObject({ exhausted: true, lastError: expect.stringContaining('额度') });
  });

  it('makes the page a retry when batchDecrypt is throttled', async () => {
    const s = await world({ orders: 5 });
    const c = connector(s, { decrypt: true });
    s.afterCall('order.searchList', 1, () => s.throttleNext());
    expect(await c.pull({ from: iso(T0), to: iso(T1) })).toMatchObject({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('order.batchDecrypt') } });
  });
});

describe('updateStock', () => {
  it('sets a sku\'s stock with sku.syncStock (sku_id, full set)', async () => {
    const s = await world({ orders: 3 });
    const skuId = String([...s.orders.values()][0]!.sku_order_list[0]!.sku_id);
    const outcome = await connector(s).updateStock({ sku: 'TS-WHT-0', available: 17, channelSkuId: skuId });
    expect(outcome).toMatchObject({ outcome: 'delivered', request: { method: 'sku.syncStock', sku_id: skuId, stock_num: 17, incremental: false } });
    expect(s.stock.get(skuId)).toBe(17);
    expect(s.calls.at(-1)!.params).toEqual({ sku_id: Number(skuId), stock_num: 17, incremental: false });
  });

  it('uses the merchant code without a channel sku id, and never sends a negative number', async () => {
    const s = await world({ orders: 3 });
    const code = String([...s.orders.values()][0]!.sku_order_list[0]!.code);
    expect((await connector(s).updateStock({ sku: code, available: -3 })).outcome).toBe('delivered');
    expect(s.stockSyncs.at(-1)).toEqual({ code, stock_num: 0, incremental: false });
  });

  it('fails an unknown sku, retries throttling and a lost answer', async () => {
    const s = await world({ orders: 3 });
    const c = connector(s);
    expect(await c.updateStock({ sku: 'NOPE', available: 1, channelSkuId: '1' })).toMatchObject({ outcome: 'failed', code: 'isv.business-failed' });
    s.throttleNext();
    expect(await c.updateStock({ sku: 'NOPE', available: 1, channelSkuId: '1' })).toMatchObject({ outcome: 'retry', afterMs: 60_000 });
    const lost = createDouyinConnector({ channel: 'douyin', shop: 'x', baseUrl: 'http://127.0.0.1:9', appKey: 'k', appSecret: 's', accessToken: 't' }, { fetch, now: Date.now });
    expect((await lost.updateStock({ sku: 'A', available: 1 })).outcome).toBe('retry');
  });
});
