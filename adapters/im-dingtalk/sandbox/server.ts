/**
 * A DingTalk custom robot on 127.0.0.1, for tests and local runs. It speaks the real shapes:
 * `POST /robot/send?access_token=…&timestamp=…&sign=…` with the JSON message, answering
 * `{"errcode":0,"errmsg":"ok"}` or the robot's errors:
 *
 * - unknown token → 300001 "token is not exist"
 * - with a secret: timestamp more than an hour off → 310000 "invalid timestamp"; wrong or missing
 *   sign → 310000 "sign not match" (checked with node:crypto, independently of ../sign.ts)
 * - keywords configured and none in the message → 310000 "keywords not in content"
 * - over `limit` (20 a minute) → 130101 "send too fast, exceed 20 times per minute", then a bare
 *   302 for `banMs` (10 minutes)
 * - unsupported msgtype → 400105; a markdown without title or text → 40035
 *
 * It keeps every message it posts, and fails on request: `failRate` (with `failModes`) or
 * `failNext(...)`: `5xx` (502 page), `throttle` (130101) or `timeout` (the message is posted,
 * the reply never comes).
 *
 * @example
 * const robot = await startDingTalkSandbox({ accessToken: 't0k', secret: 'SECabc' });
 * const dingtalk = createDingTalkAdapter({ baseUrl: robot.url, accessToken: 't0k', secret: 'SECabc' }, { fetch });
 * await dingtalk.send(delivery); robot.received.length; // 1
 * await robot.close();
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FailMode = '5xx' | 'throttle' | 'timeout';

export interface DingTalkSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  accessToken: string;
  secret?: string;
  /** Share of calls (0..1) that fail with one of `failModes`. */
  failRate?: number;
  failModes?: FailMode[];
  /** 自定义关键词: a message must contain one of them. */
  keywords?: string[];
  /** Messages a robot takes per window (default 20 a minute). */
  limit?: { calls: number; perMs: number };
  /** How long a robot that went over the limit stays blocked (default 10 minutes). */
  banMs?: number;
  /** How far the signature timestamp may be from the clock (default 1 hour). */
  maxSkewMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface ReceivedMessage {
  at: number;
  msgtype: string;
  markdown?: { title: string; text: string };
  body: Record<string, unknown>;
}

export interface DingTalkSandbox {
  url: string;
  /** The messages the robot posted, in order. */
  received: ReceivedMessage[];
  /** Every call, whatever became of it. */
  calls: number;
  /** Fail the next calls, in order, before any `failRate` draw. */
  failNext(...modes: FailMode[]): void;
  close(): Promise<void>;
}

export async function startDingTalkSandbox(options: DingTalkSandboxOptions): Promise<DingTalkSandbox> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const limit = options.limit ?? { calls: 20, perMs: 60_000 };
  const banMs = options.banMs ?? 10 * 60_000;
  const maxSkewMs = options.maxSkewMs ?? 3600_000;
  const modes = options.failModes ?? ['5xx', 'throttle', 'timeout'];
  const queued: FailMode[] = [];
  const sent: number[] = [];
  let bannedUntil = 0;
  const sockets = new Set<Socket>();

  const state: DingTalkSandbox = {
    url: '',
    received: [],
    calls: 0,
    failNext: (...next) => void queued.push(...next),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const reply = (res: ServerResponse, errcode: number, errmsg: string) => {
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify({ errcode, errmsg }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    state.calls++;
    if (url.pathname !== '/robot/send') return reply(res, 404, '请求的URI地址不存在');
    if (req.method !== 'POST') return reply(res, 43002, '需要POST请求');

    const failure = queued.shift() ?? (options.failRate && random() < options.failRate ? modes[Math.floor(random() * modes.length)] : undefined);
    if (failure === '5xx') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    if (failure === 'throttle') return reply(res, 130101, 'send too fast, exceed 20 times per minute');

    if (url.searchParams.get('access_token') !== options.accessToken) return reply(res, 300001, 'token is not exist');
    if (options.secret) {
      const timestamp = Number(url.searchParams.get('timestamp'));
      if (!Number.isFinite(timestamp) || Math.abs(now() - timestamp) > maxSkewMs) return reply(res, 310000, 'invalid timestamp');
      const expected = Buffer.from(createHmac('sha256', options.secret).update(`${url.searchParams.get('timestamp')}\n${options.secret}`).digest('base64'));
      // searchParams has already URL-decoded the sign.
      const given = Buffer.from(url.searchParams.get('sign') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(res, 310000, 'sign not match');
    }

    const t = now();
    if (t < bannedUntil) return void res.writeHead(302, { location: 'https://www.dingtalk.com/' }).end();
    while (sent.length && sent[0]! <= t - limit.perMs) sent.shift();
    if (sent.length >= limit.calls) {
      bannedUntil = t + banMs;
      return reply(res, 130101, 'send too fast, exceed 20 times per minute');
    }

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return reply(res, 40035, '缺少参数 json');
    }
    const msgtype = String(body.msgtype ?? '');
    if (!['text', 'link', 'markdown', 'actionCard', 'feedCard'].includes(msgtype)) return reply(res, 400105, '不支持的消息类型');
    const markdown = body.markdown as { title?: unknown; text?: unknown } | undefined;
    if (msgtype === 'markdown' && (typeof markdown?.title !== 'string' || !markdown.title || typeof markdown.text !== 'string' || !markdown.text)) {
      return reply(res, 40035, '缺少参数 markdown');
    }
    if (options.keywords?.length && !options.keywords.some((k) => raw.includes(k))) return reply(res, 310000, 'keywords not in content');

    sent.push(t);
    state.received.push({ at: t, msgtype, ...(msgtype === 'markdown' ? { markdown: { title: String(markdown!.title), text: String(markdown!.text) } } : {}), body });
    // Posted; with a timeout the reply is lost on the way back.
    if (failure === 'timeout') return;
    reply(res, 0, 'ok');
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
