/**
 * An SF open-platform (丰桥) simulator on 127.0.0.1, speaking the real gateway:
 *
 * - `POST /std/service`, form `partnerID, requestID, serviceCode, timestamp, msgDigest, msgData`;
 *   it checks the form (A1001 必传参数不可为空), the partner (A1004) and the msgDigest, computed
 *   here independently of the adapter's sign.ts (A1006 数字签名无效);
 * - `EXP_RECE_CREATE_ORDER` stores orders by orderId, checks the contacts and cargo (1010–1016,
 *   1023), answers a repeated orderId with SF's `8016 重复下单`, and returns a waybill number in
 *   `waybillNoInfoList` (and `routeLabelInfo` when isReturnRoutelabel is 1);
 * - `EXP_RECE_SEARCH_ORDER_RESP` finds an order by orderId (8018 未获取到订单信息 otherwise);
 * - `EXP_RECE_SEARCH_ROUTES` lists the routes pushed so far, by waybill (trackingType 1) or
 *   orderId (2);
 * - `pushRoute` POSTs a route node to a callback URL as SF's RoutePushService does (json or
 *   form/XML) and returns the reply.
 *
 * Answers are the real envelope: `{apiResultCode, apiErrorMsg, apiResponseID, apiResultData}`
 * with apiResultData a JSON string. It fails on request, at a rate or for the next creates:
 * HTTP 503, A1009 (service unreachable, nothing stored), A1005 (rate limited), a business error
 * (20035), or an answer that comes only after the client gave up (the order stored first).
 *
 * @example
 * const sim = await startSfSandbox({ partners: { Y7hHmkqf: 'check-word' } });
 * // createSfAdapter({ baseUrl: sim.url, partnerId: 'Y7hHmkqf', checkWord: 'check-word', … }, { fetch })
 * sim.failNext('slow-after-store');
 * await sim.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { md5 } from '@noble/hashes/legacy.js';

export type SfSandboxFailure = 'server-error' | 'unreachable' | 'rate-limited' | 'business-error' | 'slow-after-store';

export interface SfSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  /** partnerID → checkWord. */
  partners?: Record<string, string>;
  /** 月结卡号 that exist; when given, an order naming another one is refused (8119). */
  monthlyCards?: string[];
  /** Failure rates per create (0..1), drawn with `random`. */
  rates?: Partial<Record<SfSandboxFailure, number>>;
  random?: () => number;
  /** How late a slow answer comes (default 2 s): past the client's timeout. */
  slowMs?: number;
}

export interface SfRoute {
  id: string;
  opCode: string;
  acceptTime: string;
  acceptAddress: string;
  remark: string;
}

export interface StoredSfOrder {
  partnerId: string;
  orderId: string;
  waybillNo: string;
  msgData: Record<string, unknown>;
  routes: SfRoute[];
}

export interface SfSandboxCall {
  serviceCode: string;
  partnerId: string;
  requestID: string;
  timestamp: string;
  msgData: unknown;
  /** The apiResultCode answered. */
  apiResultCode?: string;
}

