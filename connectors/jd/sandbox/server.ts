/**
 * A JOS gateway simulator on 127.0.0.1 (`/routerjson`), speaking JD's request and answer shapes:
 *
 * - system parameters from the query string and/or a form body, checked in the gateway's way:
 *   method (14 / 15), v (4 / 5), timestamp (7 / 8: Beijing `yyyy-MM-dd HH:mm:ss`, 6 minutes of
 *   skew), app_key (20 / 21), sign (11 / 12: md5 re-derived here on its own, compared in
 *   constant time), access_token (18 / 19), format json, sign_method md5;
 * - `jingdong.pop.order.search`: start_date/end_date (at most a month apart), dateType 0
 *   modified / 1 created, sortType, order_state list, page, page_size ≤ 100, optional_fields
 *   (required; only the fields asked for come back), `orderTotal`;
 * - `jingdong.pop.order.get`: `orderDetailInfo.orderInfo`;
 * - `jingdong.stock.write.updateSkuStock`: records the count per skuId (code 71 for a sku not
 *   of this shop);
 * - a call limit that answers JD's own throttling error (code 2 "App Call Limited"), failures on
 *   request, a token that expires, and a hook that runs before each answer, so a test can change
 *   orders (their modified times) in the middle of a pull.
 *
 * Every error is `{"error_response":{"code":"…","zh_desc":"…","en_desc":"…"}}`, every success
 * `{"<method with underscores>_responce":{"code":"0",…}}` (JD's spelling).
 *
 * @example
 * const sim = await startJdSandbox({ orders: generateOrders({ count: 50, from: '2024-06-01 10:00:00', spanSeconds: 600 }) });
 * // createJdConnector({ channel: 'jd', shop: 's', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken }, { fetch, now: Date.now })
 * await sim.close();
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beijing, beijingMs, generateOrders, ORDER_STATES, type OrderInfo } from './orders.ts';

export type SandboxFailure = 'throttle' | 'busy' | 'http-502' | 'token-expired';

export interface JdSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  appKey?: string;
  appSecret?: string;
  accessToken?: string;
  /** Default: 60 generated orders modified over the hour before now. */
  orders?: OrderInfo[];
  /** The gateway's clock, for the timestamp check and the call limit (default Date.now). */
  now?: () => number;
  /** At most `calls` calls per `perMs` (sliding); more answer code 2 App Call Limited. */
  callLimit?: { calls: number; perMs: number };
  /** orderInfo fields the search list leaves out (jingdong.pop.order.get has them). */
  listOmits?: string[];
  /** What the search list is sorted by: the queried time (default) or orderStartTime regardless. */
  sortBy?: 'query' | 'created';
}

export interface SandboxCall {
  method: string;
  params: Record<string, string>;
  business: Record<string, unknown>;
  /** The error code answered, if any. */
  error?: string;
}

export interface JdSandbox {
  /** The gateway, ending in /routerjson. */
  url: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  /** orderId → orderInfo, as the shop has them now. */
  orders: Map<string, OrderInfo>;
  calls: SandboxCall[];
  /** skuId → the last count set. */
  stock: Map<string, { stockNum: number; storeId?: string }>;
  stockUpdates: Array<{ skuId: string; stockNum: number; storeId?: string }>;
  /** Changes an order: a new modified time (default: the clock now) and any fields. */
  touch(orderId: string, changes?: Partial<OrderInfo>): OrderInfo;
  /** Runs before each call is answered (after its checks pass), with the method and the call's number (1-based). */
  onCall(hook: ((method: string, n: number) => void) | null): void;
  failNext(failure: SandboxFailure, count?: number): void;
  /** The access token stops working (as when it expires): code 19 until `renewToken`. */
  expireToken(): void;
  renewToken(): void;
  /** Buyers place `count` new orders now (statuses cycling as generated); returns their ids. */
  newOrders(count: number): string[];
  close(): Promise<void>;
}

const TOLERANCE_MS = 6 * 60_000;
const MONTH_MS = 31 * 86_400_000;
const STATES = new Set<string>(ORDER_STATES.map(([s]) => s));
const METHODS = new Set(['jingdong.pop.order.search', 'jingdong.pop.order.get', 'jingdong.stock.write.updateSkuStock']);
const OK_RESULT = { success: true, englishErrCode: 'success', chineseErrCode: '成功', numberCode: 10100000 };

