import { afterEach, describe, expect, it } from 'vitest';
import type { PullPage, PullRequest } from '../../core/connector/types.ts';
import { createYouzan } from './index.ts';
import { startYouzanSandbox, type YouzanSandbox, type YouzanSandboxOptions } from './sandbox/server.ts';
import { toBeijing } from './time.ts';

const NOW = Date.parse('2024-05-29T12:00:00+08:00');
const MINUTE = 60_000;
const FROM = NOW - 60 * MINUTE;
const TO = NOW - 30 * MINUTE;
const window = { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() };
let clock = NOW;
const now = () => clock;

let sim: YouzanSandbox;
afterEach(async () => sim?.close());

async function start(options: YouzanSandboxOptions = {}) {
  clock = NOW;
  sim = await startYouzanSandbox({ now, generate: { count: 0, from: FROM, to: TO }, ...options });
  return sim;
}
function connector(extra: Record<string, unknown> = {}) {
  return createYouzan({ channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId, ...extra }, { fetch: sim.fetch, now });
}
const tidOf = (o: unknown) => String((o as { order_info: { tid: string } }).order_info.tid);
const soldGets = () => sim.calls.filter((c) => c.api === 'youzan.trades.sold.get');

/** Pulls a window to the end, as the poller would. */
async function pullAll(youzan: ReturnType<typeof connector>, request: PullRequest = window, maxPages = 1000) {
  const tids: string[] = [];
  const pages: PullPage[] = [];
  let cursor = request.cursor;
  for (let i = 0; i < maxPages; i++) {
    const page = await youzan.pull!({ ...request, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    if (!page.ok) throw new Error(`pull failed: ${page.outcome.reason}`);
    tids.push(...page.orders.map(tidOf));
    if (page.next === null) return { tids, pages };
    cursor = page.next;
  }
  throw new Error('the pull did not end');
}

describe('pulling orders by modified time', () => {
  it('asks sold.get 4.0.4 for the window in Beijing time and returns each full_order_info', async () => {
    await start({ generate: { count: 7, from: FROM, to: TO } });
    const youzan = connector();
    const page = await youzan.pull!(window);
    expect(page).toMatchObject({ ok: true, next: null });
    expect(page.ok && page.orders).toHaveLength(7);
    expect(page.ok && page.orders[0]).toHaveProperty('order_info.tid');
    expect(page.ok && page.orders[0]).not.toHaveProperty('full_order_info');
    expect(soldGets()).toEqual([
      expect.objectContaining({ version: '4.0.4', params: { start_update: '2024-05-29 11:00:00', end_update: '2024-05-29 11:30:00', page_no: 1, page_size: 100 } }),
    ]);
  });

  it('pages through a large window: page 1 for the total, then from the last page down, each order at least once', async () => {
    await start({ generate: { count: 47, from: FROM, to: TO } });
    const { tids, pages } = await pullAll(connector({ pageSize: 10 }));
    expect(new Set(tids)).toEqual(new Set(sim.orders.keys()));
    expect(soldGets().map((c) => c.params.page_no)).toEqual([1, 5, 4, 3, 2, 1]);
    expect(pages).toHaveLength(6);
  });

  it('ends an empty window in one call', async () => {
    await start();
    const youzan = connector();
    expect(await youzan.pull!(window)).toEqual({ ok: true, orders: [], next: null });
    expect(soldGets()).toHaveLength(1);
  });

  it('keeps going after empty pages (orders that left the window meanwhile)', async () => {
    await start({ generate: { count: 30, from: FROM, to: TO } });
    const youzan = connector({ pageSize: 10 });
    const first = await youzan.pull!(window);
    // Twelve orders change now: they leave the window, and the last page empties.
    for (const tid of [...sim.orders.keys()].slice(0, 12)) sim.touch(tid, { at: NOW - MINUTE });
    const second = await youzan.pull!({ ...window, cursor: (first as { next: string }).next });
    expect(second).toMatchObject({ ok: true, orders: [] });
    const rest = await pullAll(youzan, { ...window, cursor: (second as { next: string }).next });
    expect(rest.tids).toHaveLength(18);
  });

  it('answers retry on throttling (4101), and the same cursor then carries on', async () => {
    await start({ generate: { count: 25, from: FROM, to: TO } });
    const youzan = connector({ pageSize: 10 });
    const first = await youzan.pull!(window);
    const cursor = (first as { next: string }).next;
    sim.throttleNext();
    expect(await youzan.pull!({ ...window, cursor })).toEqual({ ok: false, outcome: expect.objectContaining({ outcome: 'retry', afterMs: 3000, reason: expect.stringContaining('4101') }) });
    const rest = await pullAll(youzan, { ...window, cursor });
    expect(new Set([...(first.ok ? first.orders.map(tidOf) : []), ...rest.tids])).toEqual(new Set(sim.orders.keys()));
  });

  it('hits the documented call limit as throttling too', async () => {
    await start({ generate: { count: 40, from: FROM, to: TO }, callLimit: { calls: 2, perMs: 60_000 } });
    const youzan = connector({ pageSize: 10 });
    const a = await youzan.pull!(window);
    const b = await youzan.pull!({ ...window, cursor: (a as { next: string }).next });
    const c = await youzan.pull!({ ...window, cursor: (b as { next: string }).next });
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
    expect(c).toMatchObject({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('请求太频繁') } });
  });

  it('resumes from a stored cursor in a new connector (a restart)', async () => {
    await start({ generate: { count: 35, from: FROM, to: TO } });
    const before = connector({ pageSize: 10 });
    const p1 = await before.pull!(window);
    const p2 = await before.pull!({ ...window, cursor: (p1 as { next: string }).next });
    const stored = (p2 as { next: string }).next;
    expect(JSON.parse(stored)).toMatchObject({ v: 1, cur: [expect.any(Number), expect.any(Number), 3, 35] });
    const after = connector({ pageSize: 10 });
    const rest = await pullAll(after, { ...window, cursor: stored });
    const seen = new Set([...(p1.ok ? p1.orders : []), ...(p2.ok ? p2.orders : [])].map(tidOf).concat(rest.tids));
    expect(seen).toEqual(new Set(sim.orders.keys()));
    // A cursor of another window starts that window over instead of reading the wrong pages.
    const other = await after.pull!({ from: new Date(FROM - 60 * MINUTE).toISOString(), to: new Date(FROM).toISOString(), cursor: stored });
    expect(other).toMatchObject({ ok: true, next: null });
  });

  it.each(['desc', 'asc'] as const)('misses no order that stays in the window while others change mid-pull (results sorted %s)', async (sort) => {
    await start({ generate: { count: 60, from: FROM, to: TO, seed: 7 }, sort });
    const youzan = connector({ pageSize: 10 });
    // After every second answer, an order the pull has not reached yet changes (it leaves the window).
    const touched: string[] = [];
    let answers = 0;
    sim.afterCall((call) => {
      if (call.api !== 'youzan.trades.sold.get' || ++answers % 2 !== 0) return;
      const page = Number(call.params.page_no);
      const list = [...sim.orders.values()]
        .filter((o) => String(o.order_info.update_time) <= toBeijing(TO))
        .sort((a, b) => (sort === 'desc' ? -1 : 1) * String(a.order_info.update_time).localeCompare(String(b.order_info.update_time)) || (sort === 'desc' ? -1 : 1) * String(a.order_info.tid).localeCompare(String(b.order_info.tid)));
      const victim = list[Math.max(0, (page - 1) * 10 - 3)];
      if (victim) {
        touched.push(String(victim.order_info.tid));
        sim.touch(String(victim.order_info.tid), { at: NOW - MINUTE, status: 'TRADE_SUCCESS' });
      }
    });
    const { tids } = await pullAll(youzan);
    expect(touched.length).toBeGreaterThan(2);
    const stayed = [...sim.orders.keys()].filter((t) => !touched.includes(t));
    expect(stayed.filter((t) => !tids.includes(t))).toEqual([]);
  });

  it('(for comparison) would miss orders read front to back while others change', async () => {
    await start({ generate: { count: 60, from: FROM, to: TO, seed: 7 } });
    const youzan = connector({ pageSize: 10 });
    await youzan.pull!(window); // only to fetch a token
    const seen: string[] = [];
    for (let pageNo = 1; pageNo <= 6; pageNo++) {
      const answer = (await (await sim.fetch(`${sim.url}/api/youzan.trades.sold.get/4.0.4?access_token=${sim.calls[0]!.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ start_update: toBeijing(FROM), end_update: toBeijing(TO), page_no: pageNo, page_size: 10 }) })).json()) as { data: { full_order_info_list: Array<{ full_order_info: unknown }> } };
      const page = answer.data.full_order_info_list.map((e) => tidOf(e.full_order_info));
      seen.push(...page);
      // The first order of the page just read changes and leaves the window.
      if (page[0]) sim.touch(page[0], { at: NOW - MINUTE });
    }
    expect([...sim.orders.keys()].filter((t) => !seen.includes(t)).length).toBeGreaterThan(0);
  });

  it('starts the walk over when the total grows (an order indexed late), reading what moved', async () => {
    const orders = (await startYouzanSandbox({ generate: { count: 26, from: FROM, to: TO } }).then(async (s) => {
      const list = [...s.orders.values()];
      await s.close();
      return list;
    })) as Array<Record<string, unknown> & { order_info: Record<string, unknown> }>;
    const late = orders.pop()!;
    await start({ orders });
    const youzan = connector({ pageSize: 10 });
    const first = await youzan.pull!(window);
    sim.orders.set(String(late.order_info.tid), late);
    const rest = await pullAll(youzan, { ...window, cursor: (first as { next: string }).next });
    expect(soldGets().map((c) => c.params.page_no)).toEqual([1, 3, 3, 2, 1]);
    expect(new Set([...(first.ok ? first.orders.map(tidOf) : []), ...rest.tids])).toEqual(new Set(sim.orders.keys()));
  });

  it('cuts a window holding more orders than Youzan serves per query (100 pages) in halves by time', async () => {
    await start({ generate: { count: 230, from: FROM, to: TO, seed: 3 } });
    const youzan = connector({ pageSize: 2 }); // at most 200 orders per query
    const { tids } = await pullAll(youzan);
    expect(new Set(tids)).toEqual(new Set(sim.orders.keys()));
    expect(soldGets().every((c) => c.answered === '200')).toBe(true);
    const spans = new Set(soldGets().map((c) => `${c.params.start_update}–${c.params.end_update}`));
    expect(spans.size).toBeGreaterThan(2);
  }, 20_000);

  it('waits for a window that ended less than 30 s ago (Youzan search lags)', async () => {
    await start();
    const youzan = connector();
    const fresh = await youzan.pull!({ from: new Date(NOW - 5 * MINUTE).toISOString(), to: new Date(NOW - 10_000).toISOString() });
    expect(fresh).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 20_000 } });
    expect(soldGets()).toHaveLength(0);
  });

  it('fails a window that is not one', async () => {
    await start();
    const youzan = connector();
    expect(await youzan.pull!({ from: 'yesterday', to: window.to })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'window' } });
    expect(await youzan.pull!({ from: window.to, to: window.from })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'window' } });
  });
});
