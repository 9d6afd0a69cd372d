/**
 * A TOP gateway simulator on 127.0.0.1 (`/router/rest`), speaking TOP's request and answer
 * shapes for the calls the tmall connector makes:
 *
 * - every call: the system parameters (method, app_key, timestamp in Beijing time within
 *   10 minutes, v, sign_method, sign; session where the API needs one) from the query string
 *   and the form body, the signature checked by the rule re-derived here with node:crypto
 *   (sorted name+value, body-less; md5 wrapped in the secret, hmac / hmac-sha256 keyed with it);
 *   errors as `{"error_response":{code,msg,sub_code,sub_msg,request_id}}` with HTTP 200:
 *   25 Invalid signature, 27 Invalid session (invalid-sessionkey / session-expired),
 *   29 Invalid app Key, 31 Invalid timestamp, 22 Invalid method, 40/41 arguments;
 * - a call limit: over `callLimit.calls` per `callLimit.perMs`, the app is banned for
 *   `banSeconds` and every call answers code 7 "App Call Limited" with
 *   "This ban will last for N more seconds" (sub_code accesscontrol.limited-by-app-access-count);
 * - taobao.trades.sold.increment.get: start/end_modified (at most a day apart), page_no,
 *   page_size (1..100, default 40), use_has_next; newest-modified first; only the asked
 *   `fields`; total_results without use_has_next, has_next with it;
 * - taobao.trade.fullinfo.get: the trade (asked fields; `orders` and `promotion_details` whole),
 *   or sub_code isv.trade-not-exist;
 * - taobao.item.quantity.update: num_iid with sku_id or outer_id (or neither, for an item
 *   without SKUs), quantity, type 1 (full) / 2 (add); kept in `stockUpdates`.
 *
 * Big ids (tid, oid, num_iid, cid, promotion id) are written as bare JSON numbers, as TOP does.
 * `simplify=true` drops the `*_response` root and the list wrappers.
 *
 * Tests move trades while a pull is under way (`touch`, `onCall`), inject failures
 * (`failNext`), and build TMC messages as a relay would POST them (`tmcRequest`).
 *
 * @example
 * const sim = await startTmallSandbox({ trades: 120, window: { from, to } });
 * createTmallConnector({ channel: 'tmall', shop: 's1', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, session: sim.session }, { fetch, now: Date.now });
 * await sim.close();
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushRequest } from '../../../core/connector/types.ts';
import { beijing, CATALOG, generateTrades, type CatalogSku, type Trade } from './trades.ts';

export interface TmallSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  appKey?: string;
  appSecret?: string;
  session?: string;
  /** Trades to serve: given, or this many generated with modified times in `window`. */
  trades?: Trade[] | number;
  window?: { from: number; to: number };
  seed?: number;
  /** The simulator's clock (timestamps, bans); default Date.now. */
  now?: () => number;
  callLimit?: { calls: number; perMs: number; banSeconds: number };
}

export type SandboxFailure = 'isp' | 'http-502' | 'ban' | 'session-expired';

export interface SandboxCall {
  method: string;
  params: Record<string, string>;
  error?: number;
}

