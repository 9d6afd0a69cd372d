/**
 * One page of orders modified in a window, from `youzan.trades.sold.get` 4.0.4 (start_update /
 * end_update in Beijing time, page_no from 1, page_size at most 100; page_no ≤ 100 and
 * page_no × page_size ≤ 10,000: "如果订单较多请使用时间参数分割", TsangJx/YouZanYunSDK
 * `API/Node/Trades/SoldNode.cs`). Each order is the list entry's `full_order_info`, complete for
 * mappings/youzan.yaml, so no detail call is needed.
 *
 * Why the pages are read backwards. Youzan's own description of the update-time search: "更新时间
 * 可以获取最新更新订单，但是范围内订单是动态变化的" (the orders in the range change while you read,
 * doc youzan.trades.sold.get 4.0.4). An order modified during the pull gets a new update_time past
 * the window's end and drops out of the result list; every order behind it moves up one place. Read
 * front to back, the order that moves from page k+1 onto page k (already read) is never seen.
 * Read back to front, a removal only ever moves orders from the unread front towards the read
 * back, so an order is at worst read twice, never missed, whichever way Youzan sorts. So:
 *
 * 1. page 1 is read first only to learn `total_results` (its orders are returned too; repeats are
 *    harmless, the pipeline drops unchanged orders);
 * 2. then the last page, and on down to page 1 again;
 * 3. a page that reports a larger total than the one before means something entered the window
 *    (late indexing: Youzan says its batch search lags, "建议收到交易消息后间隔大于30秒调用接口查询");
 *    orders may have been pushed into the part already read, so the walk starts again from the new
 *    last page;
 * 4. a window holding more than 10,000 orders is cut in halves by time until each fits;
 * 5. a window must end at least `settleMs` (30 s) ago: before that it is still filling, and the
 *    answer is `retry` until it is settled.
 *
 * Orders that drop out of a window were modified after it and belong to a later window; the
 * poller's next window (or the sweep) reads them there.
 *
 * The cursor is opaque JSON: `{"v":1,"w":[from,to],"todo":[[from,to],…],"cur":[from,to,page,total]}`
 * (epoch ms, whole seconds): the window it belongs to, the time slices not yet read, and the slice
 * being walked backwards with the next page to read and the total last seen.
 */
import type { PullPage, PullRequest } from '../../core/connector/types.ts';
import type { YouzanClient } from './client.ts';
import { toBeijing } from './time.ts';

export const SOLD_GET = 'youzan.trades.sold.get';
/** Most pages Youzan serves for one query, and the most orders (page_no × page_size ≤ 10,000). */
export const MAX_PAGE_NO = 100;
/** Slices longer than this are cut first (Youzan refuses spans over 3 months). */
export const MAX_SPAN_MS = 30 * 24 * 60 * 60_000;
export const DEFAULT_SETTLE_MS = 30_000;

type Slice = [from: number, to: number];
interface PullState {
  v: 1;
  w: Slice;
  todo: Slice[];
  cur?: [from: number, to: number, page: number, total: number];
}

export interface PullContext {
  client: YouzanClient;
  version: string;
  pageSize: number;
  settleMs: number;
  now: () => number;
}

