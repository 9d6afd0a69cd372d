/**
 * A Kuaidi100 (快递100) simulator on 127.0.0.1, speaking the real endpoints:
 *
 * - `POST /poll`, form `schema=json&param=<json>`: checks the key inside param (600 您不是合法的
 *   订阅者), the company, number and callbackurl (700), keeps the subscription by company and
 *   number, and answers a repeat of a number still being tracked with `501 重复订阅`;
 * - `POST /poll/query.do`, form `customer, sign, param`: checks `sign = MD5(param + key +
 *   customer)` (503 验证签名失败) and answers the track, newest node first (500 查询无结果 when
 *   there is none);
 * - `push(number, node)` adds a node to a subscription and POSTs it to the callbackurl as
 *   Kuaidi100 does: form `param=<json>&sign=MD5(param + salt)`, and returns the reply.
 *
 * It fails on request, at a rate or for the next subscriptions: HTTP 503, returnCode 500
 * (服务器错误), 701 (拒绝订阅的快递公司), or an answer that comes only after the client gave up
 * (the subscription kept first).
 *
 * @example
 * const sim = await startKuaidi100Sandbox({ accounts: { 'test-key': 'TESTCUSTOMER' } });
 * // createKuaidi100Adapter({ baseUrl: sim.url, key: 'test-key', callbackUrl, salt }, { fetch })
 * await sim.push('SF1440000000001', { context: '顺丰速运 已收取快件', state: '1' });
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { md5 } from '@noble/hashes/legacy.js';

export type Kuaidi100SandboxFailure = 'server-error' | 'server-busy' | 'refused-company' | 'slow-after-store';

export interface Kuaidi100SandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  /** key → customer. */
  accounts?: Record<string, string>;
  /** Company codes it tracks. */
  companies?: string[];
  /** Failure rates per subscription (0..1), drawn with `random`. */
  rates?: Partial<Record<Kuaidi100SandboxFailure, number>>;
  random?: () => number;
  /** How late a slow answer comes (default 2 s). */
  slowMs?: number;
}

export interface Kuaidi100Node {
  time: string;
  ftime: string;
  context: string;
  status: string;
  statusCode: string;
  areaCode: string | null;
  areaName: string | null;
}

export interface Subscription {
  key: string;
  company: string;
  number: string;
  callbackurl: string;
  salt: string;
  phone?: string;
  resultv2?: string;
  /** polling, shutdown, abort. */
  status: string;
  state: string;
  nodes: Kuaidi100Node[];
}

