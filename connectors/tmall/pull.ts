/**
 * Pulling a modified-time window: `taobao.trades.sold.increment.get` lists the trades, then
 * `taobao.trade.fullinfo.get` fetches each one whole (the list is partial, the docs say so).
 * One call of `pull` reads one list page and the trades on it.
 *
 * Paging, and why (taobao.trades.sold.increment.get, open.taobao.com docId=128; the
 * parameter texts are quoted from the API's metadata):
 *
 * - `end_modified - start_modified` may be at most one day, and "建议使用30分钟以内的时间跨度"
 *   (spans under 30 minutes answer faster and fail less): a longer window is walked in
 *   sub-windows of `windowMinutes` (default 30). Sub-windows share their boundary second, so
 *   nothing falls between them (a trade on the boundary comes twice; the pipeline dedupes).
 * - The results come newest-modified first, and page_no says "必须采用倒序的分页方式（从最后一页
 *   往回取）才能避免漏单问题": read from the last page backwards. Why that works: a trade modified
 *   while we page gets a modified time after the window's end and drops out of the list; every
 *   trade after it moves one place towards the front. Paging forwards, the trade that moves
 *   from the next page onto the one just read is never seen. Paging backwards, it moves onto
 *   the page still to be read, so it comes twice at worst. The trade that dropped out belongs
 *   to a later window and comes with that one. This holds while the window lies in the past
 *   (new trades are not added to it), which the poller's lag behind the clock ensures.
 * - Reading backwards needs the page count, and `use_has_next=true` (80 % faster, the docs say)
 *   returns no `total_results`. So the first call of a sub-window asks page 1 with the count;
 *   when one page holds everything (the usual case for short windows) that page is used and
 *   the sub-window is done in one call. Otherwise the remaining pages are read last to first
 *   with `use_has_next=true`. On the last page `has_next` must be false; if it is true the
 *   list has grown since the count (a window reaching into the present, or the search index
 *   catching up), and the sub-window is counted and read again.
 * - page_size: "建议使用40~50" for success rates; default 50, at most 100.
 *
 * The cursor is JSON: the sub-window, the page count and the next page, and the tids listed
 * but not fetched yet (a call limit hit halfway through a page). A call that made progress
 * returns it, even with no orders; a call that made none returns the platform's `retry`.
 */
import type { PullPage, PullRequest } from '../../core/connector/types.ts';
import type { SendOutcome } from '../../core/outbox/types.ts';
import type { TopVerdict } from './classify.ts';
import type { TopClient } from './client.ts';
import { beijingTime, parseBeijingTime } from './sign.ts';

/** Everything the tmall mapping reads, and what a person looking at the raw trade wants. */
export const FULLINFO_FIELDS = [
  'tid', 'tid_str', 'type', 'status', 'title', 'seller_nick', 'buyer_nick', 'buyer_open_uid',
  'created', 'pay_time', 'modified', 'end_time', 'consign_time',
  'total_fee', 'payment', 'post_fee', 'discount_fee', 'adjust_fee', 'received_payment', 'coupon_fee', 'point_fee',
  'buyer_message', 'has_buyer_message', 'seller_memo', 'seller_flag',
  'receiver_name', 'receiver_mobile', 'receiver_phone', 'receiver_state', 'receiver_city', 'receiver_district',
  'receiver_town', 'receiver_address', 'receiver_zip', 'receiver_country', 'oaid',
  'step_trade_status', 'step_paid_fee', 'shipping_type', 'trade_from', 'is_part_consign',
  'orders', 'promotion_details',
].join(',');

/** The list only has to name the trades. */
export const LIST_FIELDS = 'tid,modified';

export const MAX_WINDOW_MINUTES = 24 * 60;

export interface PullOptions {
  /** Sub-window span (default 30, at most 1440 = TOP's one day). */
  windowMinutes?: number;
  /** List page size (default 50, at most 100). */
  pageSize?: number;
  /** fullinfo calls in flight at once within one pull (default 4). */
  fetchConcurrency?: number;
}

interface PullState {
  v: 1;
  /** The sub-window, Beijing `yyyy-MM-dd HH:mm:ss`. */
  start: string;
  end: string;
  /** Pages counted at the start of the sub-window; absent until counted. */
  pages?: number;
  /** The next page to read, counting down to 1. */
  page?: number;
  /** The request's window is finished once `pending` is fetched. */
  done?: boolean;
  /** Listed, not yet fetched whole. */
  pending?: string[];
}

