/**
 * A K/3 Cloud WebAPI simulator on 127.0.0.1, speaking the real endpoints and answer shapes:
 *
 * - `AuthService.ValidateUser` / `AuthService.LoginByAppSecret` check the account set and the
 *   credentials and set the `kdservice-sessionid` and `ASP.NET_SessionId` cookies;
 * - `DynamicFormService.Save` without a live session answers HTTP 200 with the session-lost body
 *   (MsgCode 1, "会话信息已丢失，请重新登录"); it stores bills by FBillNo and refuses a second Save
 *   of the same number with Kingdee's uniqueness error (FieldName FBillNo, MsgCode 11);
 * - `Submit` / `Audit` move a bill's FDocumentStatus A → B → C;
 * - `ExecuteBillQuery` finds stored bills (`FBillNo='…'`), rows as `[[…]]`.
 *
 * It fails on request, at a rate or for the next calls: HTTP 503, a business error, an answer
 * that comes only after the client gave up (the bill stored first: the ambiguous case), a lost
 * session. Requests are accepted as `{formid, data}` (data a JSON string or an object) and as
 * the older `{parameters: [...]}`.
 *
 * @example
 * const sim = await startKingdeeSandbox({ users: { api: 'secret' } });
 * // createKingdeeAdapter({ baseUrl: sim.url, acctId: sim.acctId, auth: { kind: 'password', username: 'api', password: 'secret' }, … }, { fetch })
 * sim.failNext('slow-after-store');
 * await sim.close();
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SandboxFailure = 'server-error' | 'business-error' | 'slow-after-store' | 'session-lost';

export interface KingdeeSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  acctId?: string;
  /** username → password for ValidateUser. */
  users?: Record<string, string>;
  /** appId → { username, appSecret } for LoginByAppSecret. */
  apps?: Record<string, { username: string; appSecret: string }>;
  /** Material numbers that exist; when given, a Save naming another one is refused. */
  materials?: string[];
  /** Failure rates per Save (0..1), drawn with `random`. */
  rates?: Partial<Record<Exclude<SandboxFailure, 'session-lost'>, number>>;
  random?: () => number;
  /** How late a slow answer comes (default 2 s): past the client's timeout. */
  slowMs?: number;
}

export interface StoredBill {
  formId: string;
  id: number;
  billNo: string;
  status: 'A' | 'B' | 'C';
  model: Record<string, unknown>;
  /** The Save's options (IsAutoSubmitAndAudit, InterationFlags …) without the Model. */
  options: Record<string, unknown>;
}

export interface KingdeeSandbox {
  /** The site, ending in /k3cloud/. */
  url: string;
  acctId: string;
  /** `${formId}/${billNo}` → bill. */
  bills: Map<string, StoredBill>;
  /** Every call: service name (Save, ValidateUser …) and the parsed body. */
  calls: Array<{ service: string; body: unknown }>;
  /** Makes the next `count` Saves fail this way. */
  failNext(failure: SandboxFailure, count?: number): void;
  /** Forgets every session (an IIS recycle, a timeout): the next call gets the session-lost body. */
  expireSessions(): void;
  close(): Promise<void>;
}

const PREFIX = '/k3cloud/';
const SESSION_LOST = '会话信息已丢失，请重新登录';

