/**
 * A Doudian (抖店开放平台) simulator on 127.0.0.1, speaking the gateway's real shapes:
 *
 * - `{baseUrl}/{method with . → /}?app_key&method&timestamp&v=2&sign&sign_method&access_token`,
 *   param_json as the POST body (official SDKs), or in the query / a form (older clients);
 * - the signature is checked with the rule derived here on its own (not the client's signer):
 *   param_json re-serialised with keys sorted at every depth, then
 *   md5 / HMAC-SHA256(app_secret, app_secret + "app_key…method…param_json…timestamp…v…" + app_secret);
 * - the envelope `{code, msg, sub_code, sub_msg, data, log_id}`, code 10000 on success and the
 *   platform's error codes otherwise (40003 isv.signature-invalid, isv.access-token-expired …,
 *   60000 on throttling, 70000 for an unknown method);
 * - order.searchList (update/create time windows, order_by, order_asc, page from 0, size ≤ 100,
 *   the 90-day limit) and order.orderDetail over generated orders (orders.ts); order.batchDecrypt
 *   of their ciphertexts (≤ 50 per call, optional daily quota); sku.syncStock, recorded.
 *
 * It enforces a call limit (`limit: { calls, perMs }`) with the throttling answer, fails on
 * request (`throttleNext`, `failNext`), lets a test change update times in the middle of a pull
 * (`touch`, `afterCall`), and pushes signed messages to a URL (`push`).
 *
 * @example
 * const sim = await startDouyinSandbox({ orders: 250, from: t0, to: t1, limit: { calls: 50, perMs: 1000 } });
 * const douyin = createDouyinConnector({ channel: 'douyin', shop: 's1', baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, accessToken: sim.accessToken }, { fetch, now: Date.now });
 * await sim.close();
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLosslessNumber, isSafeNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { generateOrders, listEntry, type Plaintexts, type SandboxOrder } from './orders.ts';

export interface DouyinSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  appKey?: string;
  appSecret?: string;
  accessToken?: string;
  /** How many orders to generate, or the orders themselves. */
  orders?: number | SandboxOrder[];
  /** The update_time span of generated orders (epoch seconds); default the last hour. */
  from?: number;
  to?: number;
  seed?: number;
  /** At most `calls` calls per `perMs`; more get the throttling answer. */
  limit?: { calls: number; perMs: number };
  /** Ciphertexts order.batchDecrypt decrypts per day before it refuses. */
  decryptQuota?: number;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** searchList entries come without sku_order_list (a partial list, as some list APIs give). */
  listWithoutSkus?: boolean;
}

export interface SandboxCall {
  method: string;
  httpMethod: string;
  params: Record<string, unknown>;
  /** The common parameters, without sign and access_token. */
  common: Record<string, string>;
  code: number;
}

export type SandboxFailure = 'server-error' | 'token-expired' | 'business-error';

export interface PushOptions {
  /** Sign with this secret instead of the app's (a forgery). */
  secret?: string;
  appKey?: string;
  /** Send this body text as is (the messages are ignored). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface DouyinSandbox {
  url: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  orders: Map<string, SandboxOrder>;
  calls: SandboxCall[];
  /** sku_id (or code) → the stock last set. */
  stock: Map<string, number>;
  stockSyncs: Array<Record<string, unknown>>;
  /** The next `count` calls get code 60000. */
  throttleNext(count?: number): void;
  failNext(failure: SandboxFailure, count?: number): void;
  expireToken(): void;
  /** Sets an order's update_time (default now), as a change on the platform does. */
  touch(orderId: string, updateTime?: number): void;
  /** Runs `fn` after the `n`-th successful answer to `method` (counted from 1) is built. */
  afterCall(method: string, n: number, fn: () => void): void;
  /** POSTs a signed message push to `url`. */
  push(url: string, messages: Array<{ tag: string | number; msg_id: string; data: unknown }>, options?: PushOptions): Promise<{ status: number; body: string; sent: string; headers: Record<string, string> }>;
  /** Buyers place `count` new orders now (statuses cycling as generated); returns their ids. */
  newOrders(count: number): string[];
  close(): Promise<void>;
}

