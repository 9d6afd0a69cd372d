import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, PullPage } from '../../core/connector/types.ts';
import { createJdConnector } from './index.ts';
import { ALL_ORDER_STATES } from './pull.ts';
import { beijing, generateOrders, type OrderInfo } from './sandbox/orders.ts';
import { startJdSandbox, type JdSandbox, type JdSandboxOptions } from './sandbox/server.ts';

let clock = Date.parse('2024-06-01T12:00:00+08:00');
const now = () => clock;
let sim: JdSandbox | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
  clock = Date.parse('2024-06-01T12:00:00+08:00');
});

const WINDOW = { from: '2024-06-01T10:00:00+08:00', to: '2024-06-01T11:30:00+08:00' };

async function setup(orders: OrderInfo[], options: Partial<JdSandboxOptions> = {}, shop: Record<string, unknown> = {}): Promise<Connector> {
  sim = await startJdSandbox({ orders, now, ...options });
  return createJdConnector({ channel: 'jd', shop: 'jd-main', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken, ...shop }, { fetch, now });
}

type Ok = Extract<PullPage, { ok: true }>;

/** Pulls a window to its end; fails the test on an error page. */
async function drain(jd: Connector, window: { from: string; to: string }, cursor?: string): Promise<{ orders: Array<Record<string, unknown>>; pages: number }> {
  const orders: Array<Record<string, unknown>> = [];
  let pages = 0;
  for (;;) {
    const page = await jd.pull!({ ...window, ...(cursor ? { cursor } : {}) });
    if (!page.ok) throw new Error(`pull failed: ${JSON.stringify(page.outcome)}`);
    pages++;
    orders.push(...(page.orders as Array<Record<string, unknown>>));
    if (page.next === null) return { orders, pages };
    cursor = page.next;
    if (pages > 500) throw new Error('no end');
  }
}

const ids = (orders: Array<Record<string, unknown>>) => orders.map((o) => String(o.orderId));
const searches = () => sim!.calls.filter((c) => c.method === 'jingdong.pop.order.search');

