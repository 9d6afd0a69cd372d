/**
 * A YonBIP open API simulator on 127.0.0.1, with the real paths and answer shapes, its checks
 * written from the docs apart from the adapter's code:
 *
 * - `GET /open-auth/selfAppAuth/base/v1/getAccessToken` checks appKey, the millisecond timestamp
 *   (within 5 minutes) and the signature (Base64 HmacSHA256 of `appKey…timestamp…`), and issues
 *   a token for 7200 s;
 * - business calls take `?access_token=`; an unknown or expired one answers HTTP 200 with
 *   `{"code":"310036","message":"非法token"}`, as the gateway does;
 * - `voucherorder/singleSave` stores a sale order; a repeat of a resubmitCheckKey answers with
 *   the first result and stores nothing;
 * - `voucher/addVoucher` checks that debits equal credits (in fen) and stores the voucher by
 *   businessId; a repeat is refused naming the businessId as already there.
 *
 * It fails on request (`failNext`): HTTP 503, gateway throttling (310046), a token it forgot
 * (310036), a business error (999), or an answer that comes only after the client gave up (the
 * document stored first: the ambiguous case).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SandboxFailure = 'server-error' | 'throttle' | 'token-lost' | 'business-error' | 'slow-after-store';

export interface YonyouSandboxOptions {
  port?: number;
  appKey?: string;
  appSecret?: string;
  /** How late a slow answer comes (default 2 s): past the client's timeout. */
  slowMs?: number;
}

export interface YonyouSandbox {
  url: string;
  appKey: string;
  appSecret: string;
  /** resubmitCheckKey → the stored sale order. */
  saleOrders: Map<string, Record<string, unknown>>;
  /** businessId → the stored voucher. */
  vouchers: Map<string, Record<string, unknown>>;
  tokensIssued: number;
  /** Business calls received (token requests not counted). */
  calls: number;
  failNext(...failures: SandboxFailure[]): void;
  close(): Promise<void>;
}

const fen = (yuan: unknown): number => {
  const [whole = '0', part = ''] = String(yuan ?? '0').replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(part.padEnd(2, '0').slice(0, 2));
  return String(yuan).startsWith('-') ? -value : value;
};