const CODE = {
  ok: 10000,
  unavailable: 20000,
  missing: 40001,
  invalid: 40003,
  invalidBusiness: 40004,
  businessFailed: 50002,
  throttled: 60000,
  offline: 70000,
} as const;

export async function startDouyinSandbox(options: DouyinSandboxOptions = {}): Promise<DouyinSandbox> {
  const appKey = options.appKey ?? '7000000000000000001';
  const appSecret = options.appSecret ?? 'sandbox-app-secret-0001';
  let accessToken = options.accessToken ?? 'sandbox-access-token-0001';
  let expiredToken: string | null = null;
  const now = options.now ?? Date.now;
  const nowS = () => Math.floor(now() / 1000);
  const plaintexts: Plaintexts = { byCipher: new Map() };
  const generated = Array.isArray(options.orders)
    ? options.orders
    : generateOrders({ count: options.orders ?? 30, from: options.from ?? nowS() - 3600, to: options.to ?? nowS() - 60, seed: options.seed ?? 7 }, plaintexts);
  const orders = new Map(generated.map((o) => [o.order_id, o]));
  const calls: SandboxCall[] = [];
  const stock = new Map<string, number>();
  const stockSyncs: Array<Record<string, unknown>> = [];
  const recent: number[] = [];
  const queued: Array<SandboxFailure | 'throttle'> = [];
  const hooks: Array<{ method: string; n: number; fn: () => void }> = [];
  const answered = new Map<string, number>();
  const decryptUse = new Map<string, number>();
  let logSeq = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  const envelope = (code: number, msg: string, subCode = '', subMsg = '', data: unknown = {}) => {
    const stamp = new Date(now() + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
    return { code, msg, sub_code: subCode, sub_msg: subMsg, data, log_id: `${stamp}${String(++logSeq).padStart(6, '0')}SANDBOX` };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const common: Record<string, string> = {};
    for (const [k, v] of url.searchParams) common[k] = v;
    let paramJson = common.param_json;
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(text)) common[k] = v;
      paramJson = common.param_json;
    } else if (paramJson === undefined && text.trim()) {
      paramJson = text;
    }
    const method = common.method ?? '';
    const pathMethod = url.pathname.replace(/^\/+/, '').replace(/\//g, '.');
    const record = (code: number, params: Record<string, unknown>) => {
      const { sign: _s, access_token: _t, param_json: _p, ...rest } = common;
      calls.push({ method: method || pathMethod, httpMethod: req.method ?? '', params, common: rest, code });
    };
    const reply = (body: ReturnType<typeof envelope>, params: Record<string, unknown> = {}) => {
      record(body.code, params);
      send(res, 200, stringifyLossless(body) ?? '{}');
    };

    if (req.method !== 'POST' && req.method !== 'GET') return send(res, 405, 'Method Not Allowed', 'text/plain');
    // Throttling is counted before anything else, as a gateway does.
    const t = now();
    while (recent.length && recent[0]! <= t - (options.limit?.perMs ?? 0)) recent.shift();
    recent.push(t);
    const failure = queued.shift();
    if (failure === 'throttle' || (options.limit && recent.length > options.limit.calls)) {
      return reply(envelope(CODE.throttled, '触发限流，请稍后重试', '', '触发限流，请稍后重试'));
    }
    if (failure === 'server-error') {
      record(502, {});
      return send(res, 502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', 'text/html');
    }

    if (!common.app_key) return reply(envelope(CODE.missing, '缺少必选参数', 'isv.app-id-missing', '认证失败，app_key不存在'));
    if (common.app_key !== appKey) return reply(envelope(CODE.invalid, '非法的参数', 'isv.app-id-invalid', '认证失败，app_key格式不正确，应为19位纯数字'));
    if (!method || method !== pathMethod) return reply(envelope(CODE.missing, '缺少必选参数', 'isv.method-missing', `method ${method || '-'} 与路径 ${pathMethod} 不符（模拟）`));
    if (!common.sign) return reply(envelope(CODE.missing, '缺少必选参数', 'isv.signature-missing', '获取签名失败，请根据文档确保参数拼装正确'));
    if (common.v !== '2') return reply(envelope(CODE.invalid, '非法的参数', 'isv.version-invalid', 'v 必须为 2（模拟）'));
    const ts = timestampSeconds(common.timestamp ?? '');
    if (ts === null || Math.abs(ts - nowS()) > 600) return reply(envelope(CODE.invalid, '非法的参数', 'isv.timestamp-invalid', '时间戳不合法'));

    let params: Record<string, unknown>;
    let canonical: string;
    try {
      const text = paramJson === undefined || paramJson === '' ? '{}' : paramJson;
      const exact = parseLossless(text);
      if (!exact || typeof exact !== 'object' || Array.isArray(exact) || isLosslessNumber(exact)) throw new Error('not an object');
      canonical = canonicalJson(exact);
      // For the handlers: safe numbers as numbers, bigger ones as their digits.
      params = parseLossless(text, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits)) as Record<string, unknown>;
    } catch {
      return reply(envelope(CODE.invalid, '非法的参数', 'isv.parameter-format-invalid', '业务参数json解析失败，所有参数需为string类型'));
    }
    const signMethod = (common.sign_method ?? 'md5').toLowerCase();
    const pattern = `${appSecret}app_key${common.app_key}method${method}param_json${canonical}timestamp${common.timestamp}v${common.v}${appSecret}`;
    const expected = signMethod === 'hmac-sha256' ? createHmac('sha256', appSecret).update(pattern, 'utf8').digest('hex') : createHash('md5').update(pattern, 'utf8').digest('hex');
    const given = Buffer.from(common.sign.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) return reply(envelope(CODE.invalid, '非法的参数', 'isv.signature-invalid', '签名校验失败'), params);

    if (!common.access_token) return reply(envelope(CODE.missing, '缺少必选参数', 'isv.access-token-missing', '认证失败，access_token不能为空'), params);
    if (failure === 'token-expired' || common.access_token === expiredToken) return reply(envelope(CODE.invalid, '非法的参数', 'isv.access-token-expired', 'access_token已过期'), params);
    if (common.access_token !== accessToken) return reply(envelope(CODE.invalid, '非法的参数', 'isv.access-token-no-existed', 'access_token不存在，请使用最新的access_token访问'), params);
    if (failure === 'business-error') return reply(envelope(CODE.businessFailed, '业务处理失败', 'isv.business-failed', '业务处理失败（模拟）'), params);

    let body: ReturnType<typeof envelope>;
    switch (method) {
      case 'order.searchList':
        body = searchList(params);
        break;
      case 'order.orderDetail':
        body = orderDetail(params);
        break;
      case 'order.batchDecrypt':
        body = batchDecrypt(params);
        break;
      case 'sku.syncStock':
        body = syncStock(params);
        break;
      default:
        body = envelope(CODE.offline, '服务已下线', 'isp.api-service-off', 'API不存在或API已下线');
    }
    reply(body, params);
    if (body.code === CODE.ok) {
      const n = (answered.get(method) ?? 0) + 1;
      answered.set(method, n);
      for (const hook of hooks) if (hook.method === method && hook.n === n) hook.fn();
    }
  }

  function searchList(params: Record<string, unknown>): ReturnType<typeof envelope> {
    const size = num(params.size);
    const page = num(params.page ?? 0);
    if (size === null || size < 1 || size > 100) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', 'size 取值范围为 1~100');
    if (page === null || page < 0) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', 'page 从 0 开始');
    const orderBy = String(params.order_by ?? 'create_time');
    if (orderBy !== 'create_time' && orderBy !== 'update_time') return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', 'order_by 仅支持 create_time、update_time');
    // The window filters on update_time when one is given, else on create_time; order_by sorts.
    const timeField = params.update_time_start !== undefined || params.update_time_end !== undefined ? 'update_time' : 'create_time';
    const start = num(params[`${timeField}_start`]);
    const end = num(params[`${timeField}_end`]);
    if (start !== null && start < nowS() - 90 * 86_400) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid:20022', '订单查询只支持查询最近90天内的数据');
    const asc = params.order_asc === true || params.order_asc === 'true';
    const direction = asc ? 1 : -1;
    const matching = [...orders.values()]
      .filter((o) => (start === null || Number(o[timeField]) >= start) && (end === null || Number(o[timeField]) <= end))
      .sort((a, b) => (Number(a[orderBy]) - Number(b[orderBy]) || (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0)) * direction);
    if (page * size >= 50_000) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', '最多查询 50000 条（模拟）');
    const slice = matching.slice(page * size, page * size + size);
    return envelope(CODE.ok, 'success', '', '', { page, size, total: matching.length, shop_order_list: slice.map((o) => {
      const entry = listEntry(o);
      if (options.listWithoutSkus) delete entry.sku_order_list;
      return entry;
    }) });
  }

  function orderDetail(params: Record<string, unknown>): ReturnType<typeof envelope> {
    const id = params.shop_order_id === undefined ? '' : String(params.shop_order_id);
    if (!id) return envelope(CODE.missing, '缺少必选参数', 'isv.missing-parameter:shop_order_id', '缺少参数 shop_order_id');
    const order = orders.get(id);
    if (!order) return envelope(CODE.businessFailed, '业务处理失败', 'isv.business-failed', '订单不存在');
    return envelope(CODE.ok, 'success', '', '', {
      shop_order_detail: { ...order, promotion_detail: { shop_discount_detail: { total_amount: order.promotion_shop_amount, coupon_amount: 0, full_discount_amount: order.promotion_shop_amount, coupon_info: [], full_discount_info: [] } } },
    });
  }

  function batchDecrypt(params: Record<string, unknown>): ReturnType<typeof envelope> {
    const infos = Array.isArray(params.cipher_infos) ? (params.cipher_infos as Array<Record<string, unknown>>) : [];
    if (infos.length === 0) return envelope(CODE.missing, '缺少必选参数', 'isv.missing-parameter:cipher_infos', '缺少参数 cipher_infos');
    if (infos.length > 50) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', '最大支持一次解密50条');
    const day = new Date(now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const used = decryptUse.get(day) ?? 0;
    if (options.decryptQuota !== undefined && used + infos.length > options.decryptQuota) {
      return envelope(CODE.businessFailed, '业务处理失败', 'isv.business-failed', '今日解密额度已用尽（模拟）');
    }
    decryptUse.set(day, used + infos.length);
    return envelope(CODE.ok, 'success', '', '', {
      decrypt_infos: infos.map((info) => {
        const cipher = String(info.cipher_text ?? '');
        const plain = plaintexts.byCipher.get(cipher);
        const ok = plain && plain.authId === String(info.auth_id);
        return {
          auth_id: String(info.auth_id ?? ''),
          cipher_text: cipher,
          decrypt_text: ok ? plain.text : '',
          err_no: ok ? 0 : 300008,
          err_msg: ok ? '' : '解密失败：密文与auth_id不匹配（模拟）',
          data_type: plain?.dataType ?? 0,
          is_virtual_tel: false,
          expire_time: 0,
          phone_no_a: '',
          phone_no_b: '',
        };
      }),
      custom_err: { err_code: 0, err_msg: '' },
    });
  }

  function syncStock(params: Record<string, unknown>): ReturnType<typeof envelope> {
    const skuId = params.sku_id === undefined ? undefined : String(params.sku_id);
    const code = params.code === undefined ? undefined : String(params.code);
    const stockNum = num(params.stock_num);
    if (!skuId && !code) return envelope(CODE.missing, '缺少必选参数', 'isv.missing-parameter:sku_id', 'sku_id 和 code 不能同时为空');
    if (stockNum === null || stockNum < 0) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', 'stock_num 不能小于 0');
    const incremental = params.incremental === true;
    if (incremental && !params.idempotent_id) return envelope(CODE.invalidBusiness, '非法的参数', 'isv.parameter-invalid', 'incremental=true 时 idempotent_id 必填');
    const skus = [...orders.values()].flatMap((o) => o.sku_order_list);
    const known = skus.some((s) => (skuId !== undefined && String(s.sku_id) === skuId) || (code !== undefined && s.code === code));
    if (!known) return envelope(CODE.businessFailed, '业务处理失败', 'isv.business-failed', 'sku不存在（模拟）');
    const key = skuId ?? code!;
    stock.set(key, incremental ? (stock.get(key) ?? 0) + stockNum : stockNum);
    stockSyncs.push({ ...(skuId ? { sku_id: skuId } : {}), ...(code ? { code } : {}), stock_num: stockNum, incremental });
    return envelope(CODE.ok, 'success', '', '', {});
  }

  let batches = 0;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    newOrders(count) {
      // Generators cycle statuses from their first order: skip ahead so that batches differ.
      const added = generateOrders({ count: count + (batches % 60), from: nowS() - 1, to: nowS(), seed: now() + ++batches }, plaintexts).slice(-count);
      for (const order of added) orders.set(order.order_id, order);
      return added.map((o) => o.order_id);
    },
    appKey,
    appSecret,
    get accessToken() {
      return accessToken;
    },
    orders,
    calls,
    stock,
    stockSyncs,
    throttleNext(count = 1) {
      for (let i = 0; i < count; i++) queued.push('throttle');
    },
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failure);
    },
    expireToken() {
      expiredToken = accessToken;
      accessToken = `${accessToken}-renewed`;
    },
    touch(orderId, updateTime = nowS()) {
      const order = orders.get(orderId);
      if (!order) throw new Error(`no sandbox order ${orderId}`);
      order.update_time = updateTime;
      for (const sku of order.sku_order_list) sku.update_time = updateTime;
    },
    afterCall(method, n, fn) {
      hooks.push({ method, n, fn });
    },
    async push(url, messages, pushOptions = {}) {
      const sent = pushOptions.rawBody ?? JSON.stringify(messages.map((m) => ({ tag: String(m.tag), msg_id: m.msg_id, data: typeof m.data === 'string' ? m.data : (stringifyLossless(m.data) ?? '{}') })));
      const key = pushOptions.appKey ?? appKey;
      const sign = createHash('md5').update(key + sent + (pushOptions.secret ?? appSecret), 'utf8').digest('hex');
      const headers = { 'content-type': 'application/json', 'app-id': key, 'event-sign': sign, ...pushOptions.headers };
      const response = await fetch(url, { method: 'POST', headers, body: sent });
      return { status: response.status, body: await response.text(), sent, headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** param_json as the gateway re-serialises it: keys sorted by code point at every depth, compact. */
function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (isLosslessNumber(value)) {
    const literal = (value as { value: string }).value;
    return /^-?\d+$/.test(literal) ? literal : String(Number(literal));
  }
  if (typeof value === 'string') return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new Error(`cannot serialise ${typeof value}`);
}

/** Epoch seconds, or the legacy "yyyy-MM-dd HH:mm:ss" in Beijing time. */
function timestampSeconds(text: string): number | null {
  if (/^\d{10}$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  return Math.floor(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]! - 8, +m[5]!, +m[6]!) / 1000);
}

function num(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
