import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, PullPage } from '../../core/connector/types.ts';
import { TopClient } from './client.ts';
import { createTmallConnector } from './index.ts';
import { startTmallSandbox, type TmallSandbox, type TmallSandboxOptions } from './sandbox/server.ts';
import { generateTrades } from './sandbox/trades.ts';

// 2024-05-20 14:00 Beijing. The window pulled is 10:00–12:00 Beijing, safely in the past.
let clock = Date.UTC(2024, 4, 20, 6, 0, 0);
const FROM = '2024-05-20T10:00:00+08:00';
const TO = '2024-05-20T12:00:00+08:00';
const WINDOW = { from: Date.parse(FROM), to: Date.parse(TO) };

let sim: TmallSandbox | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  clock = Date.UTC(2024, 4, 20, 6, 0, 0);
});

async function start(options: TmallSandboxOptions = {}): Promise<TmallSandbox> {
  sim = await startTmallSandbox({ trades: 30, window: WINDOW, now: () => clock, ...options });
  return sim;
}

function connector(extra: Record<string, unknown> = {}): Connector {
  return createTmallConnector(
    { channel: 'tmall', shop: 'flagship', baseUrl: sim!.url, appKey: sim!.appKey, appSecret: sim!.appSecret, session: sim!.session, windowMinutes: 1440, pageSize: 10, fetchConcurrency: 4, ...extra },
    { fetch, now: () => clock },
  );
}

const tidOf = (o: unknown) => (o as { tid_str: string }).tid_str;
const listCalls = () => sim!.calls.filter((c) => c.method === 'taobao.trades.sold.increment.get');