export interface TmallSandbox {
  /** The gateway URL (…/router/rest). */
  url: string;
  appKey: string;
  appSecret: string;
  session: string;
  /** tid → trade, as fullinfo serves it (ids as digit strings). */
  trades: Map<string, Trade>;
  catalog: CatalogSku[];
  stockUpdates: Array<{ num_iid: string; sku_id?: string; outer_id?: string; quantity: number; type: number }>;
  calls: SandboxCall[];
  /** The buyer or seller changed these trades: their modified time becomes `at`. */
  touch(tids: string[], at: number): void;
  /** Runs before each call is answered (to change trades while a pull pages). */
  onCall(hook: ((call: SandboxCall, n: number) => void) | undefined): void;
  failNext(failure: SandboxFailure, count?: number): void;
  /** Bans the app for this many seconds from now (code 7). */
  ban(seconds: number): void;
  expireSession(): void;
  /** A TMC message as taobao.tmc.messages.consume returns it, for a trade. */
  tmcMessage(topic: string, tid: string, extra?: { oid?: string; refundFee?: string }): Record<string, unknown>;
  /** The HTTP request a TMC relay sends the hub for these messages, signed (SPI md5 rule). */
  tmcRequest(messages: Array<Record<string, unknown>>, options?: { timestamp?: number; secret?: string; signMethod?: 'md5' | 'hmac' | 'hmac-sha256' }): PushRequest;
  /** POSTs a relayed TMC request to the hub's push route, as the relay would. */
  pushTo(url: string, request: PushRequest): Promise<{ status: number; body: string }>;
  /** Buyers place `count` new orders now (statuses cycling as generated); returns their ids. */
  newOrders(count: number): string[];
  close(): Promise<void>;
}

const NUMERIC_IDS = new Set(['tid', 'oid', 'num_iid', 'cid', 'id', 'user_id']);
const MARK = '__top_number__';
const SESSION_METHODS = new Set(['taobao.trades.sold.increment.get', 'taobao.trade.fullinfo.get', 'taobao.item.quantity.update']);

/** TOP's rule, written here apart from the connector's signer. */
function topSign(params: Record<string, string>, secret: string, method: string, body = '', keepEmpty = false): string {
  const base =
    Object.keys(params)
      .filter((k) => k !== 'sign' && (keepEmpty || params[k] !== ''))
      .sort()
      .map((k) => `${k}${params[k]}`)
      .join('') + body;
  if (method === 'hmac') return createHmac('md5', secret).update(base, 'utf8').digest('hex').toUpperCase();
  if (method === 'hmac-sha256') return createHmac('sha256', secret).update(base, 'utf8').digest('hex').toUpperCase();
  return createHash('md5').update(`${secret}${base}${secret}`, 'utf8').digest('hex').toUpperCase();
}

/** JSON with the id fields written as bare numbers (digit strings in memory). */
function topJson(value: unknown): string {
  const text = JSON.stringify(value, (key, v) => (NUMERIC_IDS.has(key) && typeof v === 'string' && /^\d+$/.test(v) ? `${MARK}${v}` : v));
  return text.replace(new RegExp(`"${MARK}(\\d+)"`, 'g'), '$1');
}

const parseBeijing = (text: string) => (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text) ? Date.parse(`${text.replace(' ', 'T')}+08:00`) : Number.NaN);

