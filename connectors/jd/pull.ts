/**
 * One page of `jingdong.pop.order.search` by modified time (dateType 0), oldest first
 * (sortType 0), every order state, as raw `orderInfo` objects; orders the list gives only in part
 * are completed with `jingdong.pop.order.get`.
 *
 * Paging is by time, not by page number ("此处建议通过时间滚动的方式拉取订单，页数要尽量少" is JD's
 * own advice on `page`). Each call asks for page 1 from where the last one stopped: `since`, the
 * newest `modified` read so far, and `seen`, the ids already returned at exactly that second.
 * The query starts one second before `since` (start_date / end_date inclusivity is not
 * documented), so nothing at `since` is lost, and whatever comes back older than `since` or
 * already seen is dropped. A numbered page would skip orders when the window shifts under it:
 * an order modified during the pull leaves its place (or the window), every later order moves up
 * one, and the one that moves across a page boundary is never read. Re-querying from `since`
 * cannot skip: an order modified to a time still inside the window comes again (newer) later in
 * this pull, one modified past the window's end comes in the next window.
 *
 * Only when a whole page holds nothing newer than `since` (more than a page of orders modified in
 * one second) does the cursor step to page 2, 3 … of the same query; and if JD ever answers in
 * another order than by modified time, the cursor falls back to numbered pages for that window
 * rather than trusting a keyset it cannot have. JD allows at most one month between start_date
 * and end_date, so a longer window is read a month at a time.
 *
 * The cursor is JSON: `{v, from, to, start, since, seen, page}`; it names its window and is
 * refused for another one.
 */
import { beijingToIso, isoTime, isoToBeijing } from '../../core/order/time.ts';
import type { PullPage, PullRequest } from '../../core/connector/types.ts';
import { classifyApiResult, classifyJos, isRecord, type JosVerdict } from './classify.ts';
import { josLong, type Call, type JosClient } from './client.ts';

export const SEARCH = 'jingdong.pop.order.search';
export const GET = 'jingdong.pop.order.get';

/**
 * Every orderState the mapping knows: the eight JOS documents as query values (WAIT_SELLER_STOCK_OUT,
 * WAIT_GOODS_RECEIVE_CONFIRM, WAIT_SELLER_DELIVERY, PAUSE, FINISHED_L, TRADE_CANCELED, LOCKED,
 * POP_ORDER_PAUSE), then the response-only and LBP/SOPL ones.
 */
export const ALL_ORDER_STATES = [
  'WAIT_SELLER_STOCK_OUT',
  'WAIT_GOODS_RECEIVE_CONFIRM',
  'WAIT_SELLER_DELIVERY',
  'PAUSE',
  'FINISHED_L',
  'TRADE_CANCELED',
  'LOCKED',
  'POP_ORDER_PAUSE',
  'WAIT_SEND_CODE',
  'DELIVERY_RETURN',
  'UN_KNOWN',
  'SEND_TO_DISTRIBUTION_CENER',
  'DISTRIBUTION_CENTER_RECEIVED',
  'RECEIPTS_CONFIRM',
  'PARENT_TRADE_CANCELED',
] as const;

/** The orderInfo fields asked for (optional_fields is required: JD refuses a request without it). */
export const DEFAULT_OPTIONAL_FIELDS = [
  'orderId', 'venderId', 'orderType', 'payType', 'orderTotalPrice', 'orderSellerPrice', 'orderPayment', 'freightPrice',
  'sellerDiscount', 'balanceUsed', 'serviceFee', 'taxFee', 'orderState', 'orderStateRemark', 'deliveryType', 'invoiceInfo',
  'invoiceEasyInfo', 'invoiceCode', 'vatInfo', 'orderRemark', 'venderRemark', 'orderStartTime', 'orderEndTime', 'paymentConfirmTime',
  'modified', 'pin', 'open_id_buyer', 'xid_buyer', 'returnOrder', 'waybill', 'logisticsId', 'parentOrderId', 'directParentOrderId',
  'orderSource', 'storeOrder', 'storeId', 'idSopShipmenttype', 'scDT', 'consigneeInfo', 'itemInfoList', 'couponDetailList',
];

/** Without these an orderInfo cannot become an order: fetched whole with jingdong.pop.order.get. */
export const REQUIRED_FIELDS = ['orderId', 'orderState', 'modified', 'orderPayment', 'orderTotalPrice', 'itemInfoList'];

export const MAX_PAGE_SIZE = 100;
/** JD: start_date and end_date "不得相差超过1个月"; 30 days is always within a month. */
export const MAX_SPAN_MS = 30 * 86_400_000;