export async function startYonyouSandbox(options: YonyouSandboxOptions = {}): Promise<YonyouSandbox> {
  const appKey = options.appKey ?? '41c1a5d1b3e54ae3a0c7f2d6e8b9a001';
  const appSecret = options.appSecret ?? '7f3e2d1c0b9a8f7e6d5c4b3a29180716';
  const tokens = new Set<string>();
  const saleOrders = new Map<string, Record<string, unknown>>();
  const vouchers = new Map<string, Record<string, unknown>>();
  const queued: SandboxFailure[] = [];
  let nextId = 2_100_000_000_000_000;
  const state = { tokensIssued: 0, calls: 0 };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  function issueToken(url: URL, res: ServerResponse) {
    const key = url.searchParams.get('appKey') ?? '';
    const timestamp = url.searchParams.get('timestamp') ?? '';
    const signature = url.searchParams.get('signature') ?? '';
    if (key !== appKey) return send(res, 200, { code: '10018', message: 'appKey不存在' });
    if (!/^\d{13}$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > 5 * 60_000) return send(res, 200, { code: '10021', message: 'timestamp无效' });
    const expected = createHmac('sha256', appSecret).update(`appKey${key}timestamp${timestamp}`, 'utf8').digest('base64');
    if (signature !== expected) return send(res, 200, { code: '10020', message: '签名校验失败' });
    const token = `yb_${randomUUID().replace(/-/g, '')}`;
    tokens.add(token);
    state.tokensIssued++;
    return send(res, 200, { code: '00000', message: '成功！', data: { access_token: token, expire: 7200 } });
  }

  function saveSaleOrder(body: { data?: Record<string, unknown> }): unknown {
    const data = body.data;
    if (!data || typeof data !== 'object') return { code: '999', message: 'data不能为空' };
    for (const field of ['salesOrgId', 'transactionTypeId', 'vouchdate', 'agentId', 'payMoney', 'orderDetails']) {
      if (data[field] === undefined || data[field] === '') return { code: '999', message: `${field}不能为空` };
    }
    const lines = data.orderDetails as Array<Record<string, unknown>>;
    const total = lines.reduce((n, l) => n + fen(l.oriSum), 0);
    if (total !== fen(data.payMoney)) return { code: '999', message: `含税金额${data.payMoney}与明细合计不一致` };
    const key = String(data.resubmitCheckKey ?? '');
    const first = key ? saleOrders.get(key) : undefined;
    if (first) return { code: '200', message: '操作成功', data: first };
    const id = String(nextId++);
    const stored = { ...data, id, code: data.code ?? `SO${id.slice(-8)}` };
    saleOrders.set(key || id, stored);
    return { code: '200', message: '操作成功', data: stored };
  }

  function addVoucher(body: Record<string, unknown>): unknown {
    for (const field of ['accbookCode', 'voucherTypeCode', 'bodies']) if (!body[field]) return { code: '999', message: `${field}不能为空` };
    const businessId = String(body.businessId ?? '');
    const existing = businessId ? vouchers.get(businessId) : undefined;
    if (existing) return { code: '999', message: `businessId重复：业务单据已生成凭证${String(existing.voucherId)}` };
    const lines = body.bodies as Array<Record<string, unknown>>;
    const debit = lines.reduce((n, l) => n + fen(l.debitOrg), 0);
    const credit = lines.reduce((n, l) => n + fen(l.creditOrg), 0);
    if (debit !== credit) return { code: '999', message: `借贷不平衡：借方${debit / 100}，贷方${credit / 100}` };
    const voucherId = String(nextId++);
    const stored = { ...body, voucherId, voucherStatus: '01', totalDebitOrg: debit / 100, totalCreditOrg: credit / 100 };
    vouchers.set(businessId || voucherId, stored);
    return { code: '200', message: 'OK', data: { voucherId, voucherStatus: '01', totalDebitOrg: debit / 100, totalCreditOrg: credit / 100 } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/open-auth/selfAppAuth/base/v1/getAccessToken') return issueToken(url, res);
    if (req.method !== 'POST') return send(res, 404, { code: '310404', message: 'API未注册' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.calls++;
    const failure = queued.shift();
    if (failure === 'server-error') return send(res, 503, 'Service Unavailable');
    if (failure === 'throttle') return send(res, 200, { code: '310046', message: 'API级别限流，请稍后重试' });
    const token = url.searchParams.get('access_token') ?? '';
    if (failure === 'token-lost') tokens.delete(token);
    if (!tokens.has(token)) return send(res, 200, { code: '310036', message: '非法token' });
    if (failure === 'business-error') return send(res, 200, { code: '999', message: '客户[CUST-TMALL]不存在或未启用' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, 200, { code: '999', message: '请求体不是合法的JSON' });
    }
    let answer: unknown;
    if (url.pathname === '/yonbip/sd/voucherorder/singleSave') answer = saveSaleOrder(body as { data?: Record<string, unknown> });
    else if (url.pathname === '/yonbip/fi/ficloud/openapi/voucher/addVoucher') answer = addVoucher(body);
    else return send(res, 404, { code: '310404', message: 'API未注册' });
    if (failure === 'slow-after-store') await new Promise((r) => setTimeout(r, options.slowMs ?? 2_000));
    return send(res, 200, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { code: '999', message: (e as Error).message }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    appKey,
    appSecret,
    saleOrders,
    vouchers,
    get tokensIssued() {
      return state.tokensIssued;
    },
    get calls() {
      return state.calls;
    },
    failNext: (...failures) => void queued.push(...failures),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
