/**
 * Aliyun SMS (Dysmsapi) on 127.0.0.1, for tests and local runs. It speaks the real shapes: RPC
 * calls by GET (query) or POST (form body) to `/`, answering JSON:
 *
 * - the gateway: unknown AccessKeyId → 404 InvalidAccessKeyId.NotFound; a signature that does not
 *   match → 400 SignatureDoesNotMatch "… server string to sign is:…" (checked byte by byte with
 *   its own percent-encoder and node:crypto, independently of ../sign.ts); a malformed or stale
 *   Timestamp → 400 InvalidTimeStamp.Format / .Expired; a reused SignatureNonce → 400
 *   SignatureNonceUsed; an unknown Action → 404 InvalidAction.NotFound.
 * - SendSms: `{"Message":"OK","RequestId":"…","Code":"OK","BizId":"…^0"}`, or isv.MOBILE_NUMBER_ILLEGAL,
 *   isv.SMS_SIGNATURE_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.INVALID_JSON_PARAM,
 *   isv.TEMPLATE_MISSING_PARAMETERS (a `${var}` of the template without a value), and per-phone
 *   flow control: isv.BUSINESS_LIMIT_CONTROL "触发分钟级流控Permits:1" (by default 1 a minute, 5 an
 *   hour, 10 a day per number, the console's defaults).
 * - QuerySendDetails: the messages sent to PhoneNumber on SendDate (Beijing), 50 a page, each with
 *   its OutId, as `SmsSendDetailDTOs.SmsSendDetailDTO[]`.
 *
 * Like Aliyun, it does not drop a repeated OutId: every accepted SendSms is a message.
 *
 * It keeps every message it accepts (`received`, with the phone masked) and fails SendSms on
 * request: `failRate` (with `failModes`) or `failNext(...)`: `5xx` (503 ServiceUnavailable),
 * `throttle` (400 Throttling.User), `system` (200 isp.SYSTEM_ERROR), `timeout` (the message is
 * sent, the reply never comes) or `drop` (the call hangs before anything is sent).
 *
 * @example
 * const aliyun = await startAliyunSmsSandbox({ accessKeys: { LTAIsandbox: 'secret' } });
 * const sms = createAliyunSmsAdapter({ baseUrl: aliyun.url, accessKeyId: 'LTAIsandbox', accessKeySecret: 'secret', … }, { fetch });
 * await sms.send(delivery); aliyun.received.length; // 1
 * await aliyun.close();
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FailMode = '5xx' | 'throttle' | 'system' | 'timeout' | 'drop';

export interface PhoneLimit {
  calls: number;
  perMs: number;
  /** The Message of the isv.BUSINESS_LIMIT_CONTROL reply, e.g. 触发分钟级流控Permits:1. */
  message: string;
}

/** The console's default frequency settings (发送频率设置): 1 a minute, 5 an hour, 10 a day. */
export const DEFAULT_PHONE_LIMITS: PhoneLimit[] = [
  { calls: 1, perMs: 60_000, message: '触发分钟级流控Permits:1' },
  { calls: 5, perMs: 3600_000, message: '触发小时级流控Permits:5' },
  { calls: 10, perMs: 24 * 3600_000, message: '触发天级流控Permits:10' },
];

export interface AliyunSmsSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  /** AccessKeyId → AccessKeySecret. */
  accessKeys: Record<string, string>;
  /** Approved signatures; absent: any. */
  signNames?: string[];
  /** Approved templates by code, with `${var}` placeholders; absent: any code, no variable check. */
  templates?: Record<string, string>;
  /** Per-number limits; [] for none. */
  phoneLimits?: PhoneLimit[];
  failRate?: number;
  failModes?: FailMode[];
  /** How far Timestamp may be from the clock (default 15 minutes). */
  maxSkewMs?: number;
  now?: () => number;
  random?: () => number;
  /** Gets one line per call, the phone masked. */
  print?: (line: string) => void;
}

export interface ReceivedSms {
  at: number;
  bizId: string;
  outId?: string;
  /** Masked: 138****5678. */
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  content: string;
}

export interface AliyunSmsSandbox {
  url: string;
  /** The messages accepted, in order. */
  received: ReceivedSms[];
  /** Every SendSms call, whatever became of it. */
  calls: number;
  /** QuerySendDetails calls. */
  queries: number;
  failNext(...modes: FailMode[]): void;
  close(): Promise<void>;
}

interface Stored {
  at: number;
  phone: string;
  bizId: string;
  outId?: string;
  templateCode: string;
  content: string;
}

const HOST = 'dysmsapi.aliyuncs.com';
const BEIJING_MS = 8 * 3600_000;