type Failure = Extract<SendOutcome, { outcome: 'retry' | 'failed' }>;

export function outcomeOf(verdict: Exclude<TopVerdict, { kind: 'ok' }>): Failure {
  return verdict.kind === 'retry'
    ? { outcome: 'retry', reason: verdict.reason, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.pauseTarget ? { pauseTarget: true } : {}) }
    : { outcome: 'failed', reason: verdict.reason, code: verdict.code };
}

/** A list (`{trades: {trade: [...]}}`, or a bare array with simplify=true) as an array. */
export function listOf(value: unknown, item: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') {
    const inner = (value as Record<string, unknown>)[item];
    if (Array.isArray(inner)) return inner;
    if (inner && typeof inner === 'object') return [inner];
  }
  return [];
}

/** A trade's id as its exact digits (the exact reader gives big ids as strings). */
export function tidOf(trade: unknown): string | undefined {
  if (!trade || typeof trade !== 'object') return undefined;
  const t = trade as { tid_str?: unknown; tid?: unknown };
  const id = t.tid_str ?? t.tid;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

export function createPuller(top: TopClient, options: PullOptions = {}) {
  const spanMs = Math.min(Math.max(1, options.windowMinutes ?? 30), MAX_WINDOW_MINUTES) * 60_000;
  const pageSize = Math.min(Math.max(1, options.pageSize ?? 50), 100);
  const concurrency = Math.max(1, options.fetchConcurrency ?? 4);

  async function fetchTrade(tid: string): Promise<TopVerdict> {
    const verdict = await top.call('taobao.trade.fullinfo.get', { tid, fields: FULLINFO_FIELDS });
    if (verdict.kind !== 'ok') return verdict;
    const trade = verdict.body.trade;
    if (!trade || typeof trade !== 'object') return { kind: 'failed', reason: `taobao.trade.fullinfo.get ${tid}: no trade in the answer`, code: 'unexpected' };
    return { kind: 'ok', body: trade as Record<string, unknown> };
  }

  /** Fetches trades whole, a few at a time; stops starting new calls at the first refusal. */
  async function fetchTrades(tids: string[]): Promise<{ orders: unknown[]; rest: string[]; stop?: Exclude<TopVerdict, { kind: 'ok' }> }> {
    const results: Array<TopVerdict | undefined> = new Array(tids.length);
    let stop: Exclude<TopVerdict, { kind: 'ok' }> | undefined;
    let next = 0;
    const worker = async () => {
      while (!stop && next < tids.length) {
        const i = next++;
        const verdict = await fetchTrade(tids[i]!);
        results[i] = verdict;
        // A trade listed a moment ago and gone now (isv.trade-not-exist) has nothing to ingest.
        if (verdict.kind !== 'ok' && !(verdict.kind === 'failed' && verdict.notFound)) stop ??= verdict;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, tids.length) }, worker));
    const orders: unknown[] = [];
    const rest: string[] = [];
    // (A plain loop: forEach would skip the holes left by calls never made.)
    for (let i = 0; i < tids.length; i++) {
      const r = results[i];
      if (r?.kind === 'ok') orders.push(r.body);
      else if (!(r?.kind === 'failed' && r.notFound)) rest.push(tids[i]!);
    }
    return { orders, rest, ...(stop ? { stop } : {}) };
  }

  async function listPage(state: PullState, page: number, count: boolean): Promise<TopVerdict> {
    return top.call('taobao.trades.sold.increment.get', {
      fields: LIST_FIELDS,
      start_modified: state.start,
      end_modified: state.end,
      page_no: String(page),
      page_size: String(pageSize),
      ...(count ? {} : { use_has_next: 'true' }),
    });
  }

  function windowFrom(startMs: number, toMs: number): PullState {
    return { v: 1, start: beijingTime(startMs), end: beijingTime(Math.min(startMs + spanMs, toMs)) };
  }

  /** The next sub-window, or the finished state. */
  function after(state: PullState, toMs: number): PullState {
    const endMs = parseBeijingTime(state.end);
    if (endMs >= toMs) return { v: 1, start: state.end, end: state.end, done: true };
    return windowFrom(endMs, toMs);
  }

  function encode(state: PullState): string | null {
    if (state.done && !state.pending?.length) return null;
    return JSON.stringify(state);
  }

  /** Fetches `tids` and says where to go next, keeping what could not be fetched. */
  async function finish(tids: string[], next: PullState, progressed: boolean): Promise<PullPage> {
    const { orders, rest, stop } = await fetchTrades(tids);
    if (stop?.kind === 'failed') return { ok: false, outcome: outcomeOf(stop) };
    if (rest.length) {
      if (!orders.length && !progressed && stop) return { ok: false, outcome: outcomeOf(stop) };
      return { ok: true, orders, next: JSON.stringify({ ...next, pending: rest }) };
    }
    const { pending: _, ...clean } = next;
    return { ok: true, orders, next: encode(clean) };
  }

  /** The listed tids, less those a sweep says the store already has at that modified time. */
  async function toFetch(body: Record<string, unknown>, request: PullRequest): Promise<string[]> {
    const listed = listOf(body.trades, 'trade').flatMap((trade) => {
      const tid = tidOf(trade);
      const modified = (trade as { modified?: unknown }).modified;
      return tid === undefined ? [] : [{ externalId: tid, modifiedMs: typeof modified === 'string' ? parseBeijingTime(modified) : Number.NaN }];
    });
    if (!request.known) return listed.map((t) => t.externalId);
    const known = await request.known(listed.filter((t) => !Number.isNaN(t.modifiedMs)));
    return listed.filter((t) => !known.has(t.externalId)).map((t) => t.externalId);
  }

  return async function pull(request: PullRequest): Promise<PullPage> {
    const fromMs = Date.parse(request.from);
    const toMsRaw = Date.parse(request.to);
    if (Number.isNaN(fromMs) || Number.isNaN(toMsRaw) || toMsRaw < fromMs) {
      return { ok: false, outcome: { outcome: 'failed', reason: `not a window: from ${request.from} to ${request.to}`, code: 'bad_window' } };
    }
    // Whole seconds (TOP's resolution), rounded outwards so neighbouring windows overlap.
    const startMs = Math.floor(fromMs / 1000) * 1000;
    const toMs = Math.ceil(toMsRaw / 1000) * 1000;
    let state: PullState;
    if (request.cursor) {
      const decoded = decodeCursor(request.cursor);
      if (!decoded) return { ok: false, outcome: { outcome: 'failed', reason: 'the cursor is not one this connector wrote', code: 'bad_cursor' } };
      state = decoded;
    } else {
      if (toMs <= startMs) return { ok: true, orders: [], next: null };
      state = windowFrom(startMs, toMs);
    }

    // 1. Trades listed before and not fetched yet.
    if (state.pending?.length) return finish(state.pending, state, false);
    if (state.done) return { ok: true, orders: [], next: null };

    // 2. A new sub-window: count it (page 1 with total_results).
    let progressed = false;
    if (state.pages === undefined || state.page === undefined || state.page < 1) {
      const probe = await listPage(state, 1, true);
      if (probe.kind !== 'ok') return { ok: false, outcome: outcomeOf(probe) };
      const total = Number(probe.body.total_results ?? 0);
      const pages = Math.ceil((Number.isFinite(total) ? total : 0) / pageSize);
      if (pages <= 1) return finish(await toFetch(probe.body, request), after(state, toMs), true);
      state = { v: 1, start: state.start, end: state.end, pages, page: pages };
      progressed = true;
    }

    // 3. The next page, from the last one backwards.
    const page = state.page!;
    const list = await listPage(state, page, false);
    if (list.kind !== 'ok') {
      if (progressed && list.kind === 'retry') return { ok: true, orders: [], next: JSON.stringify(state) };
      return { ok: false, outcome: outcomeOf(list) };
    }
    let next: PullState;
    if (page === state.pages && list.body.has_next === true) {
      // More behind the last page than when we counted: count again.
      next = { v: 1, start: state.start, end: state.end };
    } else if (page > 1) {
      next = { ...state, page: page - 1 };
    } else {
      next = after(state, toMs);
    }
    return finish(await toFetch(list.body, request), next, true);
  };
}

function decodeCursor(cursor: string): PullState | undefined {
  try {
    const state = JSON.parse(cursor) as PullState;
    if (state?.v !== 1 || Number.isNaN(parseBeijingTime(state.start)) || Number.isNaN(parseBeijingTime(state.end))) return undefined;
    if (state.pending !== undefined && !(Array.isArray(state.pending) && state.pending.every((t) => typeof t === 'string' && /^\d+$/.test(t)))) return undefined;
    return state;
  } catch {
    return undefined;
  }
}