export async function startKingdeeSandbox(options: KingdeeSandboxOptions = {}): Promise<KingdeeSandbox> {
  const acctId = options.acctId ?? '6871005268bf9d';
  const users = options.users ?? { api: 'secret' };
  const apps = options.apps ?? {};
  const random = options.random ?? Math.random;
  const slowMs = options.slowMs ?? 2_000;
  const sessions = new Set<string>();
  const bills = new Map<string, StoredBill>();
  const calls: KingdeeSandbox['calls'] = [];
  const queued: SandboxFailure[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let nextId = 100001;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => send(res, 500, `<html><body>Server Error: ${(e as Error).message}</body></html>`, 'text/html'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const text = await readBody(req);
    if (req.method !== 'POST' || !path.startsWith(PREFIX) || !path.endsWith('.common.kdsvc')) return send(res, 404, 'Not Found', 'text/plain');
    const service = path.slice(PREFIX.length, -'.common.kdsvc'.length).split('.').pop()!;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return send(res, 200, 'response_error:请求数据格式不正确');
    }
    calls.push({ service, body });
    switch (service.toLowerCase()) {
      case 'validateuser':
        return login(res, body, 'password');
      case 'loginbyappsecret':
        return login(res, body, 'app');
      case 'save':
        return withSession(req, res, () => save(res, body));
      case 'submit':
      case 'audit':
        return withSession(req, res, () => setStatus(res, body, service.toLowerCase() as 'submit' | 'audit'));
      case 'executebillquery':
        return withSession(req, res, () => query(res, body), true);
      default:
        return send(res, 404, `unknown service ${service}`, 'text/plain');
    }
  }

  function login(res: ServerResponse, body: Record<string, unknown>, kind: 'password' | 'app'): void {
    const params = Array.isArray(body.parameters) ? (body.parameters as unknown[]) : undefined;
    const field = (name: string, index: number) => String(params?.[index] ?? fieldOf(body, name) ?? '');
    const acct = field('acctID', 0);
    const username = field('username', 1);
    const ok =
      acct === acctId &&
      (kind === 'password'
        ? users[username] !== undefined && users[username] === field('password', 2)
        : apps[field('appId', 2)]?.username === username && apps[field('appId', 2)]?.appSecret === field('appSecret', 3));
    if (!ok) {
      return sendJson(res, { Message: acct === acctId ? '用户名或密码错误！' : '数据中心不存在！', MessageCode: 'CheckPasswordPolicy', LoginResultType: 0, Context: null, KDSVCSessionId: null, IsSuccessByAPI: false });
    }
    const id = randomUUID();
    sessions.add(id);
    res.setHeader('set-cookie', [`kdservice-sessionid=${id}; path=/`, `ASP.NET_SessionId=${randomUUID().replace(/-/g, '').slice(0, 24)}; path=/; HttpOnly`]);
    sendJson(res, { Message: null, MessageCode: 'CheckPasswordPolicy', LoginResultType: 1, Context: { UserName: username, DBid: acctId, SessionId: id, LogId: '' }, KDSVCSessionId: id, FormId: null, RedirectFormParam: null, FormInputObject: null, ErrorStackTrace: null, Lcid: 2052, AccessToken: null, KdAccessResult: null, IsSuccessByAPI: true });
  }

  function withSession(req: IncomingMessage, res: ServerResponse, then: () => void, isQuery = false): void {
    const cookie = /(?:^|;\s*)kdservice-sessionid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const header = req.headers['kdservice-sessionid'];
    const id = cookie ?? (typeof header === 'string' ? header : undefined);
    let lost = !id || !sessions.has(id);
    if (!lost && queued[0] === 'session-lost') {
      queued.shift();
      sessions.clear();
      lost = true;
    }
    if (!lost) return then();
    const status = { Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: null, Message: SESSION_LOST, DIndex: 0 }], SuccessEntitys: [], SuccessMessages: [], MsgCode: 1 } } };
    sendJson(res, isQuery ? [[status]] : status);
  }

  function save(res: ServerResponse, body: Record<string, unknown>): void {
    const { formId, data } = operationArgs(body);
    const model = data.Model as Record<string, unknown> | undefined;
    const failure = queued.length ? queued.shift()! : drawFailure();
    if (failure === 'server-error') return send(res, 503, '<html><body><h1>Service Unavailable</h1></body></html>', 'text/html');
    if (!formId || !model || typeof model !== 'object') return sendJson(res, failed([{ FieldName: null, Message: '参数错误：缺少formid或Model', DIndex: 0 }], 8));
    const billNo = typeof model.FBillNo === 'string' ? model.FBillNo : '';
    if (!billNo) return sendJson(res, failed([{ FieldName: 'FBillNo', Message: '单据编号不能为空（编码规则不允许手工录入时由系统生成）', DIndex: 0 }], 11));
    const key = `${formId}/${billNo.toUpperCase()}`;
    if (bills.has(key)) {
      return sendJson(res, failed([{ FieldName: 'FBillNo', Message: `违反字段唯一性要求：编码唯一。[${billNo}]在当前系统中已经被使用。`, DIndex: 0 }], 11));
    }
    const problems = validate(formId, model);
    if (failure === 'business-error') problems.push({ FieldName: 'FCustId', Message: '客户信用额度不足，不允许保存（模拟）', DIndex: 0 });
    if (problems.length) return sendJson(res, failed(problems, 11));
    const { Model: _model, ...saveOptions } = data;
    const auto = String(data.IsAutoSubmitAndAudit).toLowerCase() === 'true';
    const bill: StoredBill = { formId, id: nextId++, billNo, status: auto ? 'C' : 'A', model, options: saveOptions };
    bills.set(key, bill);
    const answer = { Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: bill.id, Number: billNo, DIndex: 0 }], SuccessMessages: [], MsgCode: 0 }, Id: bill.id, Number: billNo, NeedReturnData: [{}] } };
    if (failure === 'slow-after-store') {
      // Stored, but the answer comes after the client stopped waiting.
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) sendJson(res, answer);
      }, slowMs);
      timers.add(timer);
      return;
    }
    sendJson(res, answer);
  }

  function setStatus(res: ServerResponse, body: Record<string, unknown>, op: 'submit' | 'audit'): void {
    const { formId, data } = operationArgs(body);
    const numbers = Array.isArray(data.Numbers) ? (data.Numbers as unknown[]).map(String) : [];
    const errors: Array<{ FieldName: string | null; Message: string; DIndex: number }> = [];
    const done: StoredBill[] = [];
    numbers.forEach((number, i) => {
      const bill = bills.get(`${formId}/${number.toUpperCase()}`);
      if (!bill) errors.push({ FieldName: null, Message: `单据编号为“${number}”的单据不存在（模拟）`, DIndex: i });
      else if (op === 'submit' && bill.status !== 'A') errors.push({ FieldName: null, Message: `单据“${number}”不是创建或重新审核状态，不能提交（模拟）`, DIndex: i });
      else if (op === 'audit' && bill.status !== 'B') errors.push({ FieldName: null, Message: `单据“${number}”不是审核中状态，不能审核（模拟）`, DIndex: i });
      else done.push(bill);
    });
    if (numbers.length === 0) errors.push({ FieldName: null, Message: '参数错误：Numbers和Ids不能同时为空', DIndex: 0 });
    if (errors.length) return sendJson(res, failed(errors, 11));
    for (const bill of done) bill.status = op === 'submit' ? 'B' : 'C';
    sendJson(res, { Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: done.map((b, i) => ({ Id: b.id, Number: b.billNo, DIndex: i })), SuccessMessages: [], MsgCode: 0 } } });
  }

  function query(res: ServerResponse, body: Record<string, unknown>): void {
    const params = Array.isArray(body.parameters) ? (body.parameters as unknown[]) : undefined;
    const data = parseData(params ? params[0] : body.data);
    const formId = String(fieldOf(data, 'FormId') ?? '');
    const keys = String(fieldOf(data, 'FieldKeys') ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    const wanted = billNoFilter(fieldOf(data, 'FilterString'));
    const rows = [...bills.values()]
      .filter((b) => b.formId.toLowerCase() === formId.toLowerCase() && (wanted === undefined || b.billNo.toUpperCase() === wanted.toUpperCase()))
      .map((b) => keys.map((k) => ({ fbillno: b.billNo, fdocumentstatus: b.status, fid: b.id })[k.toLowerCase()] ?? null));
    sendJson(res, rows);
  }

  function validate(formId: string, model: Record<string, unknown>): Array<{ FieldName: string; Message: string; DIndex: number }> {
    const problems: Array<{ FieldName: string; Message: string; DIndex: number }> = [];
    const required = (field: string, label: string) => {
      const v = model[field];
      const empty = v === undefined || v === null || v === '' || (typeof v === 'object' && !Array.isArray(v) && !(v as { FNumber?: unknown }).FNumber);
      if (empty) problems.push({ FieldName: field, Message: `字段“${label}”是必填项（模拟）`, DIndex: 0 });
    };
    const entries = (key: string, material: string) => {
      const rows = model[key];
      if (!Array.isArray(rows) || rows.length === 0) {
        problems.push({ FieldName: key, Message: '单据体至少需要一行分录（模拟）', DIndex: 0 });
        return;
      }
      rows.forEach((row: Record<string, unknown>, i) => {
        const number = (row[material] as { FNumber?: string } | undefined)?.FNumber;
        if (!number) problems.push({ FieldName: material, Message: `第${i + 1}行物料编码是必填项（模拟）`, DIndex: 0 });
        else if (options.materials && !options.materials.includes(number)) problems.push({ FieldName: material, Message: `第${i + 1}行物料编码“${number}”不存在或未审核（模拟）`, DIndex: 0 });
      });
    };
    if (formId === 'SAL_SaleOrder') {
      required('FBillTypeID', '单据类型');
      required('FDate', '日期');
      required('FSaleOrgId', '销售组织');
      required('FCustId', '客户');
      entries('FSaleOrderEntry', 'FMaterialId');
    } else if (formId === 'AR_receivable') {
      required('FDATE', '业务日期');
      required('FCUSTOMERID', '客户');
      required('FSETTLEORGID', '结算组织');
      entries('FEntityDetail', 'FMATERIALID');
    }
    return problems;
  }

  function drawFailure(): SandboxFailure | undefined {
    const r = random();
    let edge = 0;
    for (const kind of ['server-error', 'business-error', 'slow-after-store'] as const) {
      edge += options.rates?.[kind] ?? 0;
      if (r < edge) return kind;
    }
    return undefined;
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    acctId,
    bills,
    calls,
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) queued.push(failure);
    },
    expireSessions() {
      sessions.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function failed(errors: Array<{ FieldName: string | null; Message: string; DIndex: number }>, msgCode: number) {
  return { Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: errors, SuccessEntitys: [], SuccessMessages: [], MsgCode: msgCode }, Id: '', Number: '', NeedReturnData: [] } };
}

/** formid and data of an operation, from `{formid, data}` or `{parameters: [formid, data]}`. */
function operationArgs(body: Record<string, unknown>): { formId: string; data: Record<string, unknown> } {
  const params = Array.isArray(body.parameters) ? (body.parameters as unknown[]) : undefined;
  return { formId: String(params?.[0] ?? fieldOf(body, 'formid') ?? ''), data: parseData(params ? params[1] : fieldOf(body, 'data')) };
}

function parseData(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** A field by name, case-insensitively (acctID, acctid …). */
function fieldOf(body: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

/** The bill number of a `FBillNo='X'` filter (string form) or `[{FieldName:'FBillNo', Value:'X'}]`. */
function billNoFilter(filter: unknown): string | undefined {
  if (typeof filter === 'string') return /FBillNo\s*=\s*'([^']*)'/i.exec(filter)?.[1];
  if (Array.isArray(filter)) {
    const item = filter.find((f) => String((f as { FieldName?: unknown }).FieldName).toLowerCase() === 'fbillno') as { Value?: unknown } | undefined;
    return item ? String(item.Value) : undefined;
  }
  return undefined;
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

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, JSON.stringify(value));
}