export interface PullSettings {
  pageSize: number;
  orderStates: readonly string[];
  optionalFields: readonly string[];
  /** `partial` (default): get an order only when the list lacks a required field; `always`: every one. */
  detail: 'partial' | 'always';
}

interface Cursor {
  v: 1;
  from: string;
  to: string;
  /** start_date of the current query (Beijing time). */
  start: string;
  /** Everything modified before this (Beijing time) has been returned. */
  since: string;
  /** Ids returned whose modified is exactly `since`. */
  seen: string[];
  page: number;
  /** Numbered pages for the rest of the window (JD did not answer oldest-modified first). */
  numbered?: true;
}

type Failure = Extract<PullPage, { ok: false }>;
type OrderInfo = Record<string, unknown> & { orderId?: unknown; modified?: unknown };

const BEIJING_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export async function pullPage(client: JosClient, settings: PullSettings, request: PullRequest, now: () => number): Promise<PullPage> {
  let fromText: string;
  let toText: string;
  try {
    fromText = isoToBeijing(isoTime(request.from));
    toText = isoToBeijing(isoTime(request.to));
  } catch (e) {
    return failed('window', `JD pull: ${(e as Error).message}`);
  }
  if (toText < fromText) return failed('window', `JD pull: the window ends (${request.to}) before it starts (${request.from})`);

  let cursor: Cursor;
  if (request.cursor === undefined) {
    cursor = { v: 1, from: request.from, to: request.to, start: fromText, since: fromText, seen: [], page: 1 };
  } else {
    const parsed = parseCursor(request.cursor, request);
    if ('error' in parsed) return failed('cursor', `JD pull: ${parsed.error}`);
    cursor = parsed;
  }

  const end = minTime(toText, addSeconds(cursor.start, MAX_SPAN_MS / 1000));
  const call = await client.call(SEARCH, {
    start_date: cursor.start,
    end_date: end,
    order_state: settings.orderStates.join(','),
    optional_fields: settings.optionalFields.join(','),
    page: String(cursor.page),
    page_size: String(settings.pageSize),
    sortType: 0,
    dateType: 0,
  });
  const verdict = verdictOf(call, SEARCH, now());
  if (verdict.kind !== 'ok') return outcome(verdict);
  const result = verdict.result.searchorderinfo_result;
  if (!isRecord(result)) return failed('envelope', `JD ${SEARCH}: the answer has no searchorderinfo_result`);
  const refused = classifyApiResult(result.apiResult, SEARCH);
  if (refused) return outcome(refused);
  const list = result.orderInfoList ?? [];
  if (!Array.isArray(list)) return failed('envelope', `JD ${SEARCH}: orderInfoList is not a list`);
  const infos: Array<{ id: string; modified: string; info: OrderInfo }> = [];
  for (const item of list) {
    if (!isRecord(item)) return failed('envelope', `JD ${SEARCH}: an orderInfoList entry is not an object`);
    const id = item.orderId === undefined || item.orderId === null ? '' : String(item.orderId);
    const modified = typeof item.modified === 'string' ? item.modified.trim() : '';
    if (!id || !BEIJING_TIME.test(modified)) {
      return failed('envelope', `JD ${SEARCH}: an order without orderId or modified (${id || '?'}, ${JSON.stringify(item.modified)}); optional_fields must include both`);
    }
    infos.push({ id, modified, info: item });
  }
  const total = typeof result.orderTotal === 'number' ? result.orderTotal : Number.NaN;

  const seen = new Set(cursor.seen);
  const fresh = infos.filter((o) => o.modified > cursor.since || (o.modified === cursor.since && !seen.has(o.id)));
  // orderTotal saves the empty call after a full last page; it is trusted only when it is plausible.
  const exhausted = infos.length < settings.pageSize || (Number.isFinite(total) && total >= (cursor.page - 1) * settings.pageSize + infos.length && cursor.page * settings.pageSize >= total);
  const sorted = infos.every((o, i) => i === 0 || infos[i - 1]!.modified <= o.modified);

  let next: Cursor | null;
  if (exhausted) {
    next = end < toText ? advance(cursor, end, infos, seen) : null;
  } else if (cursor.numbered || !sorted) {
    // No keyset without the order it needs: page through the rest of this query by number, and
    // remember what was returned at or after `since` so a shifted page repeats nothing.
    next = { ...cursor, numbered: true, page: cursor.page + 1, seen: [...new Set([...cursor.seen, ...fresh.filter((o) => o.modified === cursor.since).map((o) => o.id)])] };
  } else {
    const newest = infos[infos.length - 1]!.modified;
    next = newest > cursor.since ? advance(cursor, newest, infos, new Set()) : { ...cursor, page: cursor.page + 1, seen: [...new Set([...cursor.seen, ...infos.filter((o) => o.modified === cursor.since).map((o) => o.id)])] };
  }

  // A sweep passes what the store already holds: those are neither fetched nor ingested again.
  const known = request.known ? await request.known(fresh.map((o) => ({ externalId: o.id, modifiedMs: Date.parse(beijingToIso(o.modified)) }))) : undefined;
  const orders: unknown[] = [];
  for (const order of fresh) {
    if (known?.has(order.id)) continue;
    if (settings.detail === 'always' || REQUIRED_FIELDS.some((f) => order.info[f] === undefined || order.info[f] === null)) {
      const detail = await getOrder(client, settings, order.id, now);
      if (!detail.ok) return detail;
      orders.push(detail.order ?? order.info);
    } else {
      orders.push(order.info);
    }
  }
  return { ok: true, orders, next: next ? JSON.stringify(next) : null };
}

