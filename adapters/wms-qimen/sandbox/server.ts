/**
 * A Qimen router + WMS simulator on 127.0.0.1, speaking the real request and answer shapes:
 *
 * - `POST /router/qimen/service?method=…&timestamp=…&format=xml&app_key=…&v=2.0&sign_method=md5&customerId=…&sign=…`
 *   with an XML body; the sign is checked as the SDK's SpiUtils checks it, and a bad one is
 *   answered `<response><flag>failure</flag><code>sign-check-failure</code><message>Illegal request</message></response>`;
 * - `taobao.qimen.deliveryorder.create` stores delivery orders by deliveryOrderCode. A repeated
 *   create of a code is refused as a duplicate (`duplicateAnswer: 'failure'`, the default) or
 *   answered success with the same deliveryOrderId (`'success'`, WMSs that are idempotent), as
 *   WMSs differ. Parts of one order sent with `totalOrderLines` are put together;
 * - `taobao.qimen.deliveryorder.query` finds an order by orderCode; `taobao.qimen.order.cancel`
 *   cancels one that has not shipped (and answers success again for one already cancelled);
 * - `sendConfirm(url, code)` calls a `taobao.qimen.deliveryorder.confirm` back, signed.
 *
 * Creates fail on request, at a rate or for the next calls: HTTP 502, a system error answered
 * with HTTP 200, a business error, an answer that comes only after the client gave up (the order
 * stored first: the ambiguous case). Messages the real systems' wording is not known for end in
 * （模拟）.
 *
 * @example
 * const sim = await startQimenSandbox();
 * // createQimenAdapter({ baseUrl: sim.url, appKey: sim.appKey, appSecret: sim.appSecret, customerId: sim.customerId, mapping }, { fetch })
 * sim.failNext('timeout-after-store');
 * await sim.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beijingTimestamp, qimenSign, sameSignature } from '../sign.ts';
import { buildXml, child, list, parseXml, text } from '../xml.ts';

export type SandboxFailure = 'server-error' | 'system-error' | 'business-error' | 'timeout-after-store';

export interface QimenSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  appKey?: string;
  appSecret?: string;
  customerId?: string;
  /** How a repeated create of a stored code is answered (default failure "already exists"). */
  duplicateAnswer?: 'failure' | 'success';
  /** Item codes the WMS knows; when given, a create naming another one is refused. */
  items?: string[];
  /** Failure rates per create (0..1), drawn with `random`. */
  rates?: Partial<Record<SandboxFailure, number>>;
  random?: () => number;
  /** How late a slow answer comes (default 2 s): past the client's timeout. */
  slowMs?: number;
}

export interface StoredDeliveryOrder {
  deliveryOrderCode: string;
  deliveryOrderId: string;
  warehouseCode: string;
  orderType: string;
  ownerCode?: string;
  status: string;
  totalOrderLines?: number;
  /** The deliveryOrder element of the first create. */
  deliveryOrder: Record<string, unknown>;
  lines: Array<Record<string, unknown>>;
}

export interface SandboxCall {
  method: string;
  query: Record<string, string>;
  body: string;
  signOk: boolean;
}

export interface QimenSandbox {
  url: string;
  appKey: string;
  appSecret: string;
  customerId: string;
  /** deliveryOrderCode → order. */
  orders: Map<string, StoredDeliveryOrder>;
  calls: SandboxCall[];
  /** Makes the next `count` creates fail this way. */
  failNext(failure: SandboxFailure, count?: number): void;
  /** Sets a stored order's status (e.g. DELIVERED, so that a cancel is refused). */
  setStatus(code: string, status: string): void;
  /** Posts a signed deliveryorder.confirm for a stored order to `url`; resolves to the answer. */
  sendConfirm(url: string, code: string, options?: ConfirmOptions): Promise<{ status: number; text: string; body: string; query: Record<string, string> }>;
  close(): Promise<void>;
}

export interface ConfirmOptions {
  status?: string;
  logisticsCode?: string;
  expressCode?: string;
  /** Sign with this secret instead (a wrong one makes a bad sign). */
  secret?: string;
}