export async function pullPage(request: PullRequest, ctx: PullContext): Promise<PullPage> {
  const from = Date.parse(request.from);
  const to = Date.parse(request.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return failed('window', `not ISO-8601 times: from ${request.from}, to ${request.to}`);
  const window: Slice = [second(from), second(to)];
  if (window[0] > window[1]) return failed('window', `the window ends before it starts: ${request.from} > ${request.to}`);
  const settledAt = to + ctx.settleMs;
  if (settledAt > ctx.now()) {
    return { ok: false, outcome: { outcome: 'retry', reason: `the window ends at ${request.to}, less than ${ctx.settleMs / 1000} s ago: Youzan's order search lags, so it is read once settled`, afterMs: settledAt - ctx.now() } };
  }
  const state = readCursor(request.cursor, window) ?? { v: 1, w: window, todo: spans(window) };
  return state.cur ? walk(state, state.cur, ctx) : probe(state, ctx);
}

/** The first page of the next slice: its total decides how the slice is read. */
async function probe(state: PullState, ctx: PullContext): Promise<PullPage> {
  const slice = state.todo[0];
  if (!slice) return { ok: true, orders: [], next: null };
  const page = await fetchPage(slice, 1, ctx);
  if (!page.ok) return page.result;
  const maxResults = ctx.pageSize * MAX_PAGE_NO;
  if (page.total > maxResults) {
    if (slice[1] - slice[0] < 1000) return failed('too_many', `more than ${maxResults} orders modified within ${toBeijing(slice[0])}: Youzan serves at most ${maxResults} per query`);
    const mid = second((slice[0] + slice[1]) / 2);
    state.todo.splice(0, 1, [slice[0], mid], [mid + 1000, slice[1]]);
    return { ok: true, orders: page.orders, next: writeCursor(state) };
  }
  state.todo.shift();
  if (page.total > ctx.pageSize) state.cur = [slice[0], slice[1], Math.ceil(page.total / ctx.pageSize), page.total];
  return { ok: true, orders: page.orders, next: state.todo.length || state.cur ? writeCursor(state) : null };
}

/** One page of the slice being read from its last page down to its first. */
async function walk(state: PullState, cur: NonNullable<PullState['cur']>, ctx: PullContext): Promise<PullPage> {
  const [sliceFrom, sliceTo, pageNo, lastTotal] = cur;
  const page = await fetchPage([sliceFrom, sliceTo], pageNo, ctx);
  if (!page.ok) return page.result;
  if (page.total > lastTotal) {
    // Something entered the slice: orders may have moved into the pages already read. Start over
    // from the new last page (or hand the slice back to be cut, when it no longer fits).
    if (page.total > ctx.pageSize * MAX_PAGE_NO) {
      delete state.cur;
      state.todo.unshift([sliceFrom, sliceTo]);
    } else {
      state.cur = [sliceFrom, sliceTo, Math.ceil(page.total / ctx.pageSize), page.total];
    }
  } else if (pageNo <= 1) {
    delete state.cur;
  } else {
    // Unread orders only ever move towards page 1, and never past the current total.
    state.cur = [sliceFrom, sliceTo, Math.max(1, Math.min(pageNo - 1, Math.ceil(page.total / ctx.pageSize))), page.total];
  }
  return { ok: true, orders: page.orders, next: state.todo.length || state.cur ? writeCursor(state) : null };
}

type FetchedPage = { ok: true; orders: unknown[]; total: number } | { ok: false; result: Extract<PullPage, { ok: false }> };

async function fetchPage(slice: Slice, pageNo: number, ctx: PullContext): Promise<FetchedPage> {
  const call = await ctx.client.call(SOLD_GET, ctx.version, {
    start_update: toBeijing(slice[0]),
    end_update: toBeijing(slice[1]),
    page_no: pageNo,
    page_size: ctx.pageSize,
  });
  if (!call.ok) return { ok: false, result: { ok: false, outcome: call.outcome } };
  const list = call.data.full_order_info_list;
  if (list !== undefined && list !== null && !Array.isArray(list)) return { ok: false, result: failed('shape', 'full_order_info_list is not a list') };
  const entries = (list ?? []) as unknown[];
  const orders = entries.map((e) => (e && typeof e === 'object' ? (e as { full_order_info?: unknown }).full_order_info : undefined)).filter((o) => o && typeof o === 'object');
  if (orders.length !== entries.length) return { ok: false, result: failed('shape', 'a full_order_info_list entry has no full_order_info') };
  const reported = Number(call.data.total_results);
  if (!Number.isFinite(reported)) {
    // Only a short first page can stand for its own total.
    if (pageNo === 1 && orders.length < ctx.pageSize) return { ok: true, orders, total: orders.length };
    return { ok: false, result: failed('shape', 'the answer has no total_results') };
  }
  return { ok: true, orders, total: reported };
}

function spans([from, to]: Slice): Slice[] {
  const out: Slice[] = [];
  for (let start = from; start <= to; start += MAX_SPAN_MS) out.push([start, Math.min(to, start + MAX_SPAN_MS - 1000)]);
  return out;
}

function readCursor(cursor: string | undefined, window: Slice): PullState | null {
  if (!cursor) return null;
  try {
    const state = JSON.parse(cursor) as PullState;
    const isSlice = (s: unknown): s is Slice => Array.isArray(s) && s.length === 2 && s.every(Number.isSafeInteger);
    const fits =
      state?.v === 1 &&
      isSlice(state.w) &&
      state.w[0] === window[0] &&
      state.w[1] === window[1] &&
      Array.isArray(state.todo) &&
      state.todo.every(isSlice) &&
      (state.cur === undefined || (Array.isArray(state.cur) && state.cur.length === 4 && state.cur.every(Number.isSafeInteger) && state.cur[2] >= 1));
    // A cursor of another window (or a damaged one) starts the window over: repeats are harmless.
    return fits ? state : null;
  } catch {
    return null;
  }
}

function writeCursor(state: PullState): string {
  return JSON.stringify(state);
}

function second(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function failed(code: string, reason: string): Extract<PullPage, { ok: false }> {
  return { ok: false, outcome: { outcome: 'failed', code, reason } };
}