/** Pulls until the window is done, as the poller would, storing each cursor. */
async function drain(c: Connector, from = FROM, to = TO, cursor?: string, options: { waitOutRetries?: boolean } = {}): Promise<{ tids: string[]; pages: PullPage[] }> {
  const pages: PullPage[] = [];
  const tids: string[] = [];
  for (let i = 0; i < 200; i++) {
    const page = await c.pull!({ from, to, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    if (!page.ok && page.outcome.outcome === 'retry' && options.waitOutRetries) {
      // What the poller does: wait as long as asked, then the same cursor again.
      clock += page.outcome.afterMs ?? 1000;
      continue;
    }
    if (!page.ok) throw new Error(`pull failed: ${page.outcome.reason}`);
    tids.push(...page.orders.map(tidOf));
    if (page.next === null) return { tids, pages };
    cursor = page.next;
  }
  throw new Error('the window never finished');
}

describe('pull', () => {
  it('counts the window, then reads the pages last to first, and fetches every trade whole', async () => {
    await start();
    const c = connector();
    const first = await c.pull!({ from: FROM, to: TO });
    expect(first.ok).toBe(true);
    // The count (page 1, with total_results), then straight to the last page.
    expect(listCalls().map((l) => [l.params.page_no, l.params.use_has_next ?? null])).toEqual([
      ['1', null],
      ['3', 'true'],
    ]);
    const { tids } = await drain(c, FROM, TO, (first as { next: string }).next);
    const all = [...(first as { orders: unknown[] }).orders.map(tidOf), ...tids];
    expect(listCalls().map((l) => l.params.page_no)).toEqual(['1', '3', '2', '1']);
    expect(new Set(all)).toEqual(new Set(sim!.trades.keys()));
    expect(all).toHaveLength(30);
    // System parameters as TOP wants them.
    const call = listCalls()[0]!.params;
    expect(call).toMatchObject({ format: 'json', v: '2.0', sign_method: 'hmac-sha256', app_key: sim!.appKey, start_modified: '2024-05-20 10:00:00', end_modified: '2024-05-20 12:00:00', page_size: '10', fields: 'tid,modified' });
    expect(call.timestamp).toBe('2024-05-20 14:00:00');
    expect(sim!.calls.filter((c) => c.method === 'taobao.trade.fullinfo.get')).toHaveLength(30);
  });

  it('hands over whole trades with every digit of their 19-digit ids', async () => {
    await start({ trades: 12 });
    const page = await connector({ pageSize: 50 }).pull!({ from: FROM, to: TO });
    expect(page.ok && page.next).toBe(null);
    const orders = (page as { orders: Array<Record<string, unknown>> }).orders;
    expect(orders).toHaveLength(12);
    for (const trade of orders) {
      const tid = String(trade.tid);
      expect(tid).toMatch(/^\d{19}$/);
      expect(tid).toBe(trade.tid_str);
      expect(Number.isSafeInteger(Number(tid))).toBe(false);
      const source = sim!.trades.get(tid)!;
      expect(trade.payment).toBe(source.payment);
      const lines = (trade.orders as { order: Array<Record<string, unknown>> }).order;
      expect(lines.map((l) => String(l.oid))).toEqual((source.orders as { order: Array<{ oid: string }> }).order.map((l) => l.oid));
    }
    // Every status of Trade.status is among them.
    expect(new Set(orders.map((o) => o.status)).size).toBe(12);
  });

  it('walks a long window in 30-minute sub-windows (never over a day), empty ones included', async () => {
    // Trades only in the first and the last half hour: the two in between are empty.
    const trades = [
      ...generateTrades({ count: 5, from: WINDOW.from, to: WINDOW.from + 30 * 60_000, seed: 1 }),
      ...generateTrades({ count: 7, from: WINDOW.to - 30 * 60_000, to: WINDOW.to, seed: 2 }),
    ];
    await start({ trades });
    const { tids, pages } = await drain(connector({ windowMinutes: undefined }));
    expect(new Set(tids)).toEqual(new Set(trades.map((t) => t.tid)));
    expect(pages.map((p) => (p.ok ? p.orders.length : -1))).toEqual([5, 0, 0, 7]);
    expect(listCalls().map((l) => `${l.params.start_modified!.slice(11)}–${l.params.end_modified!.slice(11)}`)).toEqual([
      '10:00:00–10:30:00',
      '10:30:00–11:00:00',
      '11:00:00–11:30:00',
      '11:30:00–12:00:00',
    ]);
  });

  it('splits a three-day backfill into windows TOP accepts', async () => {
    await start({ trades: 30, window: { from: Date.parse('2024-05-17T12:00:00+08:00'), to: Date.parse('2024-05-20T12:00:00+08:00') } });
    const { tids } = await drain(connector({ windowMinutes: 1440, pageSize: 50 }), '2024-05-17T12:00:00+08:00', TO);
    expect(new Set(tids).size).toBe(30);
    const spans = listCalls().map((l) => Date.parse(`${l.params.end_modified!.replace(' ', 'T')}+08:00`) - Date.parse(`${l.params.start_modified!.replace(' ', 'T')}+08:00`));
    expect(spans).toEqual([86_400_000, 86_400_000, 86_400_000]);
    expect(sim!.calls.some((c) => c.error === 41)).toBe(false);
  });

  it('answers an empty window with one call and no orders', async () => {
    await start({ trades: 0 });
    expect(await connector().pull!({ from: FROM, to: TO })).toEqual({ ok: true, orders: [], next: null });
    expect(sim!.calls).toHaveLength(1);
  });

  it('waits out a ban: retry with the seconds TOP names, for the whole app, then carries on', async () => {
    await start({ trades: 20 });
    const c = connector({ pageSize: 50 });
    sim!.ban(17);
    const refused = await c.pull!({ from: FROM, to: TO });
    expect(refused).toEqual({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('This ban will last for 17 more seconds'), afterMs: 17_000, pauseTarget: true } });
    clock += 17_000;
    const page = await c.pull!({ from: FROM, to: TO });
    expect(page.ok && page.orders).toHaveLength(20);
  });

  it('keeps what it fetched when the limit hits halfway through a page, and fetches the rest later', async () => {
    await start({ trades: 20, callLimit: { calls: 8, perMs: 60_000, banSeconds: 30 } });
    const c = connector({ fetchConcurrency: 1, pageSize: 50 });
    const first = await c.pull!({ from: FROM, to: TO });
    // 1 list call + 7 fullinfo calls got through; the other 13 trades wait in the cursor.
    expect(first.ok && first.orders).toHaveLength(7);
    const cursor = JSON.parse((first as { next: string }).next) as { pending: string[] };
    expect(cursor.pending).toHaveLength(13);
    // Still banned: nothing fetched, so the platform's wait goes back to the engine.
    const refused = await c.pull!({ from: FROM, to: TO, cursor: (first as { next: string }).next });
    expect(refused).toMatchObject({ ok: false, outcome: { outcome: 'retry', afterMs: 30_000, pauseTarget: true } });
    clock += 61_000;
    const { tids, pages } = await drain(connector({ fetchConcurrency: 1, pageSize: 50 }), FROM, TO, (first as { next: string }).next, { waitOutRetries: true });
    expect(pages.filter((p) => !p.ok).every((p) => !p.ok && p.outcome.outcome === 'retry' && p.outcome.afterMs! > 0)).toBe(true);
    expect(new Set([...(first as { orders: unknown[] }).orders.map(tidOf), ...tids])).toEqual(new Set(sim!.trades.keys()));
  });

  it('retries platform-side errors (isp.*) and gateway trouble without pausing the app', async () => {
    await start({ trades: 3 });
    sim!.failNext('isp');
    expect(await connector().pull!({ from: FROM, to: TO })).toEqual({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('isp.top-remote-connection-timeout') } });
    sim!.failNext('http-502');
    expect(await connector().pull!({ from: FROM, to: TO })).toMatchObject({ ok: false, outcome: { outcome: 'retry', reason: expect.stringContaining('HTTP 502') } });
    expect((await connector().pull!({ from: FROM, to: TO })).ok).toBe(true);
  });

  it('fails with a credential reason when the session has expired', async () => {
    await start({ trades: 3 });
    sim!.expireSession();
    const page = await connector().pull!({ from: FROM, to: TO });
    expect(page).toEqual({
      ok: false,
      outcome: { outcome: 'failed', code: 'top_27:session-expired', reason: expect.stringMatching(/session is invalid or expired; the merchant must authorise the app again: TOP 27 Invalid session:session-expired/) },
    });
    expect(JSON.stringify(page)).not.toContain(sim!.appSecret);
  });

  it('signs with each method TOP knows, and is refused with a wrong secret', async () => {
    await start({ trades: 2 });
    for (const signMethod of ['md5', 'hmac', 'hmac-sha256']) {
      expect((await connector({ signMethod }).pull!({ from: FROM, to: TO })).ok).toBe(true);
    }
    const wrong = await connector({ appSecret: 'not-the-secret' }).pull!({ from: FROM, to: TO });
    expect(wrong).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'top_25', reason: expect.stringContaining('Invalid signature') } });
    expect(JSON.stringify(wrong)).not.toContain('not-the-secret');
  });

  it('sends Beijing time whatever the host zone, and a clock 8 hours off is refused', async () => {
    await start({ trades: 2 });
    const utcAsBeijing = createTmallConnector(
      { channel: 'tmall', shop: 'flagship', baseUrl: sim!.url, appKey: sim!.appKey, appSecret: sim!.appSecret, session: sim!.session },
      { fetch, now: () => clock - 8 * 3_600_000 },
    );
    expect(await utcAsBeijing.pull!({ from: FROM, to: TO })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'top_31' } });
  });

  it('resumes from the stored cursor after a crash, in a new process, without losing or skipping a page', async () => {
    await start();
    const before = connector();
    const first = await before.pull!({ from: FROM, to: TO });
    const second = await before.pull!({ from: FROM, to: TO, cursor: (first as { next: string }).next });
    // The process dies here, before the second page's cursor was stored: the poller repeats
    // the last stored cursor with a fresh connector.
    const after = connector();
    const repeated = await after.pull!({ from: FROM, to: TO, cursor: (first as { next: string }).next });
    expect((repeated as { orders: unknown[] }).orders.map(tidOf).sort()).toEqual((second as { orders: unknown[] }).orders.map(tidOf).sort());
    const { tids } = await drain(after, FROM, TO, (repeated as { next: string }).next);
    const seen = new Set([...(first as { orders: unknown[] }).orders.map(tidOf), ...(repeated as { orders: unknown[] }).orders.map(tidOf), ...tids]);
    expect(seen).toEqual(new Set(sim!.trades.keys()));
    // A cursor this connector did not write is refused, not guessed at.
    expect(await after.pull!({ from: FROM, to: TO, cursor: '{"page":2}' })).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'bad_cursor' } });
  });

  it('misses no trade when trades are modified while it pages (where paging forwards would)', async () => {
    await start();
    const original = new Set(sim!.trades.keys());
    // Newest first, as TOP lists them: the positions the pages cover.
    const ranked = [...sim!.trades.values()].sort((a, b) => (a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : a.tid < b.tid ? 1 : -1)).map((t) => t.tid);
    const c = connector();
    const first = await c.pull!({ from: FROM, to: TO }); // count + page 3 (positions 20–29)
    // Buyers pay, sellers ship: 8 trades change now, on pages 1 and 2 and one already read.
    // They leave 10:00–12:00 for the present.
    const moved = [...ranked.slice(3, 8), ...ranked.slice(12, 14), ranked[25]!];
    sim!.touch(moved, clock - 60_000);
    const rest = await drain(c, FROM, TO, (first as { next: string }).next);
    const window1 = new Set([...(first as { orders: unknown[] }).orders.map(tidOf), ...rest.tids]);
    // Every trade that stayed in the window came.
    for (const tid of original) if (!moved.includes(tid)) expect(window1.has(tid), tid).toBe(true);
    // The ones that moved come with the next window, which covers their new modified time.
    const next = await drain(c, TO, new Date(clock).toISOString());
    expect(new Set([...window1, ...next.tids])).toEqual(original);

    // The same moves against a forward pager (page 1, 2, 3 with use_has_next): trades slide
    // onto pages already read and are never seen.
    await sim!.close();
    await start();
    const top = new TopClient({ baseUrl: sim!.url, appKey: sim!.appKey, appSecret: sim!.appSecret, session: sim!.session }, { fetch, now: () => clock });
    const forward = new Set<string>();
    for (let page = 1; page <= 3; page++) {
      const v = await top.call('taobao.trades.sold.increment.get', { fields: 'tid,modified', start_modified: '2024-05-20 10:00:00', end_modified: '2024-05-20 12:00:00', page_no: String(page), page_size: '10', use_has_next: 'true' });
      if (v.kind !== 'ok') throw new Error(v.reason);
      for (const t of (v.body.trades as { trade?: Array<{ tid: string }> } | undefined)?.trade ?? []) forward.add(String(t.tid));
      if (page === 1) sim!.touch(moved, clock - 60_000);
    }
    const missed = [...original].filter((tid) => !moved.includes(tid) && !forward.has(tid));
    expect(missed.length).toBeGreaterThan(0);
  });
  it('counts again when the list grew behind its back (has_next on the last page)', async () => {
    await start();
    const late = generateTrades({ count: 3, from: WINDOW.from, to: WINDOW.to, seed: 99 });
    // Right after the count, three trades appear in the window (the search index catching up).
    sim!.onCall((call) => {
      if (call.method === 'taobao.trades.sold.increment.get' && call.params.use_has_next) {
        for (const t of late) sim!.trades.set(t.tid, t);
        sim!.onCall(undefined);
      }
    });
    const { tids } = await drain(connector());
    expect(new Set(tids)).toEqual(new Set(sim!.trades.keys()));
    expect(sim!.trades.size).toBe(33);
    // Count (3 pages), page 3 says has_next: count again (4 pages), then 4, 3, 2, 1.
    expect(listCalls().map((l) => `${l.params.page_no}${l.params.use_has_next ? '' : '#'}`)).toEqual(['1#', '3', '1#', '4', '3', '2', '1']);
  });
});

describe('fetchOrder', () => {
  it('fetches one trade whole by its tid, and says so when it does not exist', async () => {
    await start({ trades: 3 });
    const tid = [...sim!.trades.keys()][1]!;
    const got = await connector().fetchOrder!(tid);
    expect(got.ok && (got.order as { tid: string }).tid).toBe(tid);
    expect(await connector().fetchOrder!('2999999999999999999')).toMatchObject({ ok: false, outcome: { outcome: 'failed', code: 'top_15:isv.trade-not-exist' } });
  });
});