export async function startAliyunSmsSandbox(options: AliyunSmsSandboxOptions): Promise<AliyunSmsSandbox> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const limits = options.phoneLimits ?? DEFAULT_PHONE_LIMITS;
  const maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
  const modes = options.failModes ?? ['5xx', 'throttle', 'system', 'timeout'];
  const queued: FailMode[] = [];
  const nonces = new Set<string>();
  /** By full number: never shown, only matched. */
  const byPhone = new Map<string, Stored[]>();
  const sockets = new Set<Socket>();
  let seq = 0;

  const state: AliyunSmsSandbox = {
    url: '',
    received: [],
    calls: 0,
    queries: 0,
    failNext: (...next) => void queued.push(...next),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const reply = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify({ RequestId: randomUUID().toUpperCase(), ...body }));
  };
  const gatewayError = (res: ServerResponse, status: number, code: string, message: string) =>
    reply(res, status, { HostId: HOST, Code: code, Message: message, Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=Dysmsapi` });
  const print = (line: string) => options.print?.(line);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    if (url.pathname !== '/' || (method !== 'GET' && method !== 'POST')) return gatewayError(res, 404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
    const pairs = method === 'POST' ? new URLSearchParams(raw) : url.searchParams;
    const params: Record<string, string> = {};
    for (const [k, v] of pairs) params[k] = v;

    // The gateway: credentials, signature, time, nonce, version, action.
    for (const name of ['AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp', 'Action', 'Version']) {
      if (!params[name]) return gatewayError(res, 400, `Missing${name}`, `${name} is mandatory for this action.`);
    }
    const secret = options.accessKeys[params.AccessKeyId!];
    if (secret === undefined) return gatewayError(res, 404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const toSign = serverStringToSign(params, method);
    const expected = Buffer.from(createHmac('sha1', `${secret}&`).update(toSign, 'utf8').digest('base64'));
    const given = Buffer.from(params.Signature!);
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return gatewayError(res, 400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${toSign}`);
    }
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(params.Timestamp!)) return gatewayError(res, 400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    if (Math.abs(now() - Date.parse(params.Timestamp!)) > maxSkewMs) return gatewayError(res, 400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (nonces.has(params.SignatureNonce!)) return gatewayError(res, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(params.SignatureNonce!);
    if (params.Version !== '2017-05-25') return gatewayError(res, 400, 'InvalidVersion', 'Specified parameter Version is not valid.');

    if (params.Action === 'SendSms') return sendSms(params, res);
    if (params.Action === 'QuerySendDetails') return querySendDetails(params, res);
    return gatewayError(res, 404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  };

  const sendSms = (params: Record<string, string>, res: ServerResponse) => {
    state.calls++;
    const failure = queued.shift() ?? (options.failRate && random() < options.failRate ? modes[Math.floor(random() * modes.length)] : undefined);
    const numbers = (params.PhoneNumbers ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const shown = numbers.map(mask).join(',') || '-';
    const done = (code: string, status = 200, body: Record<string, unknown> = {}) => {
      print(`SendSms ${shown} ${params.TemplateCode ?? '-'} → ${code}`);
      if (code === 'OK') return reply(res, 200, { Message: 'OK', Code: 'OK', ...body });
      return reply(res, status, { Code: code, Message: body.Message ?? code });
    };
    if (failure === 'drop') return void print(`SendSms ${shown} → (no reply, not sent)`);
    if (failure === '5xx') return done('ServiceUnavailable', 503, { Message: 'The request has failed due to a temporary failure of the server.' });
    if (failure === 'throttle') return done('Throttling.User', 400, { Message: 'Request was denied due to user flow control.' });
    if (failure === 'system') return done('isp.SYSTEM_ERROR', 200, { Message: 'isp.SYSTEM_ERROR' });

    for (const name of ['PhoneNumbers', 'SignName', 'TemplateCode']) {
      if (!params[name]) return done(`Missing${name}`, 400, { Message: `${name} is mandatory for this action.` });
    }
    if (numbers.length > 1000) return done('isv.MOBILE_COUNT_OVER_LIMIT', 200, { Message: '手机号码数量超过限制' });
    const phones = numbers.map(mainland);
    if (phones.some((p) => p === null)) return done('isv.MOBILE_NUMBER_ILLEGAL', 200, { Message: '非法手机号' });
    if (options.signNames && !options.signNames.includes(params.SignName!)) return done('isv.SMS_SIGNATURE_ILLEGAL', 200, { Message: '该账号下找不到对应签名' });
    const template = options.templates ? options.templates[params.TemplateCode!] : undefined;
    if (options.templates && template === undefined) return done('isv.SMS_TEMPLATE_ILLEGAL', 200, { Message: '该账号下找不到对应模板' });
    let values: Record<string, string> = {};
    if (params.TemplateParam !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(params.TemplateParam);
      } catch {
        parsed = null;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        return done('isv.INVALID_JSON_PARAM', 200, { Message: 'JSON参数不合法，只接受字符串值' });
      }
      values = parsed as Record<string, string>;
    }
    const content = template ?? Object.values(values).join(' ');
    const variables = [...(template ?? '').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
    if (variables.some((v) => !values[v])) return done('isv.TEMPLATE_MISSING_PARAMETERS', 200, { Message: '模板变量缺少对应参数值' });

    const t = now();
    for (const phone of phones as string[]) {
      const sent = byPhone.get(phone) ?? [];
      for (const limit of limits) {
        if (sent.filter((s) => s.at > t - limit.perMs).length >= limit.calls) return done('isv.BUSINESS_LIMIT_CONTROL', 200, { Message: limit.message });
      }
    }
    const bizId = `${String(t).slice(-9)}${String(++seq).padStart(9, '0')}^0`;
    const text = `【${params.SignName}】${content.replace(/\$\{(\w+)\}/g, (_, v: string) => values[v] ?? '')}`;
    for (const phone of phones as string[]) {
      const record: Stored = { at: t, phone, bizId, templateCode: params.TemplateCode!, content: text, ...(params.OutId ? { outId: params.OutId } : {}) };
      byPhone.set(phone, [...(byPhone.get(phone) ?? []), record]);
      state.received.push({ at: t, bizId, phone: mask(phone), signName: params.SignName!, templateCode: params.TemplateCode!, params: values, content: text, ...(params.OutId ? { outId: params.OutId } : {}) });
    }
    // Sent; with a timeout the reply is lost on the way back.
    if (failure === 'timeout') return void print(`SendSms ${shown} ${params.TemplateCode} → sent, reply lost`);
    done('OK', 200, { BizId: bizId });
  };

  const querySendDetails = (params: Record<string, string>, res: ServerResponse) => {
    state.queries++;
    const phone = mainland(params.PhoneNumber ?? '');
    const pageSize = Number(params.PageSize);
    const page = Number(params.CurrentPage ?? '1');
    print(`QuerySendDetails ${mask(params.PhoneNumber ?? '-')} ${params.SendDate ?? '-'} page ${params.CurrentPage ?? '-'}`);
    if (!params.PhoneNumber) return gatewayError(res, 400, 'MissingPhoneNumber', 'PhoneNumber is mandatory for this action.');
    if (!params.SendDate) return gatewayError(res, 400, 'MissingSendDate', 'SendDate is mandatory for this action.');
    if (!phone) return reply(res, 200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' });
    if (!/^\d{8}$/.test(params.SendDate) || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50 || !Number.isInteger(page) || page < 1) {
      return reply(res, 200, { Code: 'isv.INVALID_PARAMETERS', Message: '参数异常' });
    }
    const all = (byPhone.get(phone) ?? []).filter((s) => beijing(s.at).slice(0, 10).replace(/-/g, '') === params.SendDate && (!params.BizId || s.bizId === params.BizId));
    const slice = all.slice((page - 1) * pageSize, page * pageSize);
    reply(res, 200, {
      Code: 'OK',
      Message: 'OK',
      TotalCount: all.length,
      SmsSendDetailDTOs: {
        SmsSendDetailDTO: slice.map((s) => ({ PhoneNum: s.phone, SendStatus: 3, ErrCode: 'DELIVERED', TemplateCode: s.templateCode, Content: s.content, SendDate: beijing(s.at), ReceiveDate: beijing(s.at + 3000), ...(s.outId ? { OutId: s.outId } : {}) })),
      },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => res.writeHead(500).end(e.message));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** RFC 3986 unreserved bytes kept, every other UTF-8 byte %XY: Aliyun's rule, byte by byte. */
export function aliyunEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function serverStringToSign(params: Record<string, string>, method: string): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k]!)}`)
    .join('&');
  return `${method}&${aliyunEncode('/')}&${aliyunEncode(canonical)}`;
}

function mainland(raw: string): string | null {
  const bare = raw.replace(/^(?:\+86|0086|86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(bare) ? bare : null;
}

function mask(phone: string): string {
  return phone.length >= 8 ? `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}` : '*'.repeat(phone.length);
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
function beijing(ms: number): string {
  return new Date(ms + BEIJING_MS).toISOString().slice(0, 19).replace('T', ' ');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