export interface SfSandbox {
  /** The gateway host; the adapter adds /std/service. */
  url: string;
  /** orderId → order. */
  orders: Map<string, StoredSfOrder>;
  calls: SfSandboxCall[];
  /** Makes the next `count` creates fail this way. */
  failNext(failure: SfSandboxFailure, count?: number): void;
  /** Adds a route node to an order (by orderId or waybill) and POSTs it to `url` as SF does. */
  pushRoute(ref: string, route: Partial<SfRoute> & { opCode: string }, push: { url: string; format?: 'json' | 'xml' }): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const SERVICE_PATH = '/std/service';

export async function startSfSandbox(options: SfSandboxOptions = {}): Promise<SfSandbox> {
  const partners = options.partners ?? { Y7hHmkqf: 'ehpA2SxjBT0M0QY74VktZbPSx41xO9gt' };
  const random = options.random ?? Math.random;
  const slowMs = options.slowMs ?? 2_000;
  const orders = new Map<string, StoredSfOrder>();
  const calls: SfSandboxCall[] = [];
  const queued: SfSandboxFailure[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let nextWaybill = 1_440_000_000_001;
  let nextRoute = 158_918_741_444_001;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const text = await readBody(req);
    if (req.method !== 'POST' || path !== SERVICE_PATH) return send(res, 404, 'Not Found', 'text/plain');
    const form = new URLSearchParams(/application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') ? text : '');
    const field = (name: string) => form.get(name) ?? '';
    const call: SfSandboxCall = { serviceCode: field('serviceCode'), partnerId: field('partnerID'), requestID: field('requestID'), timestamp: field('timestamp'), msgData: parseJson(field('msgData')) };
    calls.push(call);
    const answer = (code: string, message: string, data?: unknown) => {
      call.apiResultCode = code;
      return envelope(code, message, data);
    };
    const missing = ['partnerID', 'requestID', 'serviceCode', 'timestamp', 'msgDigest', 'msgData'].filter((k) => !field(k));
    if (missing.length || call.msgData === undefined) return sendJson(res, answer('A1001', `必传参数不可为空：${missing.join(',') || 'msgData'}`));
    const checkWord = partners[call.partnerId];
    if (checkWord === undefined) return sendJson(res, answer('A1004', '无对应服务权限'));
    if (field('msgDigest') !== digest(field('msgData'), call.timestamp, checkWord)) return sendJson(res, answer('A1006', '数字签名无效'));
    const msgData = call.msgData as Record<string, unknown>;
    switch (call.serviceCode) {
      case 'EXP_RECE_CREATE_ORDER':
        return create(res, call, msgData, answer);
      case 'EXP_RECE_SEARCH_ORDER_RESP': {
        const order = orders.get(String(msgData.orderId ?? ''));
        if (!order || order.partnerId !== call.partnerId) return sendJson(res, answer('A1000', '', { success: false, errorCode: '8018', errorMsg: '未获取到订单信息', msgData: null }));
        return sendJson(res, answer('A1000', '', { success: true, errorCode: 'S0000', errorMsg: null, msgData: { orderId: order.orderId, originCode: '755', destCode: '571', filterResult: '2', returnExtraInfoList: null, waybillNoInfoList: [{ waybillType: 1, waybillNo: order.waybillNo }] } }));
      }
      case 'EXP_RECE_SEARCH_ROUTES': {
        const byOrder = String(msgData.trackingType ?? '1') === '2';
        const numbers = Array.isArray(msgData.trackingNumber) ? (msgData.trackingNumber as unknown[]).map(String) : [String(msgData.trackingNumber ?? '')];
        const routeResps = numbers.flatMap((n) => {
          const order = byOrder ? orders.get(n) : [...orders.values()].find((o) => o.waybillNo === n);
          return order ? [{ mailNo: order.waybillNo, routes: order.routes.map(({ acceptTime, acceptAddress, remark, opCode }) => ({ acceptAddress, acceptTime, remark, opCode })) }] : [];
        });
        return sendJson(res, answer('A1000', '', { success: true, errorCode: 'S0000', errorMsg: null, msgData: { routeResps } }));
      }
      default:
        return sendJson(res, answer('A1004', `无对应服务权限：${call.serviceCode}`));
    }
  }

  function create(res: ServerResponse, call: SfSandboxCall, msgData: Record<string, unknown>, answer: (code: string, message: string, data?: unknown) => string): void {
    const failure = queued.length ? queued.shift()! : drawFailure();
    if (failure === 'server-error') {
      call.apiResultCode = 'HTTP 503';
      return send(res, 503, '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>', 'text/html');
    }
    if (failure === 'unreachable') return sendJson(res, answer('A1009', '目标服务异常或不可达'));
    if (failure === 'rate-limited') return sendJson(res, answer('A1005', '流量受控'));
    const refuse = (errorCode: string, errorMsg: string) => sendJson(res, answer('A1000', '', { success: false, errorCode, errorMsg, msgData: null }));
    const orderId = typeof msgData.orderId === 'string' ? msgData.orderId : '';
    if (!orderId) return refuse('8013', '未传入查询单号');
    if (orders.has(orderId)) return refuse('8016', '重复下单');
    const contacts = Array.isArray(msgData.contactInfoList) ? (msgData.contactInfoList as Array<Record<string, unknown>>) : [];
    const sender = contacts.find((c) => Number(c.contactType) === 1);
    const receiver = contacts.find((c) => Number(c.contactType) === 2);
    if (!sender?.address) return refuse('1010', '寄件地址不能为空');
    if (!sender.contact) return refuse('1011', '寄件联系人不能为空');
    if (!sender.mobile && !sender.tel) return refuse('1012', '寄件电话不能为空');
    if (!receiver?.address) return refuse('1014', '到件地址不能为空');
    if (!receiver.contact) return refuse('1015', '到件联系人不能为空');
    if (!receiver.mobile && !receiver.tel) return refuse('1016', '到件电话不能为空');
    const cargo = Array.isArray(msgData.cargoDetails) ? (msgData.cargoDetails as Array<Record<string, unknown>>) : [];
    if (cargo.length === 0 || cargo.some((c) => !c.name)) return refuse('1023', '拖寄物品名不能为空');
    if (options.monthlyCards && msgData.monthlyCard !== undefined && !options.monthlyCards.includes(String(msgData.monthlyCard))) return refuse('8119', '月结卡号不存在或已失效');
    if (failure === 'business-error') return refuse('20035', '托寄物违禁品不可收寄');
    const waybillNo = `SF${nextWaybill++}`;
    orders.set(orderId, { partnerId: call.partnerId, orderId, waybillNo, msgData, routes: [] });
    const result = {
      success: true,
      errorCode: 'S0000',
      errorMsg: null,
      msgData: {
        orderId,
        originCode: '755',
        destCode: '571',
        filterResult: 2,
        remark: '',
        url: null,
        paymentLink: null,
        isUpstairs: null,
        isSpecialWarehouseService: null,
        mappingMark: null,
        agentMailno: null,
        returnExtraInfoList: null,
        waybillNoInfoList: [{ waybillType: 1, waybillNo, boxNo: null, length: null, width: null, height: null, weight: null, volume: null }],
        routeLabelInfo:
          String(msgData.isReturnRoutelabel) === '1'
            ? [{ code: '1000', routeLabelData: { waybillNo, sourceTransferCode: '755W', sourceCityCode: '755', sourceDeptCode: '755A', destCityCode: '571', destDeptCode: '571AB', destRouteLabel: '571WA-001', proName: '顺丰标快', cargoTypeCode: 'C201', limitTypeCode: 'T4', expressTypeCode: 'B1', twoDimensionCode: `MMM={'k1':'571WA','k2':'571AB','k3':'001','k4':'T4','k5':'${waybillNo}','k6':'','k7':'sandbox'}`, proCode: 'T4', errMsg: null }, message: `${waybillNo}:` }]
            : null,
        contactInfoList: null,
        sendStartTm: null,
        customerRights: null,
        expressTypeId: null,
      },
    };
    const body = answer('A1000', '', result);
    if (failure === 'slow-after-store') {
      // Stored, but the answer comes after the client stopped waiting.
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) sendJson(res, body);
      }, slowMs);
      timers.add(timer);
      return;
    }
    sendJson(res, body);
  }

  function drawFailure(): SfSandboxFailure | undefined {
    const r = random();
    let edge = 0;
    for (const kind of ['server-error', 'unreachable', 'rate-limited', 'business-error', 'slow-after-store'] as const) {
      edge += options.rates?.[kind] ?? 0;
      if (r < edge) return kind;
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    orders,
    calls,
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failure);
    },
    async pushRoute(ref, route, push) {
      const order = orders.get(ref) ?? [...orders.values()].find((o) => o.waybillNo === ref);
      if (!order) throw new Error(`no order or waybill ${ref}`);
      const node: SfRoute = { id: route.id ?? String(nextRoute++), opCode: route.opCode, acceptTime: route.acceptTime ?? beijingNow(), acceptAddress: route.acceptAddress ?? '深圳市', remark: route.remark ?? '顺丰速运 已收取快件' };
      order.routes.push(node);
      const item = { mailno: order.waybillNo, acceptAddress: node.acceptAddress, reasonName: '', orderid: order.orderId, acceptTime: node.acceptTime, remark: node.remark, opCode: node.opCode, id: node.id, reasonCode: '' };
      const format = push.format ?? 'json';
      const response =
        format === 'json'
          ? await fetch(push.url, { method: 'POST', headers: { 'content-type': 'application/json;charset=UTF-8' }, body: JSON.stringify({ Body: { WaybillRoute: [item] } }) })
          : await fetch(push.url, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
              body: new URLSearchParams({
                content: `<?xml version="1.0" encoding="UTF-8"?><Request service="RoutePushService" lang="zh-CN"><Body><WaybillRoute ${Object.entries(item)
                  .map(([k, v]) => `${k}="${xmlAttr(v)}"`)
                  .join(' ')}/></Body></Request>`,
              }).toString(),
            });
      return { status: response.status, body: await response.text() };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The msgDigest, computed without the adapter's code: encodeURIComponent, then the characters
 * Java's URLEncoder treats differently (space → +, and ! ' ( ) ~ escaped), MD5, Base64.
 */
function digest(msgData: string, timestamp: string, checkWord: string): string {
  const encoded = encodeURIComponent(msgData + timestamp + checkWord)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Buffer.from(md5(Buffer.from(encoded, 'latin1'))).toString('base64');
}

function envelope(apiResultCode: string, apiErrorMsg: string, data?: unknown): string {
  const apiResponseID = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
  return JSON.stringify({ apiErrorMsg, apiResponseID, apiResultCode, apiResultData: data === undefined ? null : JSON.stringify(data) });
}

function beijingNow(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function xmlAttr(value: unknown): string {
  return String(value).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json;charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

function sendJson(res: ServerResponse, body: string): void {
  send(res, 200, body);
}