/** One order by id, with `jingdong.pop.order.get`; `order` null when JD has no such order. */
export async function getOrder(client: JosClient, settings: Pick<PullSettings, 'optionalFields'>, orderId: string, now: () => number): Promise<{ ok: true; order: Record<string, unknown> | null } | Failure> {
  if (!/^\d{1,19}$/.test(orderId)) return failed('order', `JD order ids are digits; got "${orderId}"`);
  const call = await client.call(GET, { order_id: josLong(orderId), optional_fields: settings.optionalFields.join(',') });
  const verdict = verdictOf(call, GET, now());
  if (verdict.kind !== 'ok') return outcome(verdict);
  const detail = verdict.result.orderDetailInfo;
  if (!isRecord(detail)) return failed('envelope', `JD ${GET} ${orderId}: the answer has no orderDetailInfo`);
  const info = detail.orderInfo;
  if (isRecord(info)) return { ok: true, order: info };
  const refused = classifyApiResult(detail.apiResult, `${GET} ${orderId}`);
  if (refused) return outcome(refused);
  return { ok: true, order: null };
}

/** The next query after a page whose newest order was modified at `at`. */
function advance(cursor: Cursor, at: string, infos: Array<{ id: string; modified: string }>, kept: Set<string>): Cursor {
  const seen = new Set(at === cursor.since ? kept : []);
  for (const o of infos) if (o.modified === at) seen.add(o.id);
  return { v: 1, from: cursor.from, to: cursor.to, start: addSeconds(at, -1), since: at, seen: [...seen], page: 1 };
}

function verdictOf(call: Call, method: string, now: number): JosVerdict {
  // Reads change nothing: whether or not the request got there, it can be sent again.
  if (call.kind !== 'answer') return { kind: 'retry', code: call.kind, reason: `JD ${method}: ${call.reason}` };
  return classifyJos(call, method, now);
}

function outcome(verdict: Exclude<JosVerdict, { kind: 'ok' }>): Failure {
  if (verdict.kind === 'retry') {
    return { ok: false, outcome: { outcome: 'retry', reason: verdict.reason, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}), ...(verdict.pauseTarget ? { pauseTarget: true } : {}) } };
  }
  return failed(verdict.code, verdict.reason);
}

function failed(code: string, reason: string): Failure {
  return { ok: false, outcome: { outcome: 'failed', code, reason } };
}

function parseCursor(text: string, request: PullRequest): Cursor | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'the cursor is not one this connector wrote' };
  }
  if (!isRecord(value) || value.v !== 1) return { error: 'the cursor is not one this connector wrote' };
  const c = value as unknown as Cursor;
  if (c.from !== request.from || c.to !== request.to) return { error: `the cursor belongs to the window ${String(c.from)} – ${String(c.to)}, not ${request.from} – ${request.to}` };
  const ok =
    typeof c.start === 'string' && BEIJING_TIME.test(c.start) && typeof c.since === 'string' && BEIJING_TIME.test(c.since) &&
    Array.isArray(c.seen) && c.seen.every((s) => typeof s === 'string') && Number.isSafeInteger(c.page) && c.page >= 1;
  return ok ? c : { error: 'the cursor is damaged' };
}

function addSeconds(beijing: string, seconds: number): string {
  return isoToBeijing(new Date(Date.parse(beijingToIso(beijing)) + seconds * 1000).toISOString());
}

function minTime(a: string, b: string): string {
  return a < b ? a : b;
}