export interface Kuaidi100Sandbox {
  url: string;
  /** `${company}/${number}` → subscription. */
  subscriptions: Map<string, Subscription>;
  /** Every call: the path, the form, the returnCode answered. */
  calls: Array<{ path: string; form: Record<string, string>; param: unknown; returnCode?: string }>;
  failNext(failure: Kuaidi100SandboxFailure, count?: number): void;
  /** Adds a node (newest first) and POSTs the whole track to the subscription's callbackurl. */
  push(number: string, node: { context: string; state?: string; time?: string; areaName?: string }, options?: { salt?: string; status?: string }): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const STATE_NAMES: Record<string, string> = { '0': '在途', '1': '揽收', '2': '疑难', '3': '签收', '4': '退签', '5': '派件', '6': '退回', '7': '转投', '8': '清关', '14': '拒签' };

export async function startKuaidi100Sandbox(options: Kuaidi100SandboxOptions = {}): Promise<Kuaidi100Sandbox> {
  const accounts = options.accounts ?? { 'test-key': 'TESTCUSTOMER' };
  const companies = new Set(options.companies ?? ['shunfeng', 'shunfengkuaiyun', 'yuantong', 'zhongtong', 'shentong', 'yunda', 'ems', 'jd']);
  const random = options.random ?? Math.random;
  const slowMs = options.slowMs ?? 2_000;
  const subscriptions = new Map<string, Subscription>();
  const calls: Kuaidi100Sandbox['calls'] = [];
  const queued: Kuaidi100SandboxFailure[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const text = await readBody(req);
    if (req.method !== 'POST' || (path !== '/poll' && path !== '/poll/query.do')) return send(res, 404, 'Not Found', 'text/plain');
    const form = Object.fromEntries(new URLSearchParams(text));
    const call: Kuaidi100Sandbox['calls'][number] = { path, form, param: parseJson(form.param ?? '') };
    calls.push(call);
    const answer = (result: boolean, returnCode: string, message: string) => {
      call.returnCode = returnCode;
      return JSON.stringify({ result, returnCode, message });
    };
    if (path === '/poll') return subscribe(res, call, answer);
    return query(res, call, answer);
  }

  function subscribe(res: ServerResponse, call: Kuaidi100Sandbox['calls'][number], answer: (result: boolean, code: string, message: string) => string): void {
    const failure = queued.length ? queued.shift()! : drawFailure();
    if (failure === 'server-error') {
      call.returnCode = 'HTTP 503';
      return send(res, 503, '<html><body><h1>503 Service Unavailable</h1></body></html>', 'text/html');
    }
    if (failure === 'server-busy') return sendJson(res, answer(false, '500', '服务器错误'));
    const param = call.param as { company?: unknown; number?: unknown; key?: unknown; parameters?: { callbackurl?: unknown; salt?: unknown; phone?: unknown; resultv2?: unknown } } | undefined;
    if (call.form.schema !== 'json' || !param) return sendJson(res, answer(false, '700', '订阅方的订阅数据存在错误（schema或param格式错误）'));
    if (typeof param.key !== 'string' || !(param.key in accounts)) return sendJson(res, answer(false, '600', '您不是合法的订阅者（即授权Key出错）'));
    const company = String(param.company ?? '');
    const number = String(param.number ?? '');
    const callbackurl = String(param.parameters?.callbackurl ?? '');
    if (!companies.has(company) || !number || number.length > 32 || !/^https?:\/\//.test(callbackurl)) return sendJson(res, answer(false, '700', '订阅方的订阅数据存在错误（如不支持的快递公司、单号为空、单号超长等）或错误的回调地址'));
    if (failure === 'refused-company') return sendJson(res, answer(false, '701', '拒绝订阅的快递公司'));
    const id = `${company}/${number}`;
    if (subscriptions.get(id)?.status === 'polling') return sendJson(res, answer(false, '501', '重复订阅'));
    subscriptions.set(id, {
      key: param.key,
      company,
      number,
      callbackurl,
      salt: String(param.parameters?.salt ?? ''),
      ...(param.parameters?.phone ? { phone: String(param.parameters.phone) } : {}),
      ...(param.parameters?.resultv2 ? { resultv2: String(param.parameters.resultv2) } : {}),
      status: 'polling',
      state: '0',
      nodes: [],
    });
    const body = answer(true, '200', '提交成功');
    if (failure === 'slow-after-store') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) sendJson(res, body);
      }, slowMs);
      timers.add(timer);
      return;
    }
    sendJson(res, body);
  }

  function query(res: ServerResponse, call: Kuaidi100Sandbox['calls'][number], answer: (result: boolean, code: string, message: string) => string): void {
    const { customer = '', sign = '', param = '' } = call.form;
    const key = Object.entries(accounts).find(([, c]) => c === customer)?.[0];
    if (!key || !param) return sendJson(res, answer(false, '400', '提交的数据不完整，或者贵公司没授权'));
    if (sign !== md5Hex(param + key + customer)) return sendJson(res, answer(false, '503', '验证签名失败'));
    const q = call.param as { com?: unknown; num?: unknown } | undefined;
    const sub = subscriptions.get(`${String(q?.com ?? '')}/${String(q?.num ?? '')}`);
    if (!sub || sub.nodes.length === 0) return sendJson(res, answer(false, '500', '查询无结果，请隔段时间再查'));
    call.returnCode = '200';
    sendJson(res, JSON.stringify(track(sub)));
  }

  function track(sub: Subscription) {
    return { message: 'ok', nu: sub.number, ischeck: sub.state === '3' ? '1' : '0', condition: 'F00', com: sub.company, status: '200', state: sub.state, data: sub.nodes };
  }

  function drawFailure(): Kuaidi100SandboxFailure | undefined {
    const r = random();
    let edge = 0;
    for (const kind of ['server-error', 'server-busy', 'refused-company', 'slow-after-store'] as const) {
      edge += options.rates?.[kind] ?? 0;
      if (r < edge) return kind;
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    subscriptions,
    calls,
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failure);
    },
    async push(number, node, pushOptions = {}) {
      const sub = [...subscriptions.values()].find((s) => s.number === number);
      if (!sub) throw new Error(`no subscription of ${number}`);
      const state = node.state ?? sub.state;
      const time = node.time ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
      sub.nodes.unshift({ time, ftime: time, context: node.context, status: STATE_NAMES[state] ?? '在途', statusCode: state, areaCode: null, areaName: node.areaName ?? null });
      sub.state = state;
      if (state === '3') sub.status = 'shutdown';
      const param = JSON.stringify({ status: pushOptions.status ?? sub.status, billstatus: '', message: '', autoCheck: '0', comOld: '', comNew: '', lastResult: track(sub) });
      const response = await fetch(sub.callbackurl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams({ param, sign: md5Hex(param + (pushOptions.salt ?? sub.salt)) }).toString(),
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

function md5Hex(text: string): string {
  return Buffer.from(md5(Buffer.from(text, 'utf8'))).toString('hex').toUpperCase();
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