describe('pull', () => {
  it('reads every order of the window once, oldest modified first, by modified time and every state', async () => {
    const orders = generateOrders({ count: 137, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 3 });
    const jd = await setup(orders, {}, { pageSize: 25 });
    const { orders: got, pages } = await drain(jd, WINDOW);
    expect(ids(got).sort()).toEqual(orders.map((o) => o.orderId).sort());
    expect(new Set(ids(got)).size).toBe(got.length);
    const modified = got.map((o) => String(o.modified));
    expect(modified).toEqual([...modified].sort());
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(137 / 25));
    expect(pages).toBeLessThanOrEqual(Math.ceil(137 / 25) + 2);
    const first = searches()[0]!.business;
    expect(first).toMatchObject({ start_date: '2024-06-01 10:00:00', end_date: '2024-06-01 11:30:00', page: '1', page_size: '25', sortType: 0, dateType: 0 });
    expect(String(first.order_state).split(',')).toEqual([...ALL_ORDER_STATES]);
    expect(String(first.optional_fields).split(',')).toEqual(expect.arrayContaining(['orderId', 'modified', 'orderState', 'orderPayment', 'itemInfoList', 'couponDetailList', 'consigneeInfo']));
    // Time scrolling, not page numbers: every query asks for page 1 from where the last stopped.
    expect(searches().every((c) => c.business.page === '1')).toBe(true);
    expect(new Set(searches().map((c) => c.business.start_date)).size).toBe(searches().length);
  });

  it('an empty window is one empty page, done', async () => {
    const jd = await setup(generateOrders({ count: 10, from: '2024-06-01 08:00:00', spanSeconds: 600 }));
    expect(await jd.pull!(WINDOW)).toEqual({ ok: true, orders: [], next: null });
  });

  it('a full last page ends the window on orderTotal, without an empty extra call', async () => {
    const jd = await setup(generateOrders({ count: 40, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 5 }), {}, { pageSize: 40 });
    const page = await jd.pull!(WINDOW);
    expect(page).toMatchObject({ ok: true, next: null });
    expect((page as Ok).orders).toHaveLength(40);
    expect(searches()).toHaveLength(1);
  });

  it("throttled (JD's code 2) the page is a retry until 00:00 Beijing; the same cursor then carries on", async () => {
    const orders = generateOrders({ count: 60, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 9 });
    const jd = await setup(orders, { callLimit: { calls: 2, perMs: 60_000 } }, { pageSize: 20 });
    const got: Array<Record<string, unknown>> = [];
    let page = await jd.pull!(WINDOW);
    got.push(...((page as Ok).orders as Array<Record<string, unknown>>));
    page = await jd.pull!({ ...WINDOW, cursor: (page as Ok).next! });
    got.push(...((page as Ok).orders as Array<Record<string, unknown>>));
    const cursor = (page as Ok).next!;
    const throttled = await jd.pull!({ ...WINDOW, cursor });
    expect(throttled).toEqual({
      ok: false,
      outcome: { outcome: 'retry', reason: expect.stringContaining('App Call Limited'), afterMs: 12 * 3600_000, pauseTarget: true },
    });
    expect(sim!.calls.at(-1)!.error).toBe('2');
    clock += 61_000;
    const rest = await drain(jd, WINDOW, cursor);
    got.push(...rest.orders);
    expect(ids(got).sort()).toEqual(orders.map((o) => o.orderId).sort());
  });

  it('resumes from a stored cursor in a new connector after a crash, repeating nothing', async () => {
    const orders = generateOrders({ count: 90, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 11 });
    const before = await setup(orders, {}, { pageSize: 20 });
    const p1 = (await before.pull!(WINDOW)) as Ok;
    const p2 = (await before.pull!({ ...WINDOW, cursor: p1.next! })) as Ok;
    const stored = p2.next!; // what the poller saved before the process died
    const after = createJdConnector({ channel: 'jd', shop: 'jd-main', baseUrl: sim!.url, appKey: sim!.appKey, appSecret: sim!.appSecret, accessToken: sim!.accessToken, pageSize: 20 }, { fetch, now });
    const rest = await drain(after, WINDOW, stored);
    const all = [...ids(p1.orders as Array<Record<string, unknown>>), ...ids(p2.orders as Array<Record<string, unknown>>), ...ids(rest.orders)];
    expect(all.sort()).toEqual(orders.map((o) => o.orderId).sort());
  });

  it('a failed call does not move the cursor: the page is read again', async () => {
    const jd = await setup(generateOrders({ count: 30, from: '2024-06-01 10:00:00', spanSeconds: 3600 }), {}, { pageSize: 10 });
    const p1 = (await jd.pull!(WINDOW)) as Ok;
    sim!.failNext('busy');
    expect(await jd.pull!({ ...WINDOW, cursor: p1.next! })).toMatchObject({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('66') } });
    sim!.failNext('http-502');
    expect(await jd.pull!({ ...WINDOW, cursor: p1.next! })).toMatchObject({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('502') } });
    const p2 = (await jd.pull!({ ...WINDOW, cursor: p1.next! })) as Ok;
    // The query starts a second before the newest order read, so a page overlaps the last by the
    // orders of that second; those are dropped, never returned twice.
    expect(p2.orders.length).toBeGreaterThan(5);
    expect(ids(p2.orders as Array<Record<string, unknown>>).some((id) => ids(p1.orders as Array<Record<string, unknown>>).includes(id))).toBe(false);
  });

  it('an expired token fails the page with a credential reason', async () => {
    const jd = await setup(generateOrders({ count: 5, from: '2024-06-01 10:00:00', spanSeconds: 600 }));
    sim!.expireToken();
    expect(await jd.pull!(WINDOW)).toEqual({ ok: false, outcome: { outcome: 'failed', code: 'credential', reason: expect.stringContaining('19 无效access_token (Invalid access_token)') } });
  });

  it('orders modified during the pull are still read, and none is skipped because the list shifted', async () => {
    const orders = generateOrders({ count: 100, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 21 });
    const jd = await setup(orders, {}, { pageSize: 20 });
    const byModified = [...orders].sort((a, b) => (a.modified < b.modified ? -1 : a.modified > b.modified ? 1 : a.orderId < b.orderId ? -1 : 1));
    const early = byModified[3]!.orderId; // on page 1, read before the change
    const late = byModified[70]!.orderId; // not read yet
    const gone = byModified[5]!.orderId; // read, then modified past the window's end
    sim!.onCall((_method, n) => {
      if (n !== 2) return;
      // Three orders leave their places between page 1 and page 2. A numbered page 2 would now
      // start three orders later and never show the three that moved up across the boundary.
      sim!.touch(early, { modified: '2024-06-01 11:20:00', orderState: 'WAIT_GOODS_RECEIVE_CONFIRM' });
      sim!.touch(late, { modified: '2024-06-01 11:25:00', orderState: 'FINISHED_L' });
      sim!.touch(gone); // now: 12:00, after the window
    });
    const { orders: got } = await drain(jd, WINDOW);
    expect([...new Set(ids(got))].sort()).toEqual(orders.map((o) => o.orderId).sort());
    // The order changed after it was read comes again, as it is now.
    const again = got.filter((o) => o.orderId === early);
    expect(again.map((o) => [o.modified, o.orderState])).toEqual([
      [orders.find((o) => o.orderId === early)!.modified, orders.find((o) => o.orderId === early)!.orderState],
      ['2024-06-01 11:20:00', 'WAIT_GOODS_RECEIVE_CONFIRM'],
    ]);
    expect(got.filter((o) => o.orderId === late).map((o) => o.orderState)).toEqual(['FINISHED_L']);
    // The one modified past the window comes with the next window.
    const next = await drain(jd, { from: '2024-06-01T11:25:00+08:00', to: '2024-06-01T12:30:00+08:00' });
    expect(next.orders.filter((o) => o.orderId === gone).map((o) => o.modified)).toEqual(['2024-06-01 12:00:00']);
  });

  it('an order modified before it was read, to a time past the window, leaves no gap behind it', async () => {
    const orders = generateOrders({ count: 60, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 4 });
    const jd = await setup(orders, {}, { pageSize: 20 });
    const sorted = [...orders].sort((a, b) => (a.modified < b.modified ? -1 : a.modified > b.modified ? 1 : a.orderId < b.orderId ? -1 : 1));
    const moved = sorted[30]!.orderId;
    sim!.onCall((_m, n) => {
      if (n === 2) sim!.touch(moved);
    });
    const { orders: got } = await drain(jd, WINDOW);
    expect(ids(got).sort()).toEqual(orders.map((o) => o.orderId).filter((id) => id !== moved).sort());
  });

  it('more orders in one second than a page holds are paged through by number, each once', async () => {
    const orders = generateOrders({ count: 45, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 8 }).map((o, i) => ({ ...o, modified: i < 33 ? '2024-06-01 10:30:00' : o.modified }));
    const jd = await setup(orders, {}, { pageSize: 10 });
    const { orders: got } = await drain(jd, WINDOW);
    expect(ids(got).sort()).toEqual(orders.map((o) => o.orderId).sort());
    expect(searches().some((c) => c.business.page === '3')).toBe(true);
  });

  it('falls back to numbered pages when JD does not answer oldest-modified first', async () => {
    const orders = generateOrders({ count: 70, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 12 });
    const jd = await setup(orders, { sortBy: 'created' }, { pageSize: 20 });
    const { orders: got } = await drain(jd, WINDOW);
    expect([...new Set(ids(got))].sort()).toEqual(orders.map((o) => o.orderId).sort());
  });

  it('completes orders the list gives only in part with jingdong.pop.order.get', async () => {
    const orders = generateOrders({ count: 12, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 2 });
    const jd = await setup(orders, { listOmits: ['itemInfoList', 'couponDetailList'] });
    const { orders: got } = await drain(jd, WINDOW);
    expect(got).toHaveLength(12);
    for (const order of got) expect(order).toEqual(orders.find((o) => o.orderId === order.orderId));
    const gets = sim!.calls.filter((c) => c.method === 'jingdong.pop.order.get');
    expect(gets).toHaveLength(12);
    expect(typeof gets[0]!.business.order_id).toBe('number');
  });

  it('skips, for a sweep, the orders the store holds at that modified time or later: neither fetched nor returned', async () => {
    const orders = generateOrders({ count: 12, from: '2024-06-01 10:00:00', spanSeconds: 3600, seed: 2 });
    const jd = await setup(orders, { listOmits: ['itemInfoList', 'couponDetailList'] });
    const asked: string[] = [];
    // The store has all but the first three, each as modified (the fourth one a second older: stale).
    const stored = new Map(orders.slice(3).map((o, i) => [String(o.orderId), Date.parse(`${String(o.modified).replace(' ', 'T')}+08:00`) - (i === 0 ? 1000 : 0)]));
    const known = async (listed: Array<{ externalId: string; modifiedMs: number }>) => {
      asked.push(...listed.map((l) => l.externalId));
      return new Set(listed.filter((l) => (stored.get(l.externalId) ?? -1) >= l.modifiedMs).map((l) => l.externalId));
    };
    const got: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await jd.pull!({ ...WINDOW, ...(cursor ? { cursor } : {}), known });
      if (!page.ok) throw new Error(page.outcome.reason);
      got.push(...ids(page.orders as Array<Record<string, unknown>>));
      if (page.next === null) break;
      cursor = page.next;
    }
    const missing = orders.slice(0, 4).map((o) => String(o.orderId));
    expect(got.sort()).toEqual([...missing].sort());
    expect(new Set(asked)).toEqual(new Set(orders.map((o) => String(o.orderId))));
    const gets = sim!.calls.filter((c) => c.method === 'jingdong.pop.order.get').map((c) => String(c.business.order_id));
    expect(gets.sort()).toEqual([...missing].sort());
  });

  it('reads a window longer than a month a month at a time (JD refuses more)', async () => {
    const orders = generateOrders({ count: 50, from: '2024-03-01 00:00:00', spanSeconds: 80 * 86_400, seed: 6 });
    const jd = await setup(orders, {}, { pageSize: 100 });
    const { orders: got } = await drain(jd, { from: '2024-03-01T00:00:00+08:00', to: '2024-05-25T00:00:00+08:00' });
    expect(ids(got).sort()).toEqual(orders.map((o) => o.orderId).sort());
    for (const call of searches()) {
      expect(Date.parse(`${String(call.business.end_date).replace(' ', 'T')}+08:00`) - Date.parse(`${String(call.business.start_date).replace(' ', 'T')}+08:00`)).toBeLessThanOrEqual(30 * 86_400_000);
    }
    expect(searches().length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a cursor it did not write or of another window', async () => {
    const jd = await setup(generateOrders({ count: 30, from: '2024-06-01 10:00:00', spanSeconds: 3600 }), {}, { pageSize: 10 });
    const p1 = (await jd.pull!(WINDOW)) as Ok;
    expect(await jd.pull!({ ...WINDOW, cursor: 'page=2' })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'cursor' } });
    expect(await jd.pull!({ from: WINDOW.from, to: '2024-06-01T11:00:00+08:00', cursor: p1.next! })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'cursor', reason: expect.stringContaining('belongs to the window') } });
    expect(await jd.pull!({ from: 'yesterday', to: WINDOW.to })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'window' } });
  });

  it('the sandbox refuses a request whose signature is off (the connector is never the one checking itself)', async () => {
    await setup([]);
    const res = await fetch(`${sim!.url}?method=jingdong.pop.order.search&app_key=${sim!.appKey}&access_token=${sim!.accessToken}&timestamp=${encodeURIComponent(beijing(clock))}&v=2.0&sign=0123456789ABCDEF0123456789ABCDEF`, { method: 'POST' });
    expect(await res.json()).toEqual({ error_response: { code: '12', zh_desc: '无效签名', en_desc: 'Invalid Signature' } });
  });

  it("the sandbox refuses a timestamp more than 6 minutes off JD's clock (code 8)", async () => {
    const jd = await setup(generateOrders({ count: 3, from: '2024-06-01 10:00:00', spanSeconds: 60 }));
    const ahead = createJdConnector({ channel: 'jd', shop: 'jd-main', baseUrl: sim!.url, appKey: sim!.appKey, appSecret: sim!.appSecret, accessToken: sim!.accessToken }, { fetch, now: () => clock + 7 * 60_000 });
    expect(await ahead.pull!(WINDOW)).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'clock' } });
    expect((await jd.pull!(WINDOW)).ok).toBe(true);
  });
});