export async function startTmallSandbox(options: TmallSandboxOptions = {}): Promise<TmallSandbox> {
  const appKey = options.appKey ?? '34567890';
  const appSecret = options.appSecret ?? 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const session = options.session ?? '6100e2b7c0f1d2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9c02200000001';
  let sessionExpired = false;
  const now = options.now ?? Date.now;
  const window = options.window ?? { from: now() - 3 * 3_600_000, to: now() - 3_600_000 };
  const list = Array.isArray(options.trades) ? options.trades : generateTrades({ count: options.trades ?? 60, from: window.from, to: window.to, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const trades = new Map(list.map((t) => [t.tid, t]));
  const catalog = CATALOG.map((s) => ({ ...s }));
  const stockUpdates: TmallSandbox['stockUpdates'] = [];
  const calls: SandboxCall[] = [];
  const queued: SandboxFailure[] = [];
  const recent: number[] = [];
  let bannedUntil = 0;
  let hook: ((call: SandboxCall, n: number) => void) | undefined;
  let requestSeq = 0;
  let messageSeq = 0n;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  function send(res: ServerResponse, status: number, text: string, type = 'application/json;charset=UTF-8'): void {
    res.writeHead(status, { 'content-type': type });
    res.end(text);
  }

  function error(code: number, msg: string, sub?: { sub_code: string; sub_msg: string }) {
    return { error_response: { code, msg, ...(sub ?? {}), request_id: `${(++requestSeq).toString(36)}sim` } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/router/rest') return send(res, 404, 'Not Found', 'text/plain');
    const body = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    if (body && (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    }
    const call: SandboxCall = { method: params.method ?? '', params };
    calls.push(call);
    hook?.(call, calls.length);
    const answer = respond(params);
    if (answer === 'http-502') {
      call.error = 502;
      return send(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html');
    }
    if ('error_response' in answer) call.error = Number((answer.error_response as { code: number }).code);
    const simplify = params.simplify === 'true';
    const out = 'error_response' in answer || simplify ? answer : { [`${call.method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`]: { ...answer, request_id: `${(++requestSeq).toString(36)}sim` } };
    send(res, 200, topJson(simplify ? unwrapLists(out) : out));
  }

  function respond(params: Record<string, string>): Record<string, unknown> | 'http-502' {
    const t = now();
    // The ban and the call limit come before anything else is looked at.
    if (t < bannedUntil) return banned(t);
    if (options.callLimit) {
      while (recent.length && recent[0]! <= t - options.callLimit.perMs) recent.shift();
      if (recent.length >= options.callLimit.calls) {
        bannedUntil = t + options.callLimit.banSeconds * 1000;
        return banned(t);
      }
      recent.push(t);
    }
    const failure = queued.shift();
    if (failure === 'http-502') return 'http-502';
    if (failure === 'ban') {
      bannedUntil = t + 3_000;
      return banned(t);
    }
    if (failure === 'isp') return error(15, 'Remote service error', { sub_code: 'isp.top-remote-connection-timeout', sub_msg: '远程服务调用超时' });
    if (failure === 'session-expired') return error(27, 'Invalid session:session-expired', { sub_code: 'session-expired', sub_msg: 'SessionKey已过期' });

    if (!params.method) return error(21, 'Missing method');
    if (!params.app_key) return error(28, 'Missing app key');
    if (params.app_key !== appKey) return error(29, 'Invalid app Key');
    if (!params.timestamp) return error(30, 'Missing timestamp');
    const at = parseBeijing(params.timestamp);
    if (Number.isNaN(at) || Math.abs(t - at) > 10 * 60_000) return error(31, 'Invalid timestamp');
    if (params.v !== '2.0') return error(33, 'Invalid version');
    if (params.format !== 'json') return error(23, 'Invalid format');
    const signMethod = params.sign_method ?? 'md5';
    if (!['md5', 'hmac', 'hmac-sha256'].includes(signMethod)) return error(41, 'Invalid arguments', { sub_code: 'isv.invalid-parameter', sub_msg: 'sign_method' });
    if (!params.sign) return error(24, 'Missing signature');
    if (topSign(params, appSecret, signMethod) !== params.sign.toUpperCase()) return error(25, 'Invalid signature');
    if (SESSION_METHODS.has(params.method)) {
      if (!params.session) return error(26, 'Missing session');
      if (params.session !== session) return error(27, 'Invalid session', { sub_code: 'invalid-sessionkey', sub_msg: 'SessionKey非法' });
      if (sessionExpired) return error(27, 'Invalid session:session-expired', { sub_code: 'session-expired', sub_msg: 'SessionKey已过期' });
    }
    switch (params.method) {
      case 'taobao.trades.sold.increment.get':
        return increment(params);
      case 'taobao.trade.fullinfo.get':
        return fullinfo(params);
      case 'taobao.item.quantity.update':
        return quantity(params);
      default:
        return error(22, 'Invalid method');
    }
  }

  function banned(t: number) {
    const seconds = Math.max(1, Math.ceil((bannedUntil - t) / 1000));
    return error(7, 'App Call Limited', { sub_code: 'accesscontrol.limited-by-app-access-count', sub_msg: `This ban will last for ${seconds} more seconds` });
  }

  const fieldsOf = (params: Record<string, string>) => new Set((params.fields ?? '').split(',').map((f) => f.trim()).filter(Boolean));
  const pickFields = (trade: Trade, fields: Set<string>) => Object.fromEntries(Object.entries(trade).filter(([k]) => fields.has(k)));

  function increment(params: Record<string, string>) {
    const fields = fieldsOf(params);
    if (!fields.size) return error(40, 'Missing required arguments:fields');
    if (!params.start_modified || !params.end_modified) return error(40, 'Missing required arguments:start_modified,end_modified');
    const start = parseBeijing(params.start_modified);
    const end = parseBeijing(params.end_modified);
    if (Number.isNaN(start) || Number.isNaN(end)) return error(41, 'Invalid arguments', { sub_code: 'isv.invalid-parameter', sub_msg: '时间格式错误' });
    if (end <= start) return error(41, 'Invalid arguments', { sub_code: 'isv.invalid-parameter', sub_msg: '修改结束时间必须大于修改开始时间' });
    if (end - start > 86_400_000) return error(41, 'Invalid arguments', { sub_code: 'isv.invalid-parameter', sub_msg: '修改时间跨度不能大于一天' });
    const pageNo = Number(params.page_no ?? '1');
    const pageSize = Number(params.page_size ?? '40');
    if (!Number.isInteger(pageNo) || pageNo < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      return error(41, 'Invalid arguments', { sub_code: 'isv.invalid-parameter', sub_msg: 'page_no / page_size' });
    }
    const matching = [...trades.values()]
      .filter((tr) => {
        const m = parseBeijing(tr.modified);
        return m >= start && m <= end;
      })
      .sort((a, b) => parseBeijing(b.modified) - parseBeijing(a.modified) || (a.tid < b.tid ? 1 : a.tid > b.tid ? -1 : 0));
    const page = matching.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((tr) => pickFields(tr, fields));
    const useHasNext = params.use_has_next === 'true';
    return {
      ...(useHasNext ? { has_next: pageNo * pageSize < matching.length } : { total_results: matching.length }),
      // TOP leaves `trades` out when the page is empty.
      ...(page.length ? { trades: { trade: page } } : {}),
    };
  }

  function fullinfo(params: Record<string, string>) {
    const fields = fieldsOf(params);
    if (!params.tid) return error(40, 'Missing required arguments:tid');
    if (!fields.size) return error(40, 'Missing required arguments:fields');
    const trade = trades.get(params.tid);
    if (!trade) return error(15, 'Remote service error', { sub_code: 'isv.trade-not-exist', sub_msg: '交易订单不存在' });
    return { trade: pickFields(trade, fields) };
  }

  function quantity(params: Record<string, string>) {
    if (!params.num_iid || params.quantity === undefined) return error(40, 'Missing required arguments:num_iid,quantity');
    const qty = Number(params.quantity);
    const type = Number(params.type ?? '1');
    if (!Number.isInteger(qty) || qty < 0 || ![1, 2].includes(type)) return error(41, 'Invalid arguments', { sub_code: 'isv.invalid-parameter', sub_msg: 'quantity / type' });
    const ofItem = catalog.filter((s) => s.numIid === params.num_iid);
    if (!ofItem.length) return error(15, 'Remote service error', { sub_code: 'isv.item-not-exist', sub_msg: '商品不存在' });
    let target: CatalogSku | undefined;
    if (params.sku_id) target = ofItem.find((s) => s.skuId === params.sku_id);
    else if (params.outer_id) target = ofItem.find((s) => s.outerSkuId === params.outer_id);
    else if (ofItem.length === 1 && !ofItem[0]!.skuId) target = ofItem[0];
    if (!target) return error(15, 'Remote service error', { sub_code: 'isv.item-quantity-sku-not-exist', sub_msg: 'SKU不存在' });
    target.quantity = type === 1 ? qty : Math.max(0, target.quantity + qty);
    stockUpdates.push({ num_iid: params.num_iid, ...(params.sku_id ? { sku_id: params.sku_id } : {}), ...(params.outer_id ? { outer_id: params.outer_id } : {}), quantity: qty, type });
    const total = ofItem.reduce((s, k) => s + k.quantity, 0);
    return {
      item: {
        num_iid: params.num_iid,
        num: total,
        modified: beijing(now()),
        ...(target.skuId ? { skus: { sku: [{ sku_id: target.skuId, quantity: target.quantity, modified: beijing(now()) }] } } : {}),
      },
    };
  }

  let batches = 0;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/router/rest`,
    newOrders(count) {
      // Generators cycle statuses from their first order: skip ahead so that batches differ.
      const added = generateTrades({ count: count + (batches % 60), from: now() - 1000, to: now(), seed: now() + ++batches }).slice(-count);
      for (const trade of added) trades.set(trade.tid, trade);
      return added.map((t) => t.tid);
    },
    appKey,
    appSecret,
    get session() {
      return session;
    },
    trades,
    catalog,
    stockUpdates,
    calls,
    touch(tids, at) {
      for (const tid of tids) {
        const trade = trades.get(tid);
        if (trade) trade.modified = beijing(at);
      }
    },
    onCall(fn) {
      hook = fn;
    },
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failure);
    },
    ban(seconds) {
      bannedUntil = now() + seconds * 1000;
    },
    expireSession() {
      sessionExpired = true;
    },
    tmcMessage(topic, tid, extra = {}) {
      const trade = trades.get(tid);
      const orders = ((trade?.orders as { order?: Array<Record<string, unknown>> } | undefined)?.order ?? []) as Array<Record<string, unknown>>;
      const oid = extra.oid ?? String(orders[0]?.oid ?? tid);
      const pubTime = beijing(now());
      const content = topic.startsWith('taobao_refund_')
        ? { buyer_nick: trade?.buyer_nick ?? 't**', buyer_open_uid: trade?.buyer_open_uid, refund_phase: 'onsale', refund_fee: extra.refundFee ?? String(orders.find((o) => o.oid === oid)?.divide_order_fee ?? '0.00'), modified: pubTime, bill_type: 'refund_bill', oid, seller_nick: trade?.seller_nick, refund_id: `18${String(++messageSeq).padStart(16, '0')}`, tid }
        : { buyer_nick: trade?.buyer_nick ?? 't**', payment: trade?.payment, oid, tid, type: 'guarantee_trade', seller_nick: trade?.seller_nick, status: trade?.status };
      return {
        user_id: '2200712345678',
        user_nick: trade?.seller_nick ?? '某某官方旗舰店',
        content: topJson(content),
        id: `21${String(++messageSeq).padStart(17, '0')}`,
        pub_time: pubTime,
        pub_app_key: '12497914',
        topic,
      };
    },
    tmcRequest(messages, opts = {}) {
      const body = topJson({ tmc_messages_consume_response: { messages: { tmc_message: messages }, request_id: `${(++requestSeq).toString(36)}sim` } });
      const query: Record<string, string> = { app_key: appKey, timestamp: beijing(opts.timestamp ?? now()), sign_method: opts.signMethod ?? 'md5' };
      query.sign = topSign(query, opts.secret ?? appSecret, query.sign_method!, body, true);
      return { method: 'POST', headers: { 'content-type': 'application/json;charset=utf-8' }, query, body };
    },
    async pushTo(url, request) {
      const target = new URL(url);
      for (const [k, v] of Object.entries(request.query)) target.searchParams.set(k, v);
      const response = await fetch(target, { method: request.method, headers: request.headers, body: request.body });
      return { status: response.status, body: await response.text() };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** simplify=true: no `{list: {item: [...]}}` wrappers. */
function unwrapLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapLists);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && Array.isArray(entries[0]![1])) return unwrapLists(entries[0]![1]);
  return Object.fromEntries(entries.map(([k, v]) => [k, unwrapLists(v)]));
}
