/**
 * A WeCom group robot on 127.0.0.1, for tests and local runs. It speaks the real shapes:
 * `POST /cgi-bin/webhook/send?key=…` with the JSON message, answering `{"errcode":0,"errmsg":"ok"}`
 * or the robot's errors, errmsg in WeCom's form (`…, hint: [...], from ip: …, more info at …`):
 *
 * - unknown key → 93000 "invalid webhook url"
 * - over `limit` (20 a minute, rolling) → 45009 "api freq out of limit"
 * - a body that is not JSON → 40035; an unsupported msgtype → 40008; empty markdown content →
 *   44004; content over 4096 bytes → 40058
 *
 * It keeps every message it posts, and fails on request: `failRate` (with `failModes`) or
 * `failNext(...)`: `5xx` (502 page), `throttle` (45009) or `timeout` (the message is posted,
 * the reply never comes).
 *
 * @example
 * const robot = await startWeComSandbox({ key: 'k3y' });
 * const wecom = createWeComAdapter({ baseUrl: robot.url, key: 'k3y' }, { fetch });
 * await wecom.send(delivery); robot.received.length; // 1
 * await robot.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FailMode = '5xx' | 'throttle' | 'timeout';

export interface WeComSandboxOptions {
  /** Loopback port to listen on (default: any free one). */
  port?: number;
  key: string;
  /** Share of calls (0..1) that fail with one of `failModes`. */
  failRate?: number;
  failModes?: FailMode[];
  /** Messages a robot takes per rolling window (default 20 a minute). */
  limit?: { calls: number; perMs: number };
  now?: () => number;
  random?: () => number;
}

export interface ReceivedMessage {
  at: number;
  msgtype: string;
  markdown?: { content: string };
  body: Record<string, unknown>;
}

export interface WeComSandbox {
  url: string;
  /** The messages the robot posted, in order. */
  received: ReceivedMessage[];
  /** Every call, whatever became of it. */
  calls: number;
  /** Fail the next calls, in order, before any `failRate` draw. */
  failNext(...modes: FailMode[]): void;
  close(): Promise<void>;
}

const MSGTYPES = ['text', 'markdown', 'markdown_v2', 'image', 'news', 'file', 'voice', 'template_card'];

export async function startWeComSandbox(options: WeComSandboxOptions): Promise<WeComSandbox> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const limit = options.limit ?? { calls: 20, perMs: 60_000 };
  const modes = options.failModes ?? ['5xx', 'throttle', 'timeout'];
  const queued: FailMode[] = [];
  const sent: number[] = [];
  const sockets = new Set<Socket>();
  let hints = 0;

  const state: WeComSandbox = {
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
    const text = errcode === 0 ? errmsg : `${errmsg}, hint: [${now()}${String(++hints).padStart(6, '0')}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify({ errcode, errmsg: text }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    state.calls++;
    if (url.pathname !== '/cgi-bin/webhook/send') return void res.writeHead(404).end();

    const failure = queued.shift() ?? (options.failRate && random() < options.failRate ? modes[Math.floor(random() * modes.length)] : undefined);
    if (failure === '5xx') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    if (failure === 'throttle') return reply(res, 45009, 'api freq out of limit');

    if (url.searchParams.get('key') !== options.key) return reply(res, 93000, 'invalid webhook url');
    const t = now();
    while (sent.length && sent[0]! <= t - limit.perMs) sent.shift();
    if (sent.length >= limit.calls) return reply(res, 45009, 'api freq out of limit');

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return reply(res, 40035, 'Warning: wrong json format. invalid parameter');
    }
    const msgtype = String(body.msgtype ?? '');
    if (!MSGTYPES.includes(msgtype)) return reply(res, 40008, 'invalid message type');
    const content = (body.markdown as { content?: unknown } | undefined)?.content;
    if (msgtype === 'markdown') {
      if (typeof content !== 'string' || content === '') return reply(res, 44004, 'empty content');
      if (Buffer.byteLength(content, 'utf8') > 4096) return reply(res, 40058, 'markdown.content exceed max length 4096');
    }

    sent.push(t);
    state.received.push({ at: t, msgtype, ...(msgtype === 'markdown' ? { markdown: { content: content as string } } : {}), body });
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
