/**
 * A Youzan Cloud (有赞云) simulator on 127.0.0.1, speaking the real paths and answer shapes:
 *
 * - `POST /auth/token`: silent tokens for self-built apps (client_id, client_secret, grant_id =
 *   kdt_id, `refresh`), and refresh_token for tool apps (the refresh token rotates: each one works
 *   once). Answers `{"success":true,"code":200,"data":{"access_token","expires"(epoch ms),"scope",
 *   "authority_id"},"message":null}`, or `{"success":false,"code":1103,"data":null,"message":"Client 不存在"}`.
 *   Tokens expire on the simulator's clock; `invalidateTokens()` makes every live token refused
 *   before its expiry (4203 "Token 不存在"), as Youzan sometimes does.
 * - `POST /api/{name}/{version}?access_token=…`, gateway errors as `{"gw_err_resp":{…}}`: 4001 no
 *   version, 4005 unknown API (before the token check), 4201 no token, 4202 expired, 4203 unknown,
 *   4007 content type not JSON, 4101 请求太频繁 past the call limit or on request.
 * - `youzan.trades.sold.get/4.0.4`: the update-time search over generated orders, sorted by
 *   update_time (newest first by default), Youzan's paging limits (page_size ≤ 100, page_no ≤ 100,
 *   page_no × page_size ≤ 10,000), 5001 for a time without seconds.
 * - `youzan.trade.get/4.0.2`: one order with its siblings (order_promotion, delivery_order, refund_order).
 * - `youzan.item.quantity.update/3.0.0`: sets (type 0) or adds (type 1) stock, recorded;
 *   `youzan.skus.custom.get/3.0.0` and `youzan.items.custom.get/3.0.0` find ids by merchant code.
 *
 * Orders can change during a pull (`touch`, `afterCall`), and the simulator sends signed pushes
 * (`buildPush`, `push`) as Youzan does: Event-Sign = md5(client_id + body + client_secret), body
 * `sign` = md5(client_id + msg + client_secret), msg URL-encoded JSON with `+` for spaces.
 *
 * @example
 * const sim = await startYouzanSandbox({ generate: { count: 120, from, to } });
 * // createYouzanConnector({ channel: 'youzan', shop: 'main', baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, kdtId: sim.kdtId }, { fetch, now })
 * await sim.close();
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { md5Hex } from '../sign.ts';
import { toBeijing } from '../time.ts';
import { CATALOG, generateOrders, type CatalogItem, type GenerateOptions, type YouzanStatus } from './orders.ts';

export { CATALOG, generateOrders, yuan } from './orders.ts';

type Order = Record<string, unknown> & { order_info: Record<string, unknown> };

export interface YouzanSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  clientId?: string;
  clientSecret?: string;
  kdtId?: number;
  /** The simulator's clock (token expiry, touches); default Date.now. */
  now?: () => number;
  /** Token lifetime (default 7 days, as Youzan's). */
  tokenTtlMs?: number;
  /** Tool-app mode: the refresh token that works first (each use rotates it). */
  refreshToken?: string;
  orders?: Array<Record<string, unknown>>;
  generate?: Omit<GenerateOptions, 'kdtId'>;
  /** Order of sold.get results by update_time (default newest first). */
  sort?: 'desc' | 'asc';
  /** More calls than this in `perMs` (wall clock) answer 4101. */
  callLimit?: { calls: number; perMs: number };
  catalog?: CatalogItem[];
  /** Stock of every SKU at the start (default 100). */
  initialStock?: number;
}

export interface SandboxCall {
  api: string;
  version: string;
  params: Record<string, unknown>;
  token: string | null;
  /** What the simulator answered: the envelope's code, or the gateway error code. */
  answered: string;
}

export interface PushSpec {
  type: string;
  tid?: string;
  /** The decoded msg; by default `{tid, update_time, status}` or, for refunds, `{tid, oids, refund_id, …}`. */
  msg?: Record<string, unknown>;
  test?: boolean;
  sendCount?: number;
  msgId?: string | null;
  version?: number;
  kdtId?: number;
  /** Leave out the Event-Sign header (older pushes carry only the body sign). */
  withoutEventSign?: boolean;
}

export interface BuiltPush {
  headers: Record<string, string>;
  body: string;
  envelope: Record<string, unknown>;
}