export const ROUTER_PATH = '/router/qimen/service';
const REQUIRED = ['method', 'timestamp', 'format', 'app_key', 'v', 'sign', 'sign_method', 'customerId'];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export async function startQimenSandbox(options: QimenSandboxOptions = {}): Promise<QimenSandbox> {
  const appKey = options.appKey ?? '23456789';
  const appSecret = options.appSecret ?? 'sandbox-secret-0123456789abcdef';
  const customerId = options.customerId ?? 'WMS_SANDBOX';
  const random = options.random ?? Math.random;
  const slowMs = options.slowMs ?? 2_000;
  const orders = new Map<string, StoredDeliveryOrder>();
  const calls: SandboxCall[] = [];
  const queued: SandboxFailure[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let nextId = 880001;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>Internal Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    if (req.method !== 'POST' || url.pathname !== ROUTER_PATH) return send(res, 404, '<html><body>404 Not Found</body></html>', 'text/html');
    const query = Object.fromEntries(url.searchParams);
    const method = query.method ?? '';
    // The router checks the sign as SpiUtils does: every query parameter but sign, then the body.
    const signOk = !!query.sign && query.app_key === appKey && sameSignature(query.sign, qimenSign(query, body, appSecret, { keepEmpty: true }));
    calls.push({ method, query, body, signOk });
    if (!signOk) return answer(res, failure('sign-check-failure', 'Illegal request'));
    const missing = REQUIRED.filter((k) => !query[k]);
    if (missing.length) return answer(res, failure('isv.missing-parameter', `缺少系统参数：${missing.join(', ')}（模拟）`));
    if (!TIMESTAMP.test(query.timestamp!)) return answer(res, failure('isv.invalid-parameter', `timestamp 格式错误：${query.timestamp}（模拟）`));
    if (query.format !== 'xml' || query.sign_method !== 'md5') return answer(res, failure('isv.invalid-parameter', 'format 须为 xml，sign_method 须为 md5（模拟）'));
    if (query.customerId !== customerId) return answer(res, failure('isv.invalid-customerId', `customerId ${query.customerId} 未路由到任何仓储系统（模拟）`));
    let request: Record<string, unknown> | undefined;
    try {
      request = child(parseXml(body), 'request');
    } catch {
      request = undefined;
    }
    if (!request) return answer(res, failure('isv.invalid-parameter', '请求报文不是合法的XML（模拟）'));
    switch (method) {
      case 'taobao.qimen.deliveryorder.create':
        return create(res, request);
      case 'taobao.qimen.deliveryorder.query':
        return queryOrder(res, request);
      case 'taobao.qimen.order.cancel':
        return cancel(res, request);
      default:
        return answer(res, failure('isv.invalid-method', `不支持的接口：${method}（模拟）`));
    }
  }

  function create(res: ServerResponse, request: Record<string, unknown>): void {
    const failureKind = queued.length ? queued.shift()! : drawFailure();
    if (failureKind === 'server-error') return send(res, 502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', 'text/html');
    if (failureKind === 'system-error') return answer(res, failure('SYSTEM_ERROR', '系统繁忙，请稍后重试（模拟）'));
    const order = child(request, 'deliveryOrder');
    const lines = list(request, 'orderLines', 'orderLine');
    const code = text(order, 'deliveryOrderCode');
    const problems: string[] = [];
    for (const field of ['deliveryOrderCode', 'orderType', 'warehouseCode', 'createTime', 'placeOrderTime', 'operateTime', 'shopNick', 'logisticsCode']) {
      if (!text(order, field)) problems.push(`deliveryOrder.${field}`);
    }
    const receiver = child(order, 'receiverInfo');
    for (const field of ['name', 'mobile', 'province', 'city', 'detailAddress']) if (!text(receiver, field)) problems.push(`receiverInfo.${field}`);
    if (lines.length === 0) problems.push('orderLines');
    lines.forEach((line, i) => {
      for (const field of ['ownerCode', 'itemCode', 'planQty', 'actualPrice']) if (!text(line, field)) problems.push(`orderLine[${i}].${field}`);
    });
    if (problems.length || !order || !code) return answer(res, failure('isv.invalid-parameter', `缺少必填字段：${problems.join(', ')}（模拟）`));
    const unknownItem = options.items ? lines.map((l) => text(l, 'itemCode')!).find((c) => !options.items!.includes(c)) : undefined;
    if (unknownItem) return answer(res, failure('ITEM_NOT_EXIST', `商品编码[${unknownItem}]不存在（模拟）`));

    const existing = orders.get(code);
    const total = Number(text(order, 'totalOrderLines') ?? NaN);
    if (existing) {
      const stored = new Set(existing.lines.map(lineKey));
      const fresh = lines.filter((l) => !stored.has(lineKey(l)));
      const incomplete = existing.totalOrderLines !== undefined && existing.lines.length < existing.totalOrderLines;
      if (incomplete && fresh.length === lines.length) {
        // The next part of an order sent in several requests.
        existing.lines.push(...lines);
        return reply(res, failureKind, created(existing));
      }
      if (options.duplicateAnswer === 'success') return answer(res, created(existing));
      return answer(res, failure('DELIVERYORDER_EXISTS', `出库单号[${code}]已存在，请勿重复创建（模拟）`));
    }
    if (failureKind === 'business-error') return answer(res, failure('INVENTORY_SHORTAGE', `商品[${text(lines[0], 'itemCode')}]库存不足，无法创建出库单（模拟）`));
    const stored: StoredDeliveryOrder = {
      deliveryOrderCode: code,
      deliveryOrderId: `WMS${nextId++}`,
      warehouseCode: text(order, 'warehouseCode')!,
      orderType: text(order, 'orderType')!,
      ...(text(lines[0], 'ownerCode') ? { ownerCode: text(lines[0], 'ownerCode')! } : {}),
      status: 'NEW',
      ...(Number.isInteger(total) && total > 0 ? { totalOrderLines: total } : {}),
      deliveryOrder: order,
      lines: [...lines],
    };
    orders.set(code, stored);
    reply(res, failureKind, created(stored));
  }

  function created(order: StoredDeliveryOrder): string {
    return buildXml({
      response: {
        flag: 'success',
        code: '0',
        message: 'success',
        createTime: beijingTimestamp(Date.now()),
        deliveryOrderId: order.deliveryOrderId,
        warehouseCode: order.warehouseCode,
        logisticsCode: text(order.deliveryOrder, 'logisticsCode') ?? 'OTHER',
      },
    });
  }

  /** Answers now, or (timeout-after-store) only after the client has stopped waiting. */
  function reply(res: ServerResponse, failureKind: SandboxFailure | undefined, xml: string): void {
    if (failureKind !== 'timeout-after-store') return answer(res, xml);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) answer(res, xml);
    }, slowMs);
    timers.add(timer);
  }

  function queryOrder(res: ServerResponse, request: Record<string, unknown>): void {
    const code = text(request, 'orderCode');
    const order = code ? orders.get(code) : undefined;
    if (!order) return answer(res, failure('ORDER_NOT_EXIST', `单据[${code ?? ''}]不存在（模拟）`));
    const page = Math.max(1, Number(text(request, 'page') ?? 1));
    const size = Math.min(100, Math.max(1, Number(text(request, 'pageSize') ?? 100)));
    answer(
      res,
      buildXml({
        response: {
          flag: 'success',
          code: '0',
          message: 'success',
          totalLines: order.lines.length,
          deliveryOrder: { deliveryOrderCode: order.deliveryOrderCode, deliveryOrderId: order.deliveryOrderId, warehouseCode: order.warehouseCode, orderType: order.orderType, status: order.status },
          orderLines: { orderLine: order.lines.slice((page - 1) * size, page * size).map((l) => ({ orderLineNo: text(l, 'orderLineNo'), itemCode: text(l, 'itemCode'), planQty: text(l, 'planQty') })) },
        },
      }),
    );
  }

  function cancel(res: ServerResponse, request: Record<string, unknown>): void {
    const code = text(request, 'orderCode');
    const order = code ? orders.get(code) : undefined;
    if (!text(request, 'warehouseCode')) return answer(res, failure('isv.invalid-parameter', '缺少必填字段：warehouseCode（模拟）'));
    if (!order) return answer(res, failure('ORDER_NOT_EXIST', `单据[${code ?? ''}]不存在（模拟）`));
    if (order.status === 'CANCELED') return answer(res, ok('单据已取消'));
    if (order.status === 'DELIVERED' || order.status === 'PARTDELIVERED') return answer(res, failure('ORDER_CANNOT_CANCEL', `单据[${code}]已发货，不能取消（模拟）`));
    order.status = 'CANCELED';
    answer(res, ok('success'));
  }

  function drawFailure(): SandboxFailure | undefined {
    const r = random();
    let edge = 0;
    for (const kind of ['server-error', 'system-error', 'business-error', 'timeout-after-store'] as const) {
      edge += options.rates?.[kind] ?? 0;
      if (r < edge) return kind;
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${ROUTER_PATH}`,
    appKey,
    appSecret,
    customerId,
    orders,
    calls,
    failNext(failureKind, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failureKind);
    },
    setStatus(code, status) {
      const order = orders.get(code);
      if (!order) throw new Error(`no delivery order ${code} in the sandbox`);
      order.status = status;
    },
    async sendConfirm(target, code, confirm = {}) {
      const order = orders.get(code);
      if (!order) throw new Error(`no delivery order ${code} in the sandbox`);
      const status = confirm.status ?? 'DELIVERED';
      const now = beijingTimestamp(Date.now());
      const logisticsCode = confirm.logisticsCode ?? text(order.deliveryOrder, 'logisticsCode') ?? 'OTHER';
      const expressCode = confirm.expressCode ?? `YT${String(nextId++).padStart(13, '0')}`;
      const body = buildXml({
        request: {
          deliveryOrder: {
            deliveryOrderCode: order.deliveryOrderCode,
            deliveryOrderId: order.deliveryOrderId,
            warehouseCode: order.warehouseCode,
            orderType: order.orderType,
            status,
            outBizCode: `${order.deliveryOrderId}-${status}`,
            confirmType: 0,
            orderConfirmTime: now,
            operatorCode: 'OP01',
            operatorName: '仓库操作员',
            operateTime: now,
          },
          packages: {
            package: [
              {
                logisticsCode,
                expressCode,
                packageCode: `${order.deliveryOrderId}-P1`,
                weight: '1.25',
                items: { item: order.lines.map((l) => ({ itemCode: text(l, 'itemCode'), quantity: text(l, 'planQty') })) },
              },
            ],
          },
          orderLines: {
            orderLine: order.lines.map((l) => ({
              orderLineNo: text(l, 'orderLineNo'),
              itemCode: text(l, 'itemCode'),
              ...(text(l, 'ownerCode') ? { ownerCode: text(l, 'ownerCode') } : {}),
              inventoryType: 'ZP',
              planQty: text(l, 'planQty'),
              actualQty: text(l, 'planQty'),
            })),
          },
        },
      });
      const params: Record<string, string> = { method: 'taobao.qimen.deliveryorder.confirm', timestamp: now, format: 'xml', app_key: appKey, v: '2.0', sign_method: 'md5', customerId };
      const query = { ...params, sign: qimenSign(params, body, confirm.secret ?? appSecret) };
      const search = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const response = await fetch(`${target}${target.includes('?') ? '&' : '?'}${search}`, { method: 'POST', headers: { 'content-type': 'text/xml;charset=utf-8' }, body });
      const answerText = await response.text();
      // The WMS takes its own confirm as done only when the ERP said success.
      if (response.ok && /<flag>\s*success\s*<\/flag>/.test(answerText)) order.status = status;
      return { status: response.status, text: answerText, body, query };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function lineKey(line: Record<string, unknown>): string {
  return text(line, 'orderLineNo') ?? `${text(line, 'itemCode')}/${text(line, 'planQty')}`;
}

function failure(code: string, message: string): string {
  return buildXml({ response: { flag: 'failure', code, message } });
}

function ok(message: string): string {
  return buildXml({ response: { flag: 'success', code: '0', message } });
}

function answer(res: ServerResponse, xml: string): void {
  send(res, 200, xml, 'text/xml;charset=utf-8');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