/** JOS gateway errors: code → [zh_desc, en_desc] (JD's published table). */
const ERRORS: Record<string, [string, string]> = {
  '2': ['限制时间内调用失败次数', 'App Call Limited'],
  '4': ['缺少版本参数', 'Missing Version'],
  '5': ['不支持的版本号', 'Unsupported Version'],
  '7': ['缺少时间戳参数', 'Missing Timestamp'],
  '8': ['非法的时间戳参数', 'Invalid Timestamp'],
  '11': ['缺少签名参数', 'Missing Signature'],
  '12': ['无效签名', 'Invalid Signature'],
  '13': ['无效数据格式', 'Invalid Format'],
  '14': ['缺少方法名参数', 'Missing Method'],
  '15': ['不存在的方法名', 'Invalid Method'],
  '18': ['缺少access_token参数', 'Missing access_token'],
  '19': ['无效access_token', 'Invalid access_token'],
  '20': ['缺少app_key参数', 'Missing app_key'],
  '21': ['无效app_key', 'Invalid app_key'],
  '63': ['json格式不合法', 'json format is invalid'],
  '66': ['平台连接后端服务不可用', 'platform to connect to the back-end service not available'],
  '71': ['当前的ID不属于此商家', 'Id is not belong to the special vender'],
};

export async function startJdSandbox(options: JdSandboxOptions = {}): Promise<JdSandbox> {
  const appKey = options.appKey ?? 'E1D2C3B4A5968778695A4B3C2D1E0F00';
  const appSecret = options.appSecret ?? 'sandbox-secret-9f8e7d6c5b4a';
  const accessToken = options.accessToken ?? 'sandbox-token-0123456789abcdef';
  let tokenValid = true;
  const now = options.now ?? Date.now;
  const orders = new Map<string, OrderInfo>();
  for (const order of options.orders ?? generateOrders({ count: 60, from: beijing(now() - 3600_000), spanSeconds: 3000 })) orders.set(order.orderId, structuredClone(order));
  const skus = new Set<string>();
  for (const order of orders.values()) for (const item of (order.itemInfoList as Array<{ skuId: string }>) ?? []) skus.add(item.skuId);
  const calls: SandboxCall[] = [];
  const stock = new Map<string, { stockNum: number; storeId?: string }>();
  const stockUpdates: JdSandbox['stockUpdates'] = [];
  const queued: SandboxFailure[] = [];
  const served: number[] = [];
  let hook: ((method: string, n: number) => void) | null = null;
  let answered = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>500 Internal Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    if (url.pathname !== '/routerjson' || (req.method !== 'POST' && req.method !== 'GET')) return send(res, 404, 'Not Found', 'text/plain');
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    if (text && (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(text)) params[k] = v;
    }
    const method = params.method ?? '';
    const record: SandboxCall = { method, params, business: {} };
    calls.push(record);
    const fail = (code: string) => {
      record.error = code;
      const [zh, en] = ERRORS[code] ?? ['系统处理错误', 'system error'];
      return json(res, { error_response: { code, zh_desc: zh, en_desc: en } });
    };

    if (!present(method)) return fail('14');
    if (!present(params.v)) return fail('4');
    if (params.v !== '2.0') return fail('5');
    if (!present(params.timestamp)) return fail('7');
    const at = parseTimestamp(params.timestamp!);
    if (at === null || Math.abs(at - now()) > TOLERANCE_MS) return fail('8');
    if (!present(params.app_key)) return fail('20');
    if (params.app_key !== appKey) return fail('21');
    if (!present(params.sign)) return fail('11');
    if (present(params.sign_method) && params.sign_method!.toLowerCase() !== 'md5') return fail('12');
    if (!sameSign(params.sign!, expectedSign(params, appSecret))) return fail('12');
    if (present(params.format) && params.format !== 'json') return fail('13');
    if (!METHODS.has(method)) return fail('15');
    if (!present(params.access_token)) return fail('18');
    if (params.access_token !== accessToken || !tokenValid) return fail('19');

    const failure = queued.shift();
    if (failure === 'throttle') return fail('2');
    if (failure === 'busy') return fail('66');
    if (failure === 'token-expired') return fail('19');
    if (failure === 'http-502') {
      record.error = 'http-502';
      return send(res, 502, '<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>', 'text/html');
    }
    if (options.callLimit) {
      const t = now();
      while (served.length && served[0]! <= t - options.callLimit.perMs) served.shift();
      if (served.length >= options.callLimit.calls) return fail('2');
      served.push(t);
    }

    let business: unknown;
    try {
      business = JSON.parse(params['360buy_param_json'] ?? '{}');
    } catch {
      return fail('63');
    }
    if (typeof business !== 'object' || business === null || Array.isArray(business)) return fail('63');
    record.business = business as Record<string, unknown>;
    answered++;
    hook?.(method, answered);
    const b = record.business;
    switch (method) {
      case 'jingdong.pop.order.search':
        return search(res, b, record);
      case 'jingdong.pop.order.get':
        return get(res, b, record);
      default:
        return updateStock(res, b, record);
    }
  }

  function invalid(res: ServerResponse, record: SandboxCall, name: string): void {
    record.error = '61';
    json(res, { error_response: { code: '61', zh_desc: `参数[${name}]值不合法，请参照帮助文档确认！`, en_desc: `parameter [${name}] is not valid ,please refer to the help document and confirm` } });
  }

  function search(res: ServerResponse, b: Record<string, unknown>, record: SandboxCall): void {
    const fields = typeof b.optional_fields === 'string' ? b.optional_fields.split(',').map((f) => f.trim()).filter(Boolean) : [];
    if (!fields.length) return invalid(res, record, 'optional_fields');
    const states = typeof b.order_state === 'string' ? b.order_state.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (!states.length || states.some((s) => !STATES.has(s))) return invalid(res, record, 'order_state');
    const start = typeof b.start_date === 'string' ? parseTimestamp(b.start_date) : null;
    const end = typeof b.end_date === 'string' ? parseTimestamp(b.end_date) : null;
    if (start === null) return invalid(res, record, 'start_date');
    if (end === null || end < start || end - start > MONTH_MS) return invalid(res, record, 'end_date');
    const page = Number(b.page ?? 1);
    const pageSize = Number(b.page_size ?? 20);
    if (!Number.isInteger(page) || page < 1) return invalid(res, record, 'page');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return invalid(res, record, 'page_size');
    const field = Number(b.dateType ?? 0) === 1 ? 'orderStartTime' : 'modified';
    const descending = Number(b.sortType ?? 0) === 1;
    const sortField = options.sortBy === 'created' ? 'orderStartTime' : field;
    const wanted = new Set(states);
    const matched = [...orders.values()]
      .filter((o) => wanted.has(o.orderState))
      .filter((o) => {
        const t = beijingMs(String(o[field]));
        return t >= start && t <= end;
      })
      .sort((x, y) => {
        const c = compare(String(x[sortField]), String(y[sortField])) || compare(x.orderId, y.orderId);
        return descending ? -c : c;
      });
    const omit = new Set(options.listOmits ?? []);
    const list = matched.slice((page - 1) * pageSize, page * pageSize).map((o) => project(o, fields, omit));
    json(res, { jingdong_pop_order_search_responce: { code: '0', searchorderinfo_result: { apiResult: OK_RESULT, orderTotal: matched.length, orderInfoList: list } } });
  }

  function get(res: ServerResponse, b: Record<string, unknown>, record: SandboxCall): void {
    const id = typeof b.order_id === 'number' || (typeof b.order_id === 'string' && /^\d+$/.test(b.order_id)) ? String(b.order_id) : '';
    if (!id) return invalid(res, record, 'order_id');
    const fields = typeof b.optional_fields === 'string' ? b.optional_fields.split(',').map((f) => f.trim()).filter(Boolean) : [];
    if (!fields.length) return invalid(res, record, 'optional_fields');
    const order = orders.get(id);
    if (!order) {
      return json(res, { jingdong_pop_order_get_responce: { code: '0', orderDetailInfo: { apiResult: { success: false, englishErrCode: 'order not exist', chineseErrCode: '订单不存在', numberCode: 10200001 } } } });
    }
    json(res, { jingdong_pop_order_get_responce: { code: '0', orderDetailInfo: { apiResult: OK_RESULT, orderInfo: project(order, fields, new Set()) } } });
  }

  function updateStock(res: ServerResponse, b: Record<string, unknown>, record: SandboxCall): void {
    const skuId = typeof b.skuId === 'number' || (typeof b.skuId === 'string' && /^\d+$/.test(b.skuId)) ? String(b.skuId) : '';
    if (!skuId) return invalid(res, record, 'skuId');
    const stockNum = Number(b.stockNum);
    if (!Number.isInteger(stockNum) || stockNum < 0) return invalid(res, record, 'stockNum');
    if (!skus.has(skuId)) {
      record.error = '71';
      const [zh, en] = ERRORS['71']!;
      return json(res, { error_response: { code: '71', zh_desc: zh, en_desc: en } });
    }
    const storeId = b.storeId === undefined ? undefined : String(b.storeId);
    stock.set(skuId, { stockNum, ...(storeId !== undefined ? { storeId } : {}) });
    stockUpdates.push({ skuId, stockNum, ...(storeId !== undefined ? { storeId } : {}) });
    json(res, { jingdong_stock_write_updateSkuStock_responce: { code: '0', success: true } });
  }

  let batches = 0;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/routerjson`,
    newOrders(count) {
      // Generators cycle statuses from their first order: skip ahead so that batches differ.
      const added = generateOrders({ count: count + (batches % 60), from: beijing(now() - 1000), spanSeconds: 1, seed: now() + ++batches }).slice(-count);
      for (const order of added) {
        orders.set(order.orderId, order);
        for (const item of (order.itemInfoList as Array<{ skuId: string }>) ?? []) skus.add(item.skuId);
      }
      return added.map((o) => o.orderId);
    },
    appKey,
    appSecret,
    accessToken,
    orders,
    calls,
    stock,
    stockUpdates,
    touch(orderId, changes = {}) {
      const order = orders.get(orderId);
      if (!order) throw new Error(`the sandbox has no order ${orderId}`);
      const updated = { ...order, modified: beijing(now()), ...changes } as OrderInfo;
      orders.set(orderId, updated);
      return updated;
    },
    onCall(fn) {
      hook = fn;
    },
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failure);
    },
    expireToken() {
      tokenValid = false;
    },
    renewToken() {
      tokenValid = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/**
 * The gateway's own derivation of the md5 sign, written apart from the connector's: the app
 * secret, then every parameter but `sign` whose value is not empty, by name in code-unit order,
 * name and value run together, then the secret again; MD5 of the UTF-8 bytes, uppercase hex.
 */
function expectedSign(params: Record<string, string>, secret: string): string {
  const names = Object.keys(params).filter((n) => n !== 'sign' && params[n]!.trim() !== '');
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = secret + names.map((n) => n + params[n]).join('') + secret;
  return createHash('md5').update(Buffer.from(text, 'utf8')).digest('hex').toUpperCase();
}

function sameSign(given: string, expected: string): boolean {
  const a = Buffer.from(given.toUpperCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `yyyy-MM-dd HH:mm:ss` (Beijing) → epoch ms; also the SDK's `yyyy-MM-dd HH:mm:ss.SSSZ`. */
function parseTimestamp(text: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.\d{3}([+-]\d{4}))?$/.exec(text.trim());
  if (!m) return null;
  const base = beijingMs(m[1]!);
  if (!m[2]) return base;
  const offsetMin = (m[2][0] === '-' ? -1 : 1) * (Number(m[2].slice(1, 3)) * 60 + Number(m[2].slice(3, 5)));
  return base + (480 - offsetMin) * 60_000;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function present(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function project(order: OrderInfo, fields: string[], omit: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in order && !omit.has(f)) out[f] = structuredClone(order[f]);
  return out;
}

function json(res: ServerResponse, body: unknown): void {
  send(res, 200, JSON.stringify(body), 'application/json;charset=UTF-8');
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