export interface YouzanSandbox {
  url: string;
  /** The same simulator without a socket: a `fetch` that answers in process (fast tests). */
  fetch: typeof fetch;
  clientId: string;
  clientSecret: string;
  kdtId: number;
  /** tid → full_order_info (live: what the next answer shows). */
  orders: Map<string, Order>;
  calls: SandboxCall[];
  /** Token requests (without the secret). */
  tokenRequests: Array<{ authorize_type: unknown; grant_id?: unknown; refresh?: unknown; refresh_token?: unknown; answered: string }>;
  /** `${item_id}:${sku_id}` → stock. */
  stock: Map<string, number>;
  stockUpdates: Array<{ item_id: number; sku_id: number | null; quantity: number; type: number }>;
  /** The refresh token that works now (tool apps). */
  currentRefreshToken(): string | undefined;
  /** Every live token is refused from now on (4203), before its expiry. */
  invalidateTokens(): void;
  /** Every API call answers 4201 非法的请求凭证 (the shop withdrew the authorisation) until restored. */
  revokeAuthorisation(): void;
  restoreAuthorisation(): void;
  /** The next `count` API calls answer 4101. */
  throttleNext(count?: number): void;
  /** The next `count` token requests fail: 'busy' (HTTP 503) or 'refused' (1000 应用信息错误). */
  failTokenNext(kind: 'busy' | 'refused', count?: number): void;
  /** Runs after every API call is answered, before the next one (orders changing during a pull). */
  afterCall(hook: (call: SandboxCall) => void): void;
  /** A buyer or the merchant changed an order: new update_time (default now), maybe a new status. */
  touch(tid: string, change?: { at?: number; status?: YouzanStatus }): void;
  buildPush(spec: PushSpec): BuiltPush;
  /** POSTs a push to `url` as Youzan would. */
  push(url: string, spec: PushSpec): Promise<{ status: number; text: string; sent: BuiltPush }>;
  /** Buyers place `count` new orders now (statuses cycling as generated); returns their ids. */
  newOrders(count: number): string[];
  close(): Promise<void>;
}

const API_ROUTES = new Set(['youzan.trades.sold.get/4.0.4', 'youzan.trades.sold.get/4.0.0', 'youzan.trade.get/4.0.2', 'youzan.trade.get/4.0.0', 'youzan.item.quantity.update/3.0.0', 'youzan.skus.custom.get/3.0.0', 'youzan.items.custom.get/3.0.0']);
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export async function startYouzanSandbox(options: YouzanSandboxOptions = {}): Promise<YouzanSandbox> {
  const clientId = options.clientId ?? '4e96eb2fbc4f24f26f';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret-0123456789';
  const kdtId = options.kdtId ?? 91234567;
  const now = options.now ?? Date.now;
  const ttl = options.tokenTtlMs ?? 7 * 24 * 60 * 60_000;
  const catalog = options.catalog ?? CATALOG;
  const sort = options.sort ?? 'desc';
  const orders = new Map<string, Order>();
  for (const o of options.orders ?? (options.generate ? generateOrders({ ...options.generate, kdtId }) : [])) {
    orders.set(String((o as Order).order_info.tid), structuredClone(o) as Order);
  }
  const stock = new Map<string, number>();
  for (const item of catalog) for (const sku of item.skus) stock.set(`${item.itemId}:${sku.skuId}`, options.initialStock ?? 100);

  const tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  let current: string | null = null;
  let refreshToken = options.refreshToken;
  const calls: SandboxCall[] = [];
  const tokenRequests: YouzanSandbox['tokenRequests'] = [];
  const stockUpdates: YouzanSandbox['stockUpdates'] = [];
  const hooks: Array<(call: SandboxCall) => void> = [];
  const recent: number[] = [];
  let throttled = 0;
  let revoked = false;
  const tokenFailures: Array<'busy' | 'refused'> = [];

  const server = createServer((req, res) => {
    void readBody(req)
      .then((text) => answer(req.method ?? 'GET', req.url ?? '/', req.headers['content-type'] ?? '', text))
      .catch((e: Error): Answer => ({ status: 500, type: 'text/html', body: `<html><body>Internal Error: ${e.message}</body></html>` }))
      .then((a) => {
        res.writeHead(a.status, { 'content-type': a.type });
        res.end(a.body);
      });
  });

  /** One request, the same in process (`fetch`) and over loopback (`url`). */
  function answer(method: string, rawUrl: string, contentType: string, text: string): Answer {
    const url = new URL(rawUrl, 'http://sandbox');
    if (method !== 'POST') return plain(404, 'Not Found');
    if (url.pathname === '/auth/token') return token(text);
    if (!url.pathname.startsWith('/api/')) return plain(404, 'Not Found');
    return api(url, contentType, text);
  }

  function token(text: string): Answer {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return json({ success: false, code: 1000, data: null, message: "Content type not supported,Please use 'application/json;charset=UTF-8'" });
    }
    const log = { authorize_type: body.authorize_type, grant_id: body.grant_id, refresh: body.refresh, ...(body.refresh_token ? { refresh_token: body.refresh_token } : {}) };
    const refuse = (code: number, message: string) => {
      tokenRequests.push({ ...log, answered: String(code) });
      return json({ success: false, code, data: null, message });
    };
    const failure = tokenFailures.shift();
    if (failure === 'busy') {
      tokenRequests.push({ ...log, answered: 'http_503' });
      return { status: 503, type: 'text/html', body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>' };
    }
    if (failure === 'refused') return refuse(1000, '应用信息错误');
    if (body.client_id !== clientId) return refuse(1103, 'Client 不存在');
    if (body.client_secret !== clientSecret) return refuse(1000, '应用信息错误');
    if (body.authorize_type === 'silent') {
      if (refreshToken !== undefined) return refuse(1105, '不支持的应用类型');
      if (String(body.grant_id) !== String(kdtId)) return refuse(1103, '授权关系不存在');
      const live = current ? tokens.get(current) : undefined;
      // refresh false hands back the live token as it is; true (or none live) makes a new one.
      if (body.refresh !== true && current && live && !live.revoked && live.expiresAt > now()) return issue(log, current, null);
    } else if (body.authorize_type === 'refresh_token') {
      if (refreshToken === undefined) return refuse(1105, '不支持的应用类型');
      if (body.refresh_token !== refreshToken) return refuse(1103, 'refresh_token 无效');
      refreshToken = `rt-${randomUUID()}`;
    } else {
      return refuse(1105, '不支持的应用类型');
    }
    // A new token replaces the old one at once (the docs disagree on a one-hour grace).
    if (current) tokens.delete(current);
    current = randomUUID().replace(/-/g, '').slice(0, 31);
    tokens.set(current, { expiresAt: now() + ttl, revoked: false });
    return issue(log, current, body.authorize_type === 'refresh_token' ? refreshToken! : null);
  }

  function issue(log: Record<string, unknown>, accessToken: string, rotated: string | null): Answer {
    tokenRequests.push({ ...(log as { authorize_type: unknown }), answered: '200' });
    const data: Record<string, unknown> = { expires: tokens.get(accessToken)!.expiresAt, scope: 'trade item multi_store', access_token: accessToken, authority_id: String(kdtId) };
    if (rotated) data.refresh_token = rotated;
    return json({ success: true, code: 200, data, message: null });
  }

  function api(url: URL, contentType: string, text: string): Answer {
    const parts = url.pathname.slice('/api/'.length).split('/');
    const gateway = (code: number, msg: string, call?: SandboxCall) => {
      if (call) finish(call, String(code));
      return json({ gw_err_resp: { trace_id: traceId(), err_msg: msg, err_code: code } });
    };
    if (parts.length !== 2 || !parts[1]) return gateway(4001, '非法请求地址');
    const [name, version] = parts as [string, string];
    if (!API_ROUTES.has(`${name}/${version}`)) return gateway(4005, '非法的API');
    const accessToken = url.searchParams.get('access_token');
    let params: Record<string, unknown> = {};
    const call: SandboxCall = { api: name, version, params, token: accessToken, answered: '' };
    calls.push(call);
    if (!accessToken || revoked) return gateway(4201, '非法的请求凭证', call);
    const live = tokens.get(accessToken);
    if (!live || live.revoked) return gateway(4203, 'Token 不存在', call);
    if (live.expiresAt <= now()) return gateway(4202, '请求凭证过期', call);
    if (!/json/i.test(contentType)) return gateway(4007, `非法的请求姿势，httpMethod:POST, contentType:${contentType}`, call);
    const wall = Date.now();
    while (recent.length && recent[0]! <= wall - (options.callLimit?.perMs ?? 0)) recent.shift();
    recent.push(wall);
    if (throttled > 0 || (options.callLimit && recent.length > options.callLimit.calls)) {
      if (throttled > 0) throttled--;
      return gateway(4101, '请求太频繁', call);
    }
    try {
      params = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      call.params = params;
    } catch {
      return gateway(4004, '非法的Content', call);
    }
    const envelope = route(name, params);
    finish(call, String(envelope.code ?? (envelope.gw_err_resp as { err_code?: unknown } | undefined)?.err_code));
    return json(envelope);
  }

  function finish(call: SandboxCall, answered: string): void {
    call.answered = answered;
    for (const hook of hooks) hook(call);
  }

  function route(name: string, params: Record<string, unknown>): Record<string, unknown> {
    switch (name) {
      case 'youzan.trades.sold.get':
        return soldGet(params);
      case 'youzan.trade.get':
        return tradeGet(params);
      case 'youzan.item.quantity.update':
        return quantityUpdate(params);
      case 'youzan.skus.custom.get': {
        const code = String(params.item_no ?? '');
        const skus = catalog.flatMap((item) => item.skus.filter((s) => s.skuId !== 0 && s.outerSkuId === code).map((s) => ({ item_id: item.itemId, sku_id: s.skuId, item_no: s.outerSkuId, quantity: stock.get(`${item.itemId}:${s.skuId}`) ?? 0, price: (s.price / 100).toFixed(2) })));
        return ok({ skus });
      }
      default: {
        const code = String(params.item_no ?? '');
        const items = catalog.filter((i) => i.outerItemId === code).map((i) => ({ item_id: i.itemId, item_no: i.outerItemId, title: i.title, alias: i.alias, quantity: i.skus.reduce((s, k) => s + (stock.get(`${i.itemId}:${k.skuId}`) ?? 0), 0) }));
        return ok({ items, count: items.length });
      }
    }
  }

  function soldGet(params: Record<string, unknown>): Record<string, unknown> {
    const pageNo = Number(params.page_no ?? 1);
    const pageSize = Number(params.page_size ?? 20);
    if (pageSize > 100) return business(5000, '每页最多显示100条数据', { full_order_info_list: [] });
    if (!Number.isInteger(pageNo) || pageNo < 1 || pageNo > 100 || pageNo * pageSize > 10_000) return business(5000, '分页数不能超过100页，且page_no*page_size不能超过10000，请使用时间参数分割', { full_order_info_list: [] });
    const start = params.start_update;
    const end = params.end_update;
    for (const t of [start, end]) if (t !== undefined && !(typeof t === 'string' && TIME.test(t))) return { gw_err_resp: { trace_id: traceId(), err_msg: '系统异常', err_code: 5001 } };
    const filtered = typeof start === 'string' && typeof end === 'string';
    if (filtered && start > end) return business(5000, '开始时间不能大于结束时间', { full_order_info_list: [] });
    const list = [...orders.values()]
      .filter((o) => !filtered || (String(o.order_info.update_time) >= start && String(o.order_info.update_time) <= end))
      .sort((a, b) => {
        const byTime = String(a.order_info.update_time).localeCompare(String(b.order_info.update_time)) || String(a.order_info.tid).localeCompare(String(b.order_info.tid));
        return sort === 'desc' ? -byTime : byTime;
      });
    const page = list.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    return ok({ full_order_info_list: page.map((o) => ({ full_order_info: structuredClone(o) })), total_results: list.length });
  }

  function tradeGet(params: Record<string, unknown>): Record<string, unknown> {
    const order = orders.get(String(params.tid ?? ''));
    if (!order) return business(5000, 'trade not found', null);
    return ok({ full_order_info: structuredClone(order), order_promotion: { order_discount_fee: '0.00', item_discount_fee: '0.00', adjust_fee: '0.00', item: [], order: [] }, delivery_order: [], refund_order: [] });
  }

  function quantityUpdate(params: Record<string, unknown>): Record<string, unknown> {
    const type = Number(params.type ?? 0);
    if (type !== 0 && type !== 1) return business(123000104, `不支持的库存更新类型:${String(params.type)}`, null);
    const item = catalog.find((i) => i.itemId === Number(params.item_id));
    if (!item) return business(122001001, '商品不存在', null);
    const hasSkus = item.skus.some((s) => s.skuId !== 0);
    const skuId = params.sku_id === undefined || params.sku_id === null ? 0 : Number(params.sku_id);
    if (!item.skus.some((s) => s.skuId === skuId) || (hasSkus && skuId === 0)) return business(123004002, 'SKU 不存在', null);
    const quantity = Number(params.quantity);
    if (!Number.isInteger(quantity)) return { gw_err_resp: { trace_id: traceId(), err_msg: '系统异常', err_code: 5001 } };
    const key = `${item.itemId}:${skuId}`;
    const next = type === 0 ? quantity : (stock.get(key) ?? 0) + quantity;
    if (next < 0) return business(123000003, '库存不能小于0', null);
    stock.set(key, next);
    stockUpdates.push({ item_id: item.itemId, sku_id: skuId || null, quantity, type });
    return ok({ is_success: true });
  }

  function buildPush(spec: PushSpec): BuiltPush {
    const order = spec.tid ? orders.get(spec.tid) : undefined;
    const isRefund = spec.type.startsWith('trade_refund_');
    const msgObject =
      spec.msg ??
      (isRefund
        ? { tid: spec.tid, oids: String((order?.orders as Array<{ oid: string }> | undefined)?.[0]?.oid ?? ''), refund_id: `2019${Math.floor(now() / 1000)}`, refunded_fee: '10.00', refund_type: 'REFUND_ONLY', refund_reason: '多拍/拍错/不想要', update_time: toBeijing(now()) }
        : { tid: spec.tid, update_time: toBeijing(now()), status: order?.order_info.status ?? 'WAIT_BUYER_PAY' });
    // Java's URLEncoder: UTF-8 percent-escapes, a space as '+'.
    const msg = encodeURIComponent(JSON.stringify(msgObject)).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const envelope: Record<string, unknown> = {
      client_id: clientId,
      id: spec.tid ?? '',
      kdt_id: spec.kdtId ?? kdtId,
      kdt_name: '赞宝的店',
      mode: 1,
      msg,
      ...(spec.msgId === null ? {} : { msg_id: spec.msgId ?? randomUUID() }),
      root_kdt_id: spec.kdtId ?? kdtId,
      sendCount: spec.sendCount ?? 1,
      sign: md5Hex(clientId + msg + clientSecret),
      status: isRefund ? '' : String(order?.order_info.status ?? ''),
      test: spec.test ?? false,
      type: spec.type,
      version: spec.version ?? Math.floor(now() / 1000),
    };
    const body = JSON.stringify(envelope);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'event-type': spec.type, 'client-id': clientId };
    if (!spec.withoutEventSign) headers['event-sign'] = md5Hex(clientId + body + clientSecret);
    return { headers, body, envelope };
  }

  let batches = 0;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const inProcess = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.signal.aborted) throw request.signal.reason;
    const url = new URL(request.url);
    const a = answer(request.method, url.pathname + url.search, request.headers.get('content-type') ?? '', await request.text());
    return new Response(a.body, { status: a.status, headers: { 'content-type': a.type } });
  }) as typeof fetch;
  return {
    url: `http://127.0.0.1:${port}`,
    newOrders(count) {
      // Generators cycle statuses from their first order: skip ahead so that batches differ.
      const added = (generateOrders({ count: count + (batches % 60), from: now() - 1000, to: now(), seed: now() + ++batches, kdtId }) as Order[]).slice(-count);
      for (const order of added) orders.set(String(order.order_info.tid), order);
      return added.map((o) => String(o.order_info.tid));
    },
    fetch: inProcess,
    clientId,
    clientSecret,
    kdtId,
    orders,
    calls,
    tokenRequests,
    stock,
    stockUpdates,
    currentRefreshToken: () => refreshToken,
    invalidateTokens() {
      for (const t of tokens.values()) t.revoked = true;
    },
    revokeAuthorisation() {
      revoked = true;
    },
    restoreAuthorisation() {
      revoked = false;
    },
    throttleNext(count = 1) {
      throttled += count;
    },
    failTokenNext(kind, count = 1) {
      for (let i = 0; i < count; i++) tokenFailures.push(kind);
    },
    afterCall(hook) {
      hooks.push(hook);
    },
    touch(tid, change = {}) {
      const order = orders.get(tid);
      if (!order) throw new Error(`no order ${tid}`);
      const at = toBeijing(change.at ?? now());
      order.order_info.update_time = at;
      if (change.status) {
        order.order_info.status = change.status;
        if (change.status === 'WAIT_BUYER_CONFIRM_GOODS') order.order_info.consign_time = at;
        if (change.status === 'TRADE_SUCCESS') order.order_info.success_time = at;
      }
    },
    buildPush,
    async push(url, spec) {
      const sent = buildPush(spec);
      const response = await fetch(url, { method: 'POST', headers: sent.headers, body: sent.body });
      return { status: response.status, text: await response.text(), sent };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function ok(data: unknown): Record<string, unknown> {
  return { trace_id: traceId(), code: 200, data, success: true, message: 'successful' };
}

function business(code: number, message: string, data: unknown): Record<string, unknown> {
  return { trace_id: traceId(), code, data, success: false, message };
}

function traceId(): string {
  return `yz7-0a34f88b-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

function json(value: unknown): Answer {
  return { status: 200, type: 'application/json;charset=UTF-8', body: JSON.stringify(value) };
}

function plain(status: number, body: string): Answer {
  return { status, type: 'text/plain', body };
}
